"""Signing on save, JSON Patch updates, versions, related entries and the GOBL helpers."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from facturo.gobl.dsig import verify_signature
from facturo.platform import secrets
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.silo.tables import EntryRow, EntryVersionRow

SHARED = Path(__file__).resolve().parents[3] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())


def _count(rt: Runtime, table: type[Any]) -> int:
    with rt.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(table)) or 0


def _verify(runtime: Runtime, envelope: dict[str, Any]) -> dict[str, Any]:
    key = secrets.signing_key(runtime.settings)
    assert len(envelope["sigs"]) == 1
    payload = verify_signature(envelope["sigs"][0], [key.public()])
    assert payload["uuid"] == envelope["head"]["uuid"]
    assert payload["dig"] == envelope["head"]["dig"]
    return payload


def test_sign_on_create_signs_with_the_installation_key(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    res = client.put(
        f"/silo/v1/entries/{uuid7()}", json={"data": INVOICE, "sign": True}, headers=auth
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["signed"] is True
    assert body["draft"] is False
    _verify(runtime, body["data"])


def test_an_invoice_without_code_cannot_be_signed_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    draft = copy.deepcopy(INVOICE)
    del draft["code"]
    res = client.put(
        f"/silo/v1/entries/{uuid7()}", json={"data": draft, "sign": True}, headers=auth
    )
    assert res.status_code == 422
    assert res.json()["errors"][0]["code"] == "GOBL-ENVELOPE-13"
    assert res.json()["fields"]["data"]
    assert _count(runtime, EntryRow) == 0


def test_patch_sign_signs_once_and_already_signed_is_not_an_error(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = client.post("/silo/v1/entries", json={"data": INVOICE}, headers=auth).json()["id"]
    url = f"/silo/v1/entries/{entry_id}"
    signed = client.patch(url, json={"sign": True, "data": None}, headers=auth)
    assert signed.status_code == 200, signed.text
    sigs = signed.json()["data"]["sigs"]
    _verify(runtime, signed.json()["data"])
    assert len(signed.json()["versions"]) == 2
    again = client.patch(url, json={"sign": True}, headers=auth)
    assert again.status_code == 200
    assert again.json()["data"]["sigs"] == sigs
    assert len(again.json()["versions"]) == 2


def test_json_patch_updates_the_stored_envelope(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = client.post("/silo/v1/entries", json={"data": INVOICE}, headers=auth).json()["id"]
    url = f"/silo/v1/entries/{entry_id}"
    res = client.patch(
        url,
        json={
            "content_type": "application/json-patch+json",
            "data": [
                {"op": "test", "path": "/doc/code", "value": "004"},
                {"op": "replace", "path": "/doc/code", "value": "JP-1"},
            ],
        },
        headers=auth,
    )
    assert res.status_code == 200, res.text
    assert res.json()["data"]["doc"]["code"] == "JP-1"
    failed = client.patch(
        url,
        json={
            "content_type": "application/json-patch+json",
            "data": [
                {"op": "replace", "path": "/doc/code", "value": "JP-2"},
                {"op": "test", "path": "/doc/series", "value": "nope"},
            ],
        },
        headers=auth,
    )
    assert failed.status_code == 422
    assert [e["pointer"] for e in failed.json()["errors"]] == ["#/data/1/value"]
    assert client.get(url, headers=auth).json()["data"]["doc"]["code"] == "JP-1"
    assert _count(runtime, EntryVersionRow) == 2


def test_unknown_content_type_is_422(client: TestClient, auth: dict[str, str]) -> None:
    entry_id = client.post("/silo/v1/entries", json={"data": INVOICE}, headers=auth).json()["id"]
    res = client.patch(
        f"/silo/v1/entries/{entry_id}",
        json={"content_type": "text/yaml", "data": {"a": 1}},
        headers=auth,
    )
    assert res.status_code == 422


def test_each_version_of_the_data_can_be_read_back(
    client: TestClient, auth: dict[str, str]
) -> None:
    created = client.post("/silo/v1/entries", json={"data": INVOICE}, headers=auth).json()
    changed = copy.deepcopy(INVOICE)
    changed["code"] = "V-2"
    url = f"/silo/v1/entries/{created['id']}"
    patched = client.patch(url, json={"data": changed}, headers=auth).json()
    first = client.get(f"{url}/versions/{created['version']}", headers=auth).json()
    assert first == {"version": created["version"], "data": created["data"]}
    latest = client.get(f"{url}/versions/{patched['version']}", headers=auth).json()
    assert latest["data"]["doc"]["code"] == "V-2"
    assert client.get(f"{url}/versions/nope", headers=auth).status_code == 404


def test_related_entries_are_those_that_mention_the_document(
    client: TestClient, auth: dict[str, str]
) -> None:
    invoice = client.post("/silo/v1/entries", json={"data": INVOICE}, headers=auth).json()
    doc_uuid = invoice["data"]["doc"]["uuid"]
    credit = copy.deepcopy(INVOICE)
    credit["code"] = "R-1"
    credit["type"] = "credit-note"
    credit["preceding"] = [
        {"uuid": doc_uuid, "series": "SAMPLE", "code": "004", "issue_date": INVOICE["issue_date"]}
    ]
    other = client.post(
        "/silo/v1/entries", json={"data": credit, "allow_invalid": True}, headers=auth
    ).json()
    related = client.get(f"/silo/v1/entries/{invoice['id']}/related", headers=auth).json()
    assert [(e["id"], e["context"]) for e in related["list"]] == [(other["id"], "preceding")]
    by_uuid = client.get("/silo/v1/entries/related", params={"uuid": doc_uuid}, headers=auth)
    assert [e["id"] for e in by_uuid.json()["list"]] == [other["id"]]
    none = client.get(
        "/silo/v1/entries/related",
        params={"uuid": doc_uuid, "context": "lines.item"},
        headers=auth,
    )
    assert none.json()["list"] == []
    assert (
        client.get(
            "/silo/v1/entries/related", params={"uuid": str(uuid.uuid4())}, headers=auth
        ).json()["list"]
        == []
    )


def test_gobl_build_calculates_without_storing(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    doc = client.post("/silo/v1/gobl/build", json={"data": INVOICE}, headers=auth)
    assert doc.status_code == 200, doc.text
    assert doc.json()["data"]["$schema"] == INVOICE["$schema"]
    assert doc.json()["data"]["totals"]["payable"]
    env = client.post("/silo/v1/gobl/build", json={"data": INVOICE, "envelop": True}, headers=auth)
    assert env.json()["data"]["head"]["dig"]["alg"] == "sha256"
    bad = copy.deepcopy(INVOICE)
    bad["supplier"]["tax_id"]["code"] = "B12345678"
    res = client.post("/silo/v1/gobl/build", json={"data": bad}, headers=auth)
    assert res.status_code == 422
    assert "#/data/doc/supplier/tax_id/code" in [e["pointer"] for e in res.json()["errors"]]
    assert _count(runtime, EntryRow) == 0


def test_gobl_sign_returns_a_signed_envelope(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    res = client.post("/silo/v1/gobl/sign", json={"data": INVOICE}, headers=auth)
    assert res.status_code == 200, res.text
    _verify(runtime, res.json()["data"])
    draft = copy.deepcopy(INVOICE)
    del draft["code"]
    refused = client.post("/silo/v1/gobl/sign", json={"data": draft}, headers=auth)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "GOBL-ENVELOPE-13"


def test_search_finds_entries_by_any_text_newest_first(
    client: TestClient, auth: dict[str, str]
) -> None:
    ids = []
    for code in ("FT-101", "FT-102", "OTHER-1"):
        doc = copy.deepcopy(INVOICE)
        doc["code"] = code
        res = client.post("/silo/v1/entries", json={"data": doc}, headers=auth)
        ids.append(res.json()["id"])
    found = client.get("/silo/v1/search", params={"q": "ft-10"}, headers=auth).json()
    assert [e["id"] for e in found["list"]] == [ids[1], ids[0]]
    assert found["query"] == "ft-10"
    assert all("data" not in e for e in found["list"])
    page = client.get("/silo/v1/search", params={"q": "FT-10", "offset": 1}, headers=auth).json()
    assert [e["id"] for e in page["list"]] == [ids[0]]
    assert client.get("/silo/v1/search", params={"q": "FT_10"}, headers=auth).json()["list"] == []
    none = client.get("/silo/v1/search", params={"q": "FT-101", "folder": "x"}, headers=auth)
    assert none.json()["list"] == []
    assert client.get("/silo/v1/search", headers=auth).status_code == 422


def test_entries_carry_a_snippet_of_their_document(
    client: TestClient, auth: dict[str, str]
) -> None:
    created = client.post("/silo/v1/entries", json={"data": INVOICE}, headers=auth).json()
    listed = client.get("/silo/v1/entries", headers=auth).json()["list"][0]["snippet"]
    assert {k: listed[k] for k in ("series", "code", "currency", "type")} == {
        "series": "SAMPLE",
        "code": "004",
        "currency": "EUR",
        "type": "standard",
    }
    assert listed["supplier"]["tax_code"] == INVOICE["supplier"]["tax_id"]["code"]
    totals = created["data"]["doc"]["totals"]
    assert (listed["total"], listed["payable"]) == (totals["total"], totals["payable"])
    assert created["snippet"] == listed


def test_undoing_a_change_returns_to_the_earlier_version(
    client: TestClient, auth: dict[str, str]
) -> None:
    created = client.post("/silo/v1/entries", json={"data": INVOICE}, headers=auth).json()
    url = f"/silo/v1/entries/{created['id']}"
    changed = copy.deepcopy(INVOICE)
    changed["code"] = "U-1"
    assert client.patch(url, json={"data": changed}, headers=auth).status_code == 200
    undone = client.patch(url, json={"data": created["data"]}, headers=auth)
    assert undone.status_code == 200, undone.text
    assert undone.json()["version"] == created["version"]
    assert len(undone.json()["versions"]) == 2


def test_service_update_data_works_in_the_callers_transaction(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    from facturo.silo import service
    from facturo.silo.service import JSON_PATCH, Source

    created = client.post("/silo/v1/entries", json={"data": INVOICE}, headers=auth).json()
    ws = uuid.UUID(client.get("/platform/v1/workspace", headers=auth).json()["id"])
    entry_id = uuid.UUID(created["id"])
    patch = [{"op": "replace", "path": "/doc/code", "value": "SVC-1"}]
    with runtime.uow() as uow:
        service.update_data(
            uow,
            workspace_id=ws,
            entry_id=entry_id,
            data=patch,
            content_type=JSON_PATCH,
            source=Source("transform", "job-1"),
        )
    assert (
        client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()["version"]
        == (created["version"])
    )
    with runtime.uow() as uow:
        entry = service.update_data(
            uow,
            workspace_id=ws,
            entry_id=entry_id,
            data=patch,
            content_type=JSON_PATCH,
            source=Source("transform", "job-1"),
        )
        uow.commit()
    body = client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()
    assert body["data"]["doc"]["code"] == "SVC-1" == entry.data["doc"]["code"]
    assert (body["versions"][0]["src"], body["versions"][0]["src_id"]) == ("transform", "job-1")
