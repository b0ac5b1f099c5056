"""States, faults, meta rows and stamps of entries: over HTTP and through the service API."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from facturo.errors import Fault
from facturo.platform import secrets
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.silo import service, service_meta, states
from facturo.silo.errors import StampNeedsSignature
from facturo.silo.service import Source
from facturo.silo.service_meta import MetaFields
from facturo.silo.tables import MetaRow, StateRow

SHARED = Path(__file__).resolve().parents[3] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
SRC = Source("test", "t-1")


def _entry(client: TestClient, auth: dict[str, str], **extra: Any) -> str:
    res = client.post("/silo/v1/entries", json={"data": INVOICE, **extra}, headers=auth)
    assert res.status_code == 200, res.text
    entry_id: str = res.json()["id"]
    return entry_id


def _workspace(client: TestClient, auth: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(client.get("/platform/v1/workspace", headers=auth).json()["id"])


def _count(rt: Runtime, table: type[Any]) -> int:
    with rt.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(table)) or 0


def test_post_state_sets_the_entry_state_and_lists_newest_first(
    client: TestClient, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    first = client.post(
        f"/silo/v1/entries/{entry_id}/states", json={"key": "processing"}, headers=auth
    )
    assert first.status_code == 200, first.text
    assert first.json()["key"] == "processing"
    assert first.json()["src"] == "api-key"
    second = client.post(
        f"/silo/v1/entries/{entry_id}/states",
        json={"key": "sent", "notes": "to AEAT", "meta": {"csv": "A-1"}},
        headers=auth,
    )
    assert second.json()["meta"] == {"csv": "A-1"}
    listed = client.get(f"/silo/v1/entries/{entry_id}/states", headers=auth).json()["list"]
    assert [s["key"] for s in listed] == ["sent", "processing"]
    assert client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()["state"] == "sent"


def test_put_state_at_a_time_is_idempotent_and_conflicts_when_different(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    url = f"/silo/v1/entries/{entry_id}/states/2026-04-30T08:39:57.933Z"
    one = client.put(url, json={"key": "paid"}, headers=auth)
    again = client.put(url, json={"key": "paid"}, headers=auth)
    assert one.status_code == again.status_code == 200
    assert one.json() == again.json()
    assert one.json()["created_at"] == "2026-04-30T08:39:57.933Z"
    assert _count(runtime, StateRow) == 1
    clash = client.put(url, json={"key": "void"}, headers=auth)
    assert clash.status_code == 409
    assert clash.json()["key"] == "conflict"
    assert _count(runtime, StateRow) == 1


def test_a_late_state_for_an_earlier_time_does_not_hide_the_newest(
    client: TestClient, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    client.put(
        f"/silo/v1/entries/{entry_id}/states/2026-05-02T00:00:00.000Z",
        json={"key": "sent"},
        headers=auth,
    )
    client.put(
        f"/silo/v1/entries/{entry_id}/states/2026-05-01T00:00:00.000Z",
        json={"key": "processing"},
        headers=auth,
    )
    assert client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()["state"] == "sent"


@pytest.mark.parametrize(
    ("at", "body", "pointer"),
    [
        ("yesterday", {"key": "sent"}, None),
        ("2026-04-30T08:39:57", {"key": "sent"}, None),
        ("2026-04-30T08:39:57.000Z", {"key": ""}, "#/key"),
        ("2026-04-30T08:39:57.000Z", {"notes": "no key"}, "#/key"),
        ("2026-04-30T08:39:57.000Z", {"key": "Sent Now"}, "#/key"),
    ],
)
def test_bad_states_are_422_and_store_nothing(
    client: TestClient,
    runtime: Runtime,
    auth: dict[str, str],
    at: str,
    body: dict[str, Any],
    pointer: str | None,
) -> None:
    entry_id = _entry(client, auth)
    res = client.put(f"/silo/v1/entries/{entry_id}/states/{at}", json=body, headers=auth)
    assert res.status_code == 422
    assert res.json()["key"] == "validation"
    if pointer:
        assert pointer in [e["pointer"] for e in res.json()["errors"]]
    assert _count(runtime, StateRow) == 0


def test_states_of_an_unknown_entry_are_404(client: TestClient, auth: dict[str, str]) -> None:
    url = f"/silo/v1/entries/{uuid7()}/states"
    assert client.get(url, headers=auth).status_code == 404
    assert client.post(url, json={"key": "sent"}, headers=auth).status_code == 404


def test_service_states_carry_faults_to_the_entry_without_committing(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = uuid.UUID(_entry(client, auth))
    ws = _workspace(client, auth)
    fault = Fault("4107", "NIF no identificado", ("$.doc.customer.tax_id",), "verifactu")
    with runtime.uow() as uow:
        states.set_state(
            uow, workspace_id=ws, entry_id=entry_id, key="error", src="transform", src_id="j1"
        )
        states.add_faults(uow, workspace_id=ws, entry_id=entry_id, faults=[fault])
    # not committed: nothing happened
    assert "state" not in client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()
    with runtime.uow() as uow:
        states.set_state(
            uow,
            workspace_id=ws,
            entry_id=entry_id,
            key="error",
            src="transform",
            src_id="j1",
            faults=[fault],
        )
        uow.commit()
    body = client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()
    assert body["state"] == "error"
    assert body["faults"] == [
        {
            "code": "4107",
            "message": "NIF no identificado",
            "paths": ["$.doc.customer.tax_id"],
            "provider": "verifactu",
        }
    ]
    listed = client.get(f"/silo/v1/entries/{entry_id}/states", headers=auth).json()["list"]
    assert listed[0]["faults"][0]["code"] == "4107"
    with runtime.uow() as uow:
        later = datetime.now(UTC) + timedelta(seconds=5)
        states.set_state(
            uow,
            workspace_id=ws,
            entry_id=entry_id,
            key="sent",
            src="transform",
            src_id="j2",
            at=later,
        )
        uow.commit()
    body = client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()
    assert body["state"] == "sent"
    assert "faults" not in body


def test_meta_upsert_get_lookup_and_delete(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    url = f"/silo/v1/entries/{entry_id}/meta/link"
    body = {
        "ref": "EgDeG3pDBDe",
        "value": {"status": "ok"},
        "url": "https://example.com/reg/EgDeG3pDBDe",
        "scope": "public",
        "indexed": True,
        "shared": True,
    }
    put = client.put(url, json=body, headers=auth)
    assert put.status_code == 200, put.text
    row = put.json()
    assert row["id"] == f"{entry_id}:api:link"
    assert row["link_url"] == body["url"]
    assert row["link_scope"] == "public"
    assert row["value"] == {"status": "ok"}
    assert row["indexed"] is True
    assert "secure" not in row
    again = client.put(url, json={**body, "value": {"status": "changed"}}, headers=auth)
    assert again.json()["created_at"] == row["created_at"]
    assert again.json()["value"] == {"status": "changed"}
    assert _count(runtime, MetaRow) == 1
    assert client.get(url, headers=auth).json()["value"] == {"status": "changed"}
    found = client.get("/silo/v1/entries/meta/link/EgDeG3pDBDe", headers=auth)
    assert found.json()["entry_id"] == entry_id
    assert client.get("/silo/v1/entries/meta/link/nope", headers=auth).status_code == 404
    listed = client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()["meta"]
    assert [m["key"] for m in listed] == ["link"]
    gone = client.delete(url, headers=auth)
    assert gone.status_code == 200
    assert gone.json()["ref"] == "EgDeG3pDBDe"
    assert client.get(url, headers=auth).status_code == 404
    assert client.delete(url, headers=auth).status_code == 404


def test_secure_meta_is_never_listed_but_can_be_fetched(
    client: TestClient, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    url = f"/silo/v1/entries/{entry_id}/meta/secret"
    client.put(url, json={"value": {"token": "x"}, "secure": True}, headers=auth)
    assert "meta" not in client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()
    assert client.get(url, headers=auth).json()["secure"] is True


def test_meta_of_another_source_is_read_by_naming_it(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = uuid.UUID(_entry(client, auth))
    ws = _workspace(client, auth)
    with runtime.uow() as uow:
        service_meta.upsert_meta(
            uow,
            workspace_id=ws,
            entry_id=entry_id,
            src="verifactu",
            key="status",
            fields=MetaFields(value="Correcto"),
        )
        uow.commit()
    url = f"/silo/v1/entries/{entry_id}/meta/status"
    assert client.get(url, headers=auth).status_code == 404
    assert client.get(url, params={"src": "verifactu"}, headers=auth).json()["value"] == "Correcto"
    listed = client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()["meta"]
    assert [(m["src"], m["value"]) for m in listed] == [("verifactu", "Correcto")]


def test_meta_on_an_unknown_entry_is_404_and_stores_nothing(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    res = client.put(f"/silo/v1/entries/{uuid7()}/meta/k", json={"value": 1}, headers=auth)
    assert res.status_code == 404
    assert _count(runtime, MetaRow) == 0


def test_stamps_go_in_the_signed_envelope_head_one_per_provider(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = uuid.UUID(_entry(client, auth))
    ws = _workspace(client, auth)
    with runtime.uow() as uow, pytest.raises(StampNeedsSignature):
        service.add_stamp(
            uow, workspace_id=ws, entry_id=entry_id, prv="verifactu-qr", val="x", source=SRC
        )
    key = secrets.signing_key(runtime.settings)
    with runtime.uow() as uow:
        service.sign_entry(uow, workspace_id=ws, entry_id=entry_id, key=key, source=SRC)
        for prv, val in (("verifactu-qr", "https://q/1"), ("verifactu-hash", "AB12")):
            service.add_stamp(uow, workspace_id=ws, entry_id=entry_id, prv=prv, val=val, source=SRC)
        service.add_stamp(
            uow,
            workspace_id=ws,
            entry_id=entry_id,
            prv="verifactu-qr",
            val="https://q/2",
            source=SRC,
        )
        uow.commit()
    body = client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()
    assert body["signed"] is True
    assert body["data"]["head"]["stamps"] == [
        {"prv": "verifactu-hash", "val": "AB12"},
        {"prv": "verifactu-qr", "val": "https://q/2"},
    ]
    assert body["versions"][0]["src"] == "test"
    # stamps are outside the signed payload: the envelope still validates as signed
    from facturo.gobl.validate import envelope_faults

    assert envelope_faults(body["data"]) == []


def test_an_entry_created_inside_a_callers_transaction_waits_for_its_commit(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    ws = _workspace(client, auth)
    with runtime.uow() as uow:
        entry = service.create_entry(uow, workspace_id=ws, data=INVOICE, source=SRC, commit=False)
    assert client.get(f"/silo/v1/entries/{entry.id}", headers=auth).status_code == 404
    with runtime.uow() as uow:
        entry = service.create_entry(uow, workspace_id=ws, data=INVOICE, source=SRC, commit=False)
        uow.commit()
    assert client.get(f"/silo/v1/entries/{entry.id}", headers=auth).json()["versions"]
