"""Search folds case beyond ASCII on both databases; time-based ids must carry a time near now."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from facturo.platform.ids import Uuid7Factory
from facturo.platform.runtime import Runtime
from facturo.silo.tables import EntryRow

SHARED = Path(__file__).resolve().parents[3] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
PARTY = json.loads((SHARED / "data/invopop/gobl/es-supplier-party.json").read_text())


def _entries(rt: Runtime) -> int:
    with rt.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(EntryRow)) or 0


def _invoice(code: str, customer: str) -> dict[str, Any]:
    doc = copy.deepcopy(INVOICE)
    doc["code"] = code
    doc["customer"]["name"] = customer
    return doc


def _found(client: TestClient, auth: dict[str, str], q: str) -> list[str]:
    res = client.get("/silo/v1/search", params={"q": q}, headers=auth)
    assert res.status_code == 200, res.text
    return [e["id"] for e in res.json()["list"]]


def test_search_matches_non_ascii_text_whatever_its_case(
    client: TestClient, auth: dict[str, str]
) -> None:
    alvarez = client.post(
        "/silo/v1/entries",
        json={"data": _invoice("A-1", "Distribuciones ÁLVAREZ S.L.")},
        headers=auth,
    ).json()["id"]
    strasse = client.post(
        "/silo/v1/entries", json={"data": _invoice("A-2", "Große Straße GmbH")}, headers=auth
    ).json()["id"]
    assert _found(client, auth, "álvarez") == [alvarez]
    assert _found(client, auth, "ÁLVAREZ") == [alvarez]
    assert _found(client, auth, "  Álvarez S.L. ") == [alvarez]
    assert _found(client, auth, "STRASSE") == [strasse]  # case folding, not just lower-casing
    assert _found(client, auth, "alvarez") == []  # accents are kept: only case is folded
    assert _found(client, auth, "a-") == [strasse, alvarez]


def test_search_follows_a_change_of_the_data(client: TestClient, auth: dict[str, str]) -> None:
    created = client.post(
        "/silo/v1/entries", json={"data": _invoice("B-1", "Núñez e Hijos")}, headers=auth
    ).json()
    assert _found(client, auth, "NÚÑEZ") == [created["id"]]
    changed = _invoice("B-1", "Ibáñez y Cía")
    url = f"/silo/v1/entries/{created['id']}"
    assert client.patch(url, json={"data": changed}, headers=auth).status_code == 200
    assert _found(client, auth, "núñez") == []
    assert _found(client, auth, "IBÁÑEZ") == [created["id"]]
    listed = client.get("/silo/v1/entries", headers=auth).json()["list"][0]
    assert listed["snippet"]["customer"]["name"] == "Ibáñez y Cía"
    assert listed["digest"] == client.get(url, headers=auth).json()["digest"]


def _uuid7_at(moment: datetime) -> uuid.UUID:
    return Uuid7Factory(lambda: int(moment.timestamp() * 1000))()


@pytest.mark.parametrize("days", [-2, 2])
def test_a_time_based_id_more_than_a_day_away_is_refused_with_its_path(
    client: TestClient, runtime: Runtime, auth: dict[str, str], days: int
) -> None:
    entry_id = _uuid7_at(datetime.now(UTC) + timedelta(days=days))
    res = client.put(f"/silo/v1/entries/{entry_id}", json={"data": INVOICE}, headers=auth)
    assert res.status_code == 422, res.text
    body = res.json()
    assert body["key"] == "validation"
    assert [(e["code"], e["pointer"]) for e in body["errors"]] == [("uuid-time", "#/path/entry_id")]
    assert set(body["fields"]["path"]) == {"entry_id"}
    assert _entries(runtime) == 0


def test_a_time_based_id_within_a_day_is_accepted(client: TestClient, auth: dict[str, str]) -> None:
    for moment in (
        datetime.now(UTC) - timedelta(hours=23),
        datetime.now(UTC) + timedelta(hours=23),
    ):
        entry_id = _uuid7_at(moment)
        res = client.put(f"/silo/v1/entries/{entry_id}", json={"data": INVOICE}, headers=auth)
        assert res.status_code == 200, res.text
    v1 = uuid.uuid1()
    assert client.put(f"/silo/v1/entries/{v1}", json={"data": INVOICE}, headers=auth).is_success


def test_an_old_v1_id_is_refused_too(client: TestClient, auth: dict[str, str]) -> None:
    old_v1 = uuid.UUID("2b467620-4470-11f1-a2d4-d9f6d57a55c9")  # the contract's example, 2026-04
    res = client.put(f"/silo/v1/entries/{old_v1}", json={"data": INVOICE}, headers=auth)
    assert res.status_code == 422
    assert res.json()["errors"][0]["code"] == "uuid-time"


def test_folders_of_long_lived_data_take_ids_of_any_time(
    client: TestClient, auth: dict[str, str]
) -> None:
    old = _uuid7_at(datetime.now(UTC) - timedelta(days=400))
    res = client.put(f"/silo/v1/entries/{old}", json={"data": PARTY}, headers=auth)
    assert res.status_code == 200, res.text
    assert res.json()["folder"] == "customers"


def test_a_v4_id_in_sales_names_the_path_parameter(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    res = client.put(f"/silo/v1/entries/{uuid.uuid4()}", json={"data": INVOICE}, headers=auth)
    assert res.status_code == 422
    assert [(e["code"], e["pointer"]) for e in res.json()["errors"]] == [
        ("uuid-version", "#/path/entry_id")
    ]
    assert _entries(runtime) == 0
