"""Silo entries over the Invopop contract: seed 002's table, over real HTTP, on both databases."""

from __future__ import annotations

import copy
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.silo.tables import EntryRow, EntryVersionRow

SHARED = Path(__file__).resolve().parents[3] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
PARTY = json.loads((SHARED / "data/invopop/gobl/es-supplier-party.json").read_text())


def _count(rt: Runtime, table: type[Any]) -> int:
    with rt.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(table)) or 0


def test_seed_002_put_409_patch_delete_over_http(http: httpx.Client, auth: dict[str, str]) -> None:
    entry_id = str(uuid7())
    first = http.put(f"/silo/v1/entries/{entry_id}", json={"data": INVOICE}, headers=auth)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["id"] == entry_id
    assert body["folder"] == "sales"
    assert body["doc_schema"] == "https://gobl.org/draft-0/bill/invoice"
    assert body["data"]["doc"]["totals"]["payable"]
    assert body["digest"] == body["data"]["head"]["dig"]

    again = http.put(f"/silo/v1/entries/{entry_id}", json={"data": INVOICE}, headers=auth)
    assert again.status_code == 409
    assert again.json()["message"] == "entry already exists with same id"
    assert again.json()["key"] == "conflict"

    changed = copy.deepcopy(INVOICE)
    changed["code"] = "SAMPLE-999"
    patched = http.patch(f"/silo/v1/entries/{entry_id}", json={"data": changed}, headers=auth)
    assert patched.status_code == 200
    assert patched.json()["data"]["doc"]["code"] == "SAMPLE-999"
    assert len(patched.json()["versions"]) == 2

    # PATCH updates data even when signed: the signature stays, stale (seed 002)
    signed = http.patch(f"/silo/v1/entries/{entry_id}", json={"sign": True}, headers=auth)
    assert signed.status_code == 200
    sigs = signed.json()["data"]["sigs"]
    changed["code"] = "SAMPLE-1000"
    patched = http.patch(f"/silo/v1/entries/{entry_id}", json={"data": changed}, headers=auth)
    assert patched.status_code == 200
    assert patched.json()["signed"] is True
    assert patched.json()["data"]["sigs"] == sigs
    assert patched.json()["data"]["doc"]["code"] == "SAMPLE-1000"
    assert patched.json()["digest"] != signed.json()["digest"]

    assert http.delete(f"/silo/v1/entries/{entry_id}", headers=auth).status_code == 404
    assert http.get(f"/silo/v1/entries/{entry_id}", headers=auth).status_code == 200


def test_patch_keeps_stale_signatures_of_a_signed_entry(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = uuid7()
    assert client.put(
        f"/silo/v1/entries/{entry_id}", json={"data": INVOICE}, headers=auth
    ).is_success
    with runtime.uow() as uow:  # a signature made elsewhere, e.g. by another key
        row = uow.session.get(EntryRow, (_workspace_id(client, auth), entry_id))
        assert row is not None
        row.data = {**row.data, "sigs": ["eyJhbGciOiJFUzI1NiJ9.e30.c2ln"]}
        row.signed = True
        uow.commit()
    changed = copy.deepcopy(INVOICE)
    changed["code"] = "SAMPLE-002"
    res = client.patch(f"/silo/v1/entries/{entry_id}", json={"data": changed}, headers=auth)
    assert res.status_code == 200
    assert res.json()["signed"] is True
    assert res.json()["data"]["sigs"] == ["eyJhbGciOiJFUzI1NiJ9.e30.c2ln"]
    assert res.json()["data"]["doc"]["code"] == "SAMPLE-002"


def _workspace_id(client: TestClient, auth: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(client.get("/platform/v1/workspace", headers=auth).json()["id"])


def test_v4_id_is_refused_in_sales_but_accepted_for_parties(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    res = client.put(f"/silo/v1/entries/{uuid.uuid4()}", json={"data": INVOICE}, headers=auth)
    assert res.status_code == 422
    assert _count(runtime, EntryRow) == 0
    res = client.put(f"/silo/v1/entries/{uuid.uuid4()}", json={"data": PARTY}, headers=auth)
    assert res.status_code == 200, res.text
    assert res.json()["folder"] == "customers"


def test_repeated_key_is_409_and_entry_is_found_by_key(
    client: TestClient, auth: dict[str, str]
) -> None:
    res = client.post("/silo/v1/entries", json={"key": "invoice-1", "data": INVOICE}, headers=auth)
    assert res.status_code == 200
    entry_id = res.json()["id"]
    assert uuid.UUID(entry_id).version == 7
    dup = client.put(
        f"/silo/v1/entries/{uuid7()}", json={"key": "invoice-1", "data": INVOICE}, headers=auth
    )
    assert dup.status_code == 409
    assert client.get("/silo/v1/entries/key/invoice-1", headers=auth).json()["id"] == entry_id
    assert client.get("/silo/v1/entries/key/nope", headers=auth).status_code == 404


def test_invalid_document_is_422_with_paths_into_the_body_and_nothing_stored(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    bad = copy.deepcopy(INVOICE)
    bad["supplier"]["tax_id"]["code"] = "B12345678"  # wrong check digit
    res = client.put(f"/silo/v1/entries/{uuid7()}", json={"data": bad}, headers=auth)
    assert res.status_code == 422
    problem = res.json()
    assert problem["key"] == "validation"
    pointers = [e["pointer"] for e in problem["errors"]]
    assert "#/data/doc/supplier/tax_id/code" in pointers
    assert "code" in problem["fields"]["data"]["doc"]["supplier"]["tax_id"]
    assert _count(runtime, EntryRow) == 0
    assert _count(runtime, EntryVersionRow) == 0


def test_allow_invalid_stores_the_entry_flagged(client: TestClient, auth: dict[str, str]) -> None:
    bad = copy.deepcopy(INVOICE)
    bad["supplier"]["tax_id"]["code"] = "B12345678"
    res = client.put(
        f"/silo/v1/entries/{uuid7()}", json={"data": bad, "allow_invalid": True}, headers=auth
    )
    assert res.status_code == 200
    assert res.json()["invalid"] is True
    assert res.json()["data"]["doc"]["supplier"]["tax_id"]["code"] == "B12345678"


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"no": "schema"}},
        {"data": None},
        {"data": INVOICE, "previous_id": "0196e0a2-5c1e-7a3e-9d4b-2f1c8e6a1b23"},
        {"data": INVOICE, "correct": {"credit": True}},
    ],
)
def test_unbuildable_or_unserved_requests_are_422(
    client: TestClient, runtime: Runtime, auth: dict[str, str], body: dict[str, Any]
) -> None:
    res = client.put(f"/silo/v1/entries/{uuid7()}", json=body, headers=auth)
    assert res.status_code == 422
    assert res.json()["errors"]
    assert _count(runtime, EntryRow) == 0


