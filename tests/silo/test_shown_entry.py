"""A GET of an entry answers, to the byte, what the full typed read shows, on both databases:
from one statement and stored text for the common entry, the long way for one with files or
meta rows."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from facturo.errors import Fault
from facturo.gobl.envelope import ENVELOPE_SCHEMA
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.platform.uow import UnitOfWork
from facturo.silo import service
from facturo.silo.service_meta import MetaFields
from facturo.silo.wire import entry_json, json_response

SHARED = Path(__file__).resolve().parents[3] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())


def _full_read(runtime: Runtime, workspace_id: uuid.UUID, entry_id: str) -> bytes:
    """The answer as the typed read makes it: every row decoded, then encoded again."""
    with UnitOfWork(runtime.sessions, read_only=True) as uow:
        entry = service.get_entry(uow, workspace_id=workspace_id, entry_id=uuid.UUID(entry_id))
    return bytes(json_response(entry_json(entry, base_url="http://testserver")).body)


def _put(client: TestClient, auth: dict[str, str], body: dict[str, Any]) -> str:
    entry_id = str(uuid7())
    answer = client.put(f"/silo/v1/entries/{entry_id}", json=body, headers=auth)
    assert answer.status_code == 200, answer.text
    return entry_id


def _tagged_invoice(code: str) -> dict[str, Any]:
    doc = copy.deepcopy(INVOICE)
    doc["code"] = code
    return {"$schema": ENVELOPE_SCHEMA, "head": {"tags": ["urgent", "b2b"]}, "doc": doc}


def test_get_by_id_and_key_answers_the_full_reads_bytes(
    client: TestClient, runtime: Runtime, workspace: Any, auth: dict[str, str]
) -> None:
    entry_id = _put(client, auth, {"data": _tagged_invoice("SHOWN-1"), "key": "shown-1"})
    changed = _tagged_invoice("SHOWN-2")
    # Data and a signature in one PATCH: two versions at the same moment, newest first by id.
    patched = client.patch(
        f"/silo/v1/entries/{entry_id}", json={"data": changed, "sign": True}, headers=auth
    )
    assert patched.status_code == 200, patched.text
    with runtime.uow() as uow:
        service.add_faults(
            uow,
            workspace_id=workspace.id,
            entry_id=uuid.UUID(entry_id),
            faults=[Fault("E1", "rejected", ("$.doc.code",), "verifactu")],
        )
        uow.commit()

    by_id = client.get(f"/silo/v1/entries/{entry_id}", headers=auth)
    by_key = client.get("/silo/v1/entries/key/shown-1", headers=auth)

    expected = _full_read(runtime, workspace.id, entry_id)
    assert by_id.status_code == 200
    assert by_id.content == expected
    assert by_key.content == expected
    body = by_id.json()
    assert [v["signed"] for v in body["versions"]] == [True, False, False]
    assert body["tags"] == ["urgent", "b2b"]
    assert body["faults"] == [
        {"code": "E1", "message": "rejected", "paths": ["$.doc.code"], "provider": "verifactu"}
    ]
    assert body["data"]["doc"]["code"] == "SHOWN-2"


def test_entry_with_files_or_meta_rows_answers_them_too(
    client: TestClient, runtime: Runtime, workspace: Any, auth: dict[str, str]
) -> None:
    with_meta = _put(client, auth, {"data": _tagged_invoice("META-1")})
    with_file = _put(client, auth, {"data": _tagged_invoice("FILE-1")})
    with runtime.uow() as uow:
        service.upsert_meta(
            uow,
            workspace_id=workspace.id,
            entry_id=uuid.UUID(with_meta),
            src="erp",
            key="ref",
            fields=MetaFields(value="A-1"),
        )
        uow.commit()
    uploaded = client.post(
        f"/silo/v1/entries/{with_file}/files",
        json={"name": "note.txt", "data": "aGVsbG8=", "mime": "text/plain"},
        headers=auth,
    )
    assert uploaded.status_code == 200, uploaded.text

    meta = client.get(f"/silo/v1/entries/{with_meta}", headers=auth)
    files = client.get(f"/silo/v1/entries/{with_file}", headers=auth)

    assert meta.content == _full_read(runtime, workspace.id, with_meta)
    assert [m["value"] for m in meta.json()["meta"]] == ["A-1"]
    assert files.content == _full_read(runtime, workspace.id, with_file)
    [attachment] = files.json()["attachments"]
    assert attachment["url"].startswith("http://testserver/silo/v1/")


def test_get_of_an_unknown_or_foreign_entry_is_404(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    from facturo.platform import workspaces

    with runtime.uow() as uow:
        other = workspaces.create_workspace(uow, slug="other", name="Other")
    with runtime.uow() as uow:
        other_auth = {
            "Authorization": f"Bearer {workspaces.create_token(uow, workspace_id=other.id).secret}"
        }
    entry_id = _put(client, other_auth, {"data": _tagged_invoice("FOREIGN-1"), "key": "k-1"})

    for path in (f"/silo/v1/entries/{entry_id}", "/silo/v1/entries/key/k-1"):
        answer = client.get(path, headers=auth)
        assert answer.status_code == 404
        assert answer.json()["key"] == "not_found"
    assert client.get(f"/silo/v1/entries/{uuid7()}", headers=auth).status_code == 404
    assert client.get(f"/silo/v1/entries/{entry_id}", headers=other_auth).status_code == 200
