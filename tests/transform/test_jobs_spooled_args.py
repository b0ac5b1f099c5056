"""Data-URI job args go to the workspace's spool; the job keeps ``spool:<key>`` (spec §3.2)."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from facturo.platform.runtime import Runtime
from facturo.silo.storage import Storage, for_settings
from facturo.silo.tables import SpoolRow
from facturo.transform import job_args
from facturo.transform.steps.base import StepContext, StepResult, provider

JOBS = "/transform/v1/jobs"
EXAMPLE = "data:text/plain;name=example.txt;base64,ZGF0YQ=="  # the contract's own example


@provider("test.read.spool")
def read_spool(ctx: StepContext, config: Any) -> StepResult:
    """OK with what the spooled arg ``file`` holds (its name, type and text)."""
    found = job_args.read_spooled(ctx, "file")
    plain = job_args.read_spooled(ctx, "plain")
    if found is None or plain is not None:
        return StepResult.ko("unexpected")
    return StepResult.ok(args={"name": found.name, "mime": found.mime, "text": found.data.decode()})


@pytest.fixture
def workflow_id(harness: Any) -> uuid.UUID:
    runtime: Runtime = harness.runtime
    runtime.registry = runtime.registry.with_(read_spool)
    runtime.resources.add(for_settings(runtime.settings), as_type=Storage)
    made: uuid.UUID = harness.workflow([harness.step("test.read.spool")])
    return made


def _spooled(runtime: Runtime) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(SpoolRow)) or 0)


def _jobs(client: TestClient, auth: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(JOBS, headers=auth).json()["list"]
    return found


def test_a_data_uri_arg_is_spooled_and_readable_by_key(
    harness: Any, workflow_id: uuid.UUID, client: TestClient, auth: dict[str, str]
) -> None:
    body = {"workflow_id": str(workflow_id), "args": {"file": EXAMPLE, "plain": "text"}}
    answer = client.post(JOBS, json=body, headers=auth)
    assert answer.status_code == 202, answer.text
    args = answer.json()["args"]
    assert args["plain"] == "text"
    assert args["file"].startswith("spool:")
    assert args["file"].endswith("-example.txt")
    key = args["file"].removeprefix("spool:")
    download = client.get(f"/silo/v1/spool/{key}", headers=auth)
    assert download.status_code == 200
    assert download.content == b"data"
    assert download.headers["content-type"].startswith("text/plain")
    assert "example.txt" in download.headers["content-disposition"]
    assert harness.drain(harness.worker("worker-a")) == 1
    job = harness.job(uuid.UUID(answer.json()["id"]))
    assert job["status"] == "OK"
    assert {k: job["args"][k] for k in ("name", "mime", "text")} == {
        "name": "example.txt",
        "mime": "text/plain",
        "text": "data",
    }


def test_a_data_uri_without_name_or_base64_keeps_the_arg_name(
    harness: Any, workflow_id: uuid.UUID, client: TestClient, auth: dict[str, str]
) -> None:
    body = {"workflow_id": str(workflow_id), "args": {"note.txt": "data:,hello%20there"}}
    answer = client.post(JOBS, json=body, headers=auth)
    assert answer.status_code == 202, answer.text
    key = answer.json()["args"]["note.txt"].removeprefix("spool:")
    download = client.get(f"/silo/v1/spool/{key}", headers=auth)
    assert download.content == b"hello there"
    assert "note.txt" in download.headers["content-disposition"]


@pytest.mark.parametrize(
    "value",
    [
        "data:text/plain;base64,not base64!",
        "data:text/plain;name=a.txt;base64",  # no comma: no data part
        "data:not a type;base64,ZGF0YQ==",
    ],
)
def test_a_malformed_data_uri_names_the_arg_and_stores_nothing(
    harness: Any, workflow_id: uuid.UUID, client: TestClient, auth: dict[str, str], value: str
) -> None:
    body = {"workflow_id": str(workflow_id), "args": {"good": EXAMPLE, "bad/one": value}}
    answer = client.post(JOBS, json=body, headers=auth)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert [e["pointer"] for e in problem["errors"]] == ["#/args/bad~1one"]
    assert list(problem["fields"]["args"]) == ["bad/one"]
    assert _jobs(client, auth) == []
    assert _spooled(harness.runtime) == 0


def test_an_oversized_data_uri_is_413_and_stores_nothing(
    harness: Any, workflow_id: uuid.UUID, client: TestClient, auth: dict[str, str]
) -> None:
    runtime: Runtime = harness.runtime
    runtime.settings = runtime.settings.model_copy(update={"max_file_bytes": 16})
    big = "data:application/octet-stream;name=big.bin;base64," + base64.b64encode(bytes(17)).decode(
        "ascii"
    )
    body = {"workflow_id": str(workflow_id), "args": {"small": EXAMPLE, "big": big}}
    answer = client.post(JOBS, json=body, headers=auth)
    assert answer.status_code == 413, answer.text
    assert [e["pointer"] for e in answer.json()["errors"]] == ["#/args/big"]
    assert _jobs(client, auth) == []
    assert _spooled(runtime) == 0
    fits = "data:application/octet-stream;base64," + base64.b64encode(bytes(16)).decode("ascii")
    body = {"workflow_id": str(workflow_id), "args": {"fits": fits}}
    assert client.post(JOBS, json=body, headers=auth).status_code == 202


def test_a_job_refused_after_its_args_were_read_leaves_no_spooled_file(
    harness: Any, workflow_id: uuid.UUID, client: TestClient, auth: dict[str, str]
) -> None:
    body = {"workflow_id": str(workflow_id), "args": {"file": EXAMPLE}, "key": "once"}
    assert client.post(JOBS, json=body, headers=auth).status_code == 202
    assert _spooled(harness.runtime) == 1
    again = client.post(JOBS, json=body, headers=auth)
    assert again.status_code == 409
    missing = client.post(
        JOBS, json={**body, "key": "other", "workflow_id": str(uuid.uuid4())}, headers=auth
    )
    assert missing.status_code == 422
    assert _spooled(harness.runtime) == 1
    assert len(_jobs(client, auth)) == 1


@pytest.mark.parametrize(
    ("value", "name", "mime", "data"),
    [
        (EXAMPLE, "example.txt", "text/plain", b"data"),
        (
            "data:application/xml;name=factura%201.xml;base64,PGEvPg==",
            "factura 1.xml",
            "application/xml",
            b"<a/>",
        ),
        ("data:text/csv;charset=utf-8;name=a.csv,x%2Cy", "a.csv", "text/csv", b"x,y"),
        ("data:,", "", "text/plain", b""),
    ],
)
def test_data_uris_decode_to_name_type_and_bytes(
    value: str, name: str, mime: str, data: bytes
) -> None:
    assert job_args.parse_data_uri(value, max_bytes=100) == job_args.DataUri(name, mime, data)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("data:text/plain;base64,ZGF0YQ=", ValueError),  # bad padding
        ("data:text/plain", ValueError),
        ("spool:abc", ValueError),
        ("data:;base64," + "A" * 200, OverflowError),
        ("data:," + "a" * 101, OverflowError),
    ],
)
def test_bad_data_uris_are_refused(value: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        job_args.parse_data_uri(value, max_bytes=100)