def test_merge_patch_and_folder_only_patch(client: TestClient, auth: dict[str, str]) -> None:
    entry_id = uuid7()
    client.put(f"/silo/v1/entries/{entry_id}", json={"data": INVOICE}, headers=auth)
    res = client.patch(
        f"/silo/v1/entries/{entry_id}",
        json={"content_type": "application/merge-patch+json", "data": {"doc": {"code": "MP-1"}}},
        headers=auth,
    )
    assert res.status_code == 200, res.text
    assert res.json()["data"]["doc"]["code"] == "MP-1"
    res = client.patch(
        f"/silo/v1/entries/{entry_id}", json={"folder": "expenses", "data": None}, headers=auth
    )
    assert res.json()["folder"] == "expenses"
    assert res.json()["data"]["doc"]["code"] == "MP-1"


def test_list_pages_newest_first_without_data(client: TestClient, auth: dict[str, str]) -> None:
    ids = []
    for i in range(5):
        doc = copy.deepcopy(INVOICE)
        doc["code"] = f"L-{i}"
        ids.append(client.post("/silo/v1/entries", json={"data": doc}, headers=auth).json()["id"])
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/silo/v1/entries", params=params, headers=auth).json()
        assert all("data" not in e for e in page["list"])
        seen += [e["id"] for e in page["list"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert seen == list(reversed(ids))
    asc = client.get("/silo/v1/entries", params={"ascending": True, "limit": 100}, headers=auth)
    assert [e["id"] for e in asc.json()["list"]] == ids
    bad = client.get("/silo/v1/entries", params={"cursor": "garbage"}, headers=auth)
    assert bad.status_code == 422


def test_another_workspace_cannot_read_or_change_an_entry(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    from facturo.platform import workspaces

    entry_id = uuid7()
    client.put(f"/silo/v1/entries/{entry_id}", json={"data": INVOICE, "key": "k1"}, headers=auth)
    with runtime.uow() as uow:
        other = workspaces.create_workspace(uow, slug="other")
        secret = workspaces.create_token(uow, workspace_id=other.id).secret
    theirs = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/silo/v1/entries/{entry_id}", headers=theirs).status_code == 404
    assert client.get("/silo/v1/entries/key/k1", headers=theirs).status_code == 404
    assert (
        client.patch(
            f"/silo/v1/entries/{entry_id}", json={"folder": "x"}, headers=theirs
        ).status_code
        == 404
    )
    assert client.get("/silo/v1/entries", headers=theirs).json()["list"] == []
    # The same id in another workspace is a different entry, not a conflict.
    assert (
        client.put(
            f"/silo/v1/entries/{entry_id}", json={"data": INVOICE, "key": "k1"}, headers=theirs
        ).status_code
        == 200
    )
    assert client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()["folder"] == "sales"


def test_concurrent_puts_of_one_id_have_exactly_one_winner(
    live_url: str, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = uuid7()
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def put() -> None:
        barrier.wait()
        res = httpx.put(
            f"{live_url}/silo/v1/entries/{entry_id}",
            json={"data": INVOICE},
            headers=auth,
            timeout=60,
        )
        statuses.append(res.status_code)

    threads = [threading.Thread(target=put) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409, 409, 409]
    assert _count(runtime, EntryRow) == 1
    assert _count(runtime, EntryVersionRow) == 1


def test_a_v4_entry_cannot_be_moved_into_a_time_bound_folder(
    client: TestClient, auth: dict[str, str]
) -> None:
    entry_id = uuid.uuid4()
    client.put(f"/silo/v1/entries/{entry_id}", json={"data": PARTY}, headers=auth)
    res = client.patch(f"/silo/v1/entries/{entry_id}", json={"folder": "sales"}, headers=auth)
    assert res.status_code == 422
    assert client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()["folder"] == "customers"
