"""Files on entries over HTTP, on both databases and both byte stores (local directory, S3).

The S3 store runs against moto's S3-compatible server on loopback, started once for the module.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from sqlalchemy import func, select

from facturo.platform.runtime import Runtime
from facturo.platform.settings import Settings
from facturo.silo import service_files, storage
from facturo.silo.service_files import NewFile
from facturo.silo.tables import FilePreviousRow, FileRow

SHARED = Path(__file__).resolve().parents[3] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
MAX = 64 * 1024
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
            Bucket="facturo-files"
        )
        yield f"s3://facturo-files/silo?endpoint={endpoint}&region=us-east-1"
        server.stop()


@pytest.fixture(params=["local", "s3"])
def storage_url(request: pytest.FixtureRequest) -> str:
    if request.param == "local":
        return ""
    url: str = request.getfixturevalue("s3_url")
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str, storage_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        log_json=False,
        storage_url=storage_url,
        max_file_bytes=MAX,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entry(client: TestClient, auth: dict[str, str]) -> str:
    res = client.post("/silo/v1/entries", json={"data": INVOICE}, headers=auth)
    assert res.status_code == 200, res.text
    entry_id: str = res.json()["id"]
    return entry_id


def _count(rt: Runtime, table: type[Any]) -> int:
    with rt.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(table)) or 0


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_upload_with_data_then_download_with_type_and_filename(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    res = client.post(
        f"/silo/v1/entries/{entry_id}/files",
        json={
            "name": "factura ñ.pdf",
            "key": "pdf",
            "category": "format",
            "data": _b64(PDF),
            "sha256": _sha(PDF),
            "desc": "Invoice PDF",
            "meta": {"lang": "es"},
            "private": True,
        },
        headers=auth,
    )
    assert res.status_code == 200, res.text
    file = res.json()
    assert file["entry_id"] == entry_id
    assert file["hash"] == _sha(PDF)
    assert file["size"] == len(PDF)
    assert file["mime"] == "application/pdf"
    assert file["stored"] is True
    assert file["private"] is True
    assert file["meta"] == {"lang": "es"}
    assert file["url"].endswith(f"/silo/v1/entries/{entry_id}/files/{file['id']}")
    got = client.get(_path(file["url"]), headers=auth)
    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="factura _.pdf"')
    assert "filename*=UTF-8''factura%20%C3%B1.pdf" in disposition
    assert client.get(_path(file["url"])).status_code == 401
    entry = client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()
    assert [a["id"] for a in entry["attachments"]] == [file["id"]]
    store = storage.for_settings(runtime.settings)
    digest = _sha(PDF)
    if runtime.settings.storage_url:  # S3: the object is in the bucket, under the prefix
        assert isinstance(store, storage.S3Storage)
        obj = store.client.get_object(Bucket="facturo-files", Key=f"silo/{digest}")
        assert obj["Body"].read() == PDF
    else:  # local: content-addressed under files_dir
        path = runtime.settings.files_dir / digest[:2] / digest[2:4] / digest
        assert path.read_bytes() == PDF


def test_uploading_into_a_taken_slot_replaces_and_keeps_previous(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    url = f"/silo/v1/entries/{entry_id}/files"
    body = {"name": "invoice.pdf", "key": "pdf", "category": "format"}
    first = client.post(url, json={**body, "data": _b64(b"one")}, headers=auth).json()
    second = client.post(url, json={**body, "data": _b64(b"two")}, headers=auth).json()
    assert second["id"] != first["id"]
    assert second["previous"] == [
        {"id": first["id"], "created_at": first["created_at"], "hash": _sha(b"one"), "size": 3}
    ]
    # same key in another category is another file
    client.post(url, json={**body, "category": "attachment", "data": _b64(b"x")}, headers=auth)
    # without a key, the name is the slot
    client.post(url, json={"name": "a.txt", "data": _b64(b"a1")}, headers=auth)
    third = client.post(url, json={"name": "a.txt", "data": _b64(b"a2")}, headers=auth).json()
    assert len(third["previous"]) == 1
    old = client.get(f"{url}/{first['id']}", headers=auth)
    assert old.content == b"one"
    assert client.get(f"{url}/{second['id']}", headers=auth).content == b"two"
    entry = client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()
    assert len(entry["attachments"]) == 3
    assert _count(runtime, FilePreviousRow) == 2


def test_declared_file_is_uploaded_to_its_url_and_checked(
    client: TestClient, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    declared = client.put(
        f"/silo/v1/entries/{entry_id}/files/{uuid.uuid4()}",
        json={"name": "big.xml", "mime": "application/xml", "sha256": _sha(PDF), "size": len(PDF)},
        headers=auth,
    )
    assert declared.status_code == 200, declared.text
    file = declared.json()
    assert file["stored"] is False
    upload = _path(file["url"])
    assert upload.endswith(f"/files/{file['id']}/data")
    download = f"/silo/v1/entries/{entry_id}/files/{file['id']}"
    assert client.get(download, headers=auth).status_code == 409
    wrong = client.put(
        upload,
        content=PDF[:-1] + b"!",
        headers={**auth, "content-type": "application/octet-stream"},
    )
    assert wrong.status_code == 422
    assert "#/sha256" in [e["pointer"] for e in wrong.json()["errors"]]
    assert client.get(download, headers=auth).status_code == 409
    ok = client.put(
        upload, content=PDF, headers={**auth, "content-type": "application/octet-stream"}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["stored"] is True
    got = client.get(download, headers=auth)
    assert got.content == PDF
    assert got.headers["content-type"] == "application/xml"


def test_declaring_without_hash_size_and_mime_names_each_missing_field(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    res = client.post(f"/silo/v1/entries/{entry_id}/files", json={"name": "x"}, headers=auth)
    assert res.status_code == 422
    assert {e["pointer"] for e in res.json()["errors"]} == {"#/sha256", "#/size", "#/mime"}
    assert _count(runtime, FileRow) == 0


@pytest.mark.parametrize(
    ("extra", "status", "pointer"),
    [
        ({"data": _b64(b"abc"), "sha256": _sha(b"abd")}, 422, "#/sha256"),
        ({"data": _b64(b"abc"), "size": 4}, 422, "#/size"),
        ({"data": "not base64!"}, 422, "#/data"),
        ({"data": _b64(b"abc"), "category": "nonsense"}, 422, "#/category"),
        ({"data": _b64(b"abc"), "mime": "text/plain\r\nX-Evil: 1"}, 422, "#/mime"),
        ({"data": _b64(b"x" * (MAX + 1))}, 413, None),
        ({"sha256": _sha(b""), "size": MAX + 1, "mime": "text/plain"}, 413, None),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    client: TestClient,
    runtime: Runtime,
    auth: dict[str, str],
    extra: dict[str, Any],
    status: int,
    pointer: str | None,
) -> None:
    entry_id = _entry(client, auth)
    res = client.post(
        f"/silo/v1/entries/{entry_id}/files", json={"name": "f.bin", **extra}, headers=auth
    )
    assert res.status_code == status, res.text
    if pointer:
        assert pointer in [e["pointer"] for e in res.json()["errors"]]
        assert res.json()["fields"]
    assert _count(runtime, FileRow) == 0


def test_public_files_have_a_link_that_needs_no_token(
    client: TestClient, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    url = f"/silo/v1/entries/{entry_id}/files"
    public = client.post(url, json={"name": "p.txt", "data": _b64(b"hi")}, headers=auth).json()
    assert "/silo/v1/public/files/" in public["url"]
    got = client.get(_path(public["url"]))
    assert got.status_code == 200
    assert got.content == b"hi"
    assert got.headers["content-type"].startswith("text/plain")
    assert client.get("/silo/v1/public/files/guessed-token").status_code == 404


def test_put_of_the_same_file_id_repeats_and_other_bytes_conflict(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    url = f"/silo/v1/entries/{entry_id}/files/{uuid.uuid4()}"
    body = {"name": "a.txt", "data": _b64(b"a")}
    first = client.put(url, json=body, headers=auth)
    again = client.put(url, json=body, headers=auth)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    clash = client.put(url, json={**body, "data": _b64(b"b")}, headers=auth)
    assert clash.status_code == 409
    assert _count(runtime, FileRow) == 1


def test_files_are_invisible_to_another_workspace(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    from facturo.platform import workspaces

    entry_id = _entry(client, auth)
    file = client.post(
        f"/silo/v1/entries/{entry_id}/files",
        json={"name": "a.txt", "data": _b64(b"a"), "private": True},
        headers=auth,
    ).json()
    with runtime.uow() as uow:
        other = workspaces.create_workspace(uow, slug="other")
        secret = workspaces.create_token(uow, workspace_id=other.id).secret
    theirs = {"Authorization": f"Bearer {secret}"}
    assert client.get(_path(file["url"]), headers=theirs).status_code == 404
    res = client.post(
        f"/silo/v1/entries/{entry_id}/files", json={"name": "b", "data": _b64(b"b")}, headers=theirs
    )
    assert res.status_code == 404


def test_service_put_file_writes_nothing_until_the_caller_commits(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id = uuid.UUID(_entry(client, auth))
    ws = uuid.UUID(client.get("/platform/v1/workspace", headers=auth).json()["id"])
    store = storage.for_settings(runtime.settings)
    spec = NewFile(name="record.xml", key="xml", category="request", data=b"<r/>")
    with runtime.uow() as uow:
        service_files.put_file(
            uow, store, workspace_id=ws, entry_id=entry_id, spec=spec, max_bytes=MAX
        )
    assert _count(runtime, FileRow) == 0
    with runtime.uow() as uow:
        file = service_files.put_file(
            uow, store, workspace_id=ws, entry_id=entry_id, spec=spec, max_bytes=MAX
        )
        uow.commit()
    assert file.mime == "application/xml"
    with runtime.uow() as uow:
        got = service_files.get_file_bytes(
            uow, store, workspace_id=ws, entry_id=entry_id, file_id=file.id
        )
    assert (got.name, got.data) == ("record.xml", b"<r/>")


def test_declaring_bytes_the_workspace_already_holds_stores_the_file_at_once(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    from facturo.platform import workspaces

    entry_id = _entry(client, auth)
    url = f"/silo/v1/entries/{entry_id}/files"
    client.post(url, json={"name": "a.pdf", "data": _b64(PDF)}, headers=auth)
    declared = {
        "name": "copy.pdf",
        "sha256": _sha(PDF),
        "size": len(PDF),
        "mime": "application/pdf",
    }
    again = client.post(url, json=declared, headers=auth).json()
    assert again["stored"] is True
    assert client.get(f"{url}/{again['id']}", headers=auth).content == PDF
    # another workspace knowing the hash gets nothing: it must upload the bytes itself
    with runtime.uow() as uow:
        other = workspaces.create_workspace(uow, slug="other")
        secret = workspaces.create_token(uow, workspace_id=other.id).secret
    theirs = {"Authorization": f"Bearer {secret}"}
    their_entry = client.post("/silo/v1/entries", json={"data": INVOICE}, headers=theirs).json()
    their_url = f"/silo/v1/entries/{their_entry['id']}/files"
    theirs_file = client.post(their_url, json=declared, headers=theirs).json()
    assert theirs_file["stored"] is False
    assert client.get(f"{their_url}/{theirs_file['id']}", headers=theirs).status_code == 409


def test_the_data_upload_takes_any_content_type_and_a_retry_repeats(
    client: TestClient, auth: dict[str, str]
) -> None:
    entry_id = _entry(client, auth)
    file_url = f"/silo/v1/entries/{entry_id}/files/{uuid.uuid4()}"
    declared = {"name": "r.xml", "sha256": _sha(b"<r/>"), "size": 4, "mime": "application/xml"}
    assert client.put(file_url, json=declared, headers=auth).json()["stored"] is False
    # a client that retries registers again: same file, still waiting for its bytes
    assert client.put(file_url, json=declared, headers=auth).json()["stored"] is False
    xml = {**auth, "content-type": "application/xml"}
    first = client.put(f"{file_url}/data", content=b"<r/>", headers=xml)
    again = client.put(f"{file_url}/data", content=b"<r/>", headers=xml)
    assert first.status_code == again.status_code == 200, first.text
    assert again.json()["stored"] is True
    assert client.put(f"{file_url}/data", content=b"<x/>", headers=xml).status_code == 409


def test_the_storage_url_names_the_store(tmp_path: Path) -> None:
    default = storage.from_url("", tmp_path / "files")
    assert isinstance(default, storage.LocalStorage)
    assert default.root == tmp_path / "files"
    other = storage.from_url(f"file://{tmp_path}/elsewhere", tmp_path / "files")
    assert isinstance(other, storage.LocalStorage)
    assert other.root == tmp_path / "elsewhere"
    s3 = storage.from_url(
        "s3://invoices/prod/silo?endpoint=http://127.0.0.1:9000&region=eu-west-1", tmp_path
    )
    assert isinstance(s3, storage.S3Storage)
    assert (s3.bucket, s3.prefix) == ("invoices", "prod/silo")
    assert s3.client.meta.endpoint_url == "http://127.0.0.1:9000"
    assert s3.client.meta.region_name == "eu-west-1"
    with pytest.raises(ValueError, match="scheme"):
        storage.from_url("ftp://host/x", tmp_path)


def test_local_store_is_content_addressed_and_refuses_other_addresses(tmp_path: Path) -> None:
    store = storage.LocalStorage(tmp_path)
    digest = store.put(b"same")
    assert store.put(b"same") == digest == _sha(b"same")
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest]
    assert store.get(digest) == b"same"
    with pytest.raises(storage.StoredObjectMissing):
        store.get(_sha(b"other"))
    with pytest.raises(ValueError, match="SHA-256"):
        store.get("../../etc/passwd")
