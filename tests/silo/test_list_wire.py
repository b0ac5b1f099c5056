"""A list page writes ids and timestamps from the driver's values: the same text, to the byte,
as the typed read every other answer uses, and the same cursors, on both databases."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from facturo.platform.runtime import Runtime
from facturo.silo.repository import LISTED_COLUMNS, listed_of
from facturo.silo.tables import EntryRow
from facturo.silo.wire import StoredJSON, json_response, listed_json

SHARED = Path(__file__).resolve().parents[3] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())

WITH_MICROS = datetime(2026, 3, 4, 5, 6, 7, 891234, tzinfo=UTC)
WHOLE_SECOND = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
UPDATED = datetime(2026, 3, 5, 23, 59, 59, 999999, tzinfo=UTC)


def _post(client: TestClient, auth: dict[str, str], code: str) -> str:
    doc = copy.deepcopy(INVOICE)
    doc["code"] = code
    answer = client.post("/silo/v1/entries", json={"data": doc, "key": code}, headers=auth)
    assert answer.status_code == 200, answer.text
    entry_id: str = answer.json()["id"]
    return entry_id


def _set_times(runtime: Runtime, entry_id: str, created: datetime, updated: datetime) -> None:
    with runtime.uow() as uow:
        uow.session.execute(
            update(EntryRow)
            .where(EntryRow.id == uuid.UUID(entry_id))
            .values(created_at=created, updated_at=updated)
        )
        uow.commit()


def _cursor(token: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    return data


def test_list_page_pins_ids_and_timestamps_wire_form(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    micros = _post(client, auth, "W-1")
    whole = _post(client, auth, "W-2")
    _set_times(runtime, micros, WITH_MICROS, UPDATED)
    _set_times(runtime, whole, WHOLE_SECOND, WHOLE_SECOND)

    first = client.get("/silo/v1/entries", params={"limit": 1}, headers=auth)
    assert first.status_code == 200, first.text
    page = first.json()
    [item] = page["list"]
    assert item["id"] == micros
    assert item["created_at"] == "2026-03-04T05:06:07.891Z"
    assert item["updated_at"] == "2026-03-05T23:59:59.999Z"
    assert _cursor(page["next_cursor"]) == {
        "cat": "2026-03-04T05:06:07.891234+00:00",
        "id": micros,
        "asc": False,
    }

    second = client.get(
        "/silo/v1/entries", params={"limit": 1, "cursor": page["next_cursor"]}, headers=auth
    ).json()
    [item] = second["list"]
    assert item["id"] == whole
    assert item["created_at"] == item["updated_at"] == "2026-03-04T05:06:07.000Z"
    assert "next_cursor" not in second

    ascending = client.get(
        "/silo/v1/entries", params={"limit": 1, "ascending": True}, headers=auth
    ).json()
    assert [e["id"] for e in ascending["list"]] == [whole]
    assert _cursor(ascending["next_cursor"]) == {
        "cat": "2026-03-04T05:06:07+00:00",
        "id": whole,
        "asc": True,
    }
    after = client.get(
        "/silo/v1/entries",
        params={"limit": 1, "ascending": True, "cursor": ascending["next_cursor"]},
        headers=auth,
    ).json()
    assert [e["id"] for e in after["list"]] == [micros]


def test_list_items_equal_the_typed_reads(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    ids = [_post(client, auth, f"T-{i}") for i in range(4)]
    _set_times(runtime, ids[0], WITH_MICROS, UPDATED)
    _set_times(runtime, ids[1], WHOLE_SECOND, WITH_MICROS)
    signed = client.patch(f"/silo/v1/entries/{ids[2]}", json={"sign": True}, headers=auth)
    assert signed.status_code == 200, signed.text

    listed = client.get("/silo/v1/entries", params={"limit": 100}, headers=auth)
    assert listed.status_code == 200
    with runtime.uow() as uow:
        rows = uow.connection().execute(
            select(*LISTED_COLUMNS).order_by(EntryRow.created_at.desc(), EntryRow.id.desc())
        )
        typed = [listed_json(listed_of(row)) for row in rows]
    assert listed.content == json_response({"list": typed, "limit": 100}).body
    assert sorted(e["id"] for e in listed.json()["list"]) == sorted(ids)
    for item in listed.json()["list"]:
        full = client.get(f"/silo/v1/entries/{item['id']}", headers=auth).json()
        assert (item["id"], item["created_at"], item["updated_at"]) == (
            full["id"],
            full["created_at"],
            full["updated_at"],
        )


def test_stored_json_goes_in_as_it_is_and_through_the_fallback_too() -> None:
    """What orjson refuses (an integer past 64 bits) takes the standard library, stored JSON too."""
    stored = StoredJSON('{"b":[1,"x"]}')
    assert json_response({"a": stored}).body == b'{"a":{"b":[1,"x"]}}'
    big = json_response({"a": stored, "n": 2**70}).body
    assert orjson.loads(big.replace(str(2**70).encode(), b"0")) == {"a": {"b": [1, "x"]}, "n": 0}
    assert str(2**70).encode() in big
