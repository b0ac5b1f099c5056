"""The spool: upload, download, delete, data-URI args, and workspace isolation."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from facturo.platform import workspaces
from facturo.platform.runtime import Runtime
from facturo.silo import spool, storage
from facturo.silo.spool import BadDataUri
from facturo.silo.tables import SpoolRow


def _count(rt: Runtime, table: type[Any]) -> int:
    with rt.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(table)) or 0


def test_spool_round_trip_and_delete(client: TestClient, auth: dict[str, str]) -> None:
    data = b"<Factura/>"
    res = client.post(
        "/silo/v1/spool",
        json={
            "name": "invoice.xml",
            "type": "application/xml",
            "data": base64.b64encode(data).decode(),
        },
        headers=auth,
    )
    assert res.status_code == 200, res.text
    key = res.json()["key"]
    assert key.endswith("-invoice.xml")
    got = client.get(f"/silo/v1/spool/{key}", headers=auth)
    assert got.content == data
    assert got.headers["content-type"] == "application/xml"
    assert 'filename="invoice.xml"' in got.headers["content-disposition"]
    assert client.delete(f"/silo/v1/spool/{key}", headers=auth).status_code == 204
    assert client.get(f"/silo/v1/spool/{key}", headers=auth).status_code == 404
    assert client.delete(f"/silo/v1/spool/{key}", headers=auth).status_code == 404


def test_spool_is_readable_only_by_its_workspace(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    key = client.post(
        "/silo/v1/spool",
        json={"name": "a.txt", "data": base64.b64encode(b"a").decode()},
        headers=auth,
    ).json()["key"]
    with runtime.uow() as uow:
        other = workspaces.create_workspace(uow, slug="other")
        secret = workspaces.create_token(uow, workspace_id=other.id).secret
    theirs = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/silo/v1/spool/{key}", headers=theirs).status_code == 404
    assert client.delete(f"/silo/v1/spool/{key}", headers=theirs).status_code == 404
    assert client.get(f"/silo/v1/spool/{key}").status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "a", "data": "%%%"}, 422),
        ({"name": "a"}, 422),
        ({"name": "a", "type": "bad type", "data": "YQ=="}, 422),
        ({"name": "a", "data": base64.b64encode(b"x" * (10 * 1024 * 1024 + 1)).decode()}, 413),
    ],
)
def test_bad_spool_uploads_store_nothing(
    client: TestClient, runtime: Runtime, auth: dict[str, str], body: dict[str, Any], status: int
) -> None:
    res = client.post("/silo/v1/spool", json=body, headers=auth)
    assert res.status_code == status
    assert _count(runtime, SpoolRow) == 0


def test_data_uri_args_land_in_the_spool(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    ws = uuid.UUID(client.get("/platform/v1/workspace", headers=auth).json()["id"])
    store = storage.for_settings(runtime.settings)
    encoded = base64.b64encode(b"<r/>").decode()
    with runtime.uow() as uow:
        b64 = spool.put_data_uri(
            uow,
            store,
            workspace_id=ws,
            uri=f"data:application/xml;base64,{encoded}",
            name="record.xml",
            max_bytes=1024,
        )
        plain = spool.put_data_uri(
            uow, store, workspace_id=ws, uri="data:,Hello%2C%20World", name="hi", max_bytes=1024
        )
        with pytest.raises(BadDataUri):
            spool.put_data_uri(
                uow, store, workspace_id=ws, uri="https://x/y", name="x", max_bytes=1024
            )
        uow.commit()
    got = client.get(f"/silo/v1/spool/{b64.key}", headers=auth)
    assert (got.content, got.headers["content-type"]) == (b"<r/>", "application/xml")
    got = client.get(f"/silo/v1/spool/{plain.key}", headers=auth)
    assert got.content == b"Hello, World"
    assert got.headers["content-type"].startswith("text/plain")
