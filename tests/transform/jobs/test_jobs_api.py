"""``/transform/v1/jobs`` over HTTP: inputs, idempotency, errors with paths, wait, listing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.transform import jobs
from facturo.transform.engine.worker import start_worker_threads

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())


@pytest.fixture
def workflow_id(harness: Any) -> uuid.UUID:
    h = harness
    made: uuid.UUID = h.workflow([h.step("test.noop"), h.step("test.flaky", config={"fail": 0})])
    return made


def _jobs(client: TestClient, auth: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/transform/v1/jobs", headers=auth).json()["list"]
    return found


def test_post_with_args_only_answers_202_with_the_job(
    client: TestClient, auth: dict[str, str], workflow_id: uuid.UUID
) -> None:
    body = {"workflow_id": str(workflow_id), "args": {"nip": "123"}, "key": "k1", "tags": ["t"]}
    answer = client.post("/transform/v1/jobs", json=body, headers=auth)
    assert answer.status_code == 202, answer.text
    doc = answer.json()
    assert uuid.UUID(doc["id"]).version == 7
    assert (doc["workflow_id"], doc["key"], doc["args"], doc["tags"]) == (
        str(workflow_id),
        "k1",
        {"nip": "123"},
        ["t"],
    )
    assert (doc["intents"], doc["faults"], doc["attachments"]) == ([], [], [])
    assert "completed_at" not in doc
    by_key = client.get("/transform/v1/jobs/key/k1", headers=auth).json()
    assert by_key["id"] == doc["id"]
    assert client.get(f"/transform/v1/jobs/{doc['id']}", headers=auth).json()["id"] == doc["id"]
    again = client.post("/transform/v1/jobs", json=body, headers=auth)
    assert again.status_code == 409
    assert len(_jobs(client, auth)) == 1


def test_put_needs_a_time_based_id_and_is_create_only(
    client: TestClient, auth: dict[str, str], workflow_id: uuid.UUID
) -> None:
    body = {"workflow_id": str(workflow_id), "args": {"a": "b"}}
    v4 = client.put(f"/transform/v1/jobs/{uuid.uuid4()}", json=body, headers=auth)
    assert v4.status_code == 422
    assert v4.json()["fields"] == {"id": "must be a UUID v7 or v1"}
    job_id = uuid7()
    assert client.put(f"/transform/v1/jobs/{job_id}", json=body, headers=auth).status_code == 202
    assert client.put(f"/transform/v1/jobs/{job_id}", json=body, headers=auth).status_code == 409
    v1 = uuid.uuid1()
    assert client.put(f"/transform/v1/jobs/{v1}", json=body, headers=auth).status_code == 202
    assert len(_jobs(client, auth)) == 2


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"args": {"n": 1, "ok": "x", "b": True}},
            {"args": {"n": "arg values must be strings", "b": "arg values must be strings"}},
        ),
        ({"silo_entry_id": str(uuid7())}, {"silo_entry_id": "no such entry"}),
        (
            {},
            {
                "silo_entry_id": "one of silo_entry_id, data or args is required",
                "data": "one of silo_entry_id, data or args is required",
                "args": "one of silo_entry_id, data or args is required",
            },
        ),
        (
            {"workflow_id": str(uuid.uuid4()), "args": {"a": "b"}},
            {"workflow_id": "no such workflow"},
        ),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    client: TestClient,
    auth: dict[str, str],
    workflow_id: uuid.UUID,
    body: dict[str, Any],
    fields: dict[str, Any],
) -> None:
    answer = client.post(
        "/transform/v1/jobs",
        json={"workflow_id": str(workflow_id), **body, "data": body.get("data")},
        headers=auth,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["fields"] == fields
    assert _jobs(client, auth) == []


def test_a_disabled_workflow_takes_no_jobs(
    client: TestClient, auth: dict[str, str], workflow_id: uuid.UUID
) -> None:
    client.patch(f"/transform/v1/workflows/{workflow_id}", json={"disabled": True}, headers=auth)
    answer = client.post(
        "/transform/v1/jobs",
        json={"workflow_id": str(workflow_id), "data": INVOICE},
        headers=auth,
    )
    assert answer.status_code == 422
    assert answer.json()["fields"] == {"workflow_id": "the workflow is disabled"}
    assert _jobs(client, auth) == []
    assert client.get("/silo/v1/entries", headers=auth).json()["list"] == []


def test_listing_is_newest_first_with_a_cursor(
    client: TestClient, auth: dict[str, str], workflow_id: uuid.UUID
) -> None:
    ids = [
        client.post(
            "/transform/v1/jobs",
            json={"workflow_id": str(workflow_id), "args": {"n": str(n)}},
            headers=auth,
        ).json()["id"]
        for n in range(5)
    ]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = client.get("/transform/v1/jobs", params=params, headers=auth).json()
        seen += [j["id"] for j in page["list"]]
        if "next_cursor" not in page:
            break
        params = {"limit": 2, "cursor": page["next_cursor"]}
    assert seen == ids[::-1]
    assert client.get("/transform/v1/jobs?cursor=nope", headers=auth).status_code == 422


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [(None, 0.0), ("5", 5.0), ("600", 60.0), ("true", 60.0), ("false", 0.0), ("-3", 0.0)],
)
def test_wait_is_clamped_and_true_means_a_minute(raw: str | None, seconds: float) -> None:
    assert jobs.parse_wait(raw) == seconds


@pytest.fixture
def workers(engine: Runtime) -> Iterator[None]:
    handle = start_worker_threads(engine, threads=1)
    yield
    handle.stop()
    assert handle.alive == 0


def test_wait_answers_with_the_completed_job_over_http(
    http: httpx.Client, auth: dict[str, str], harness: Any, workers: None
) -> None:
    h = harness
    wf = h.workflow(
        [
            h.step("test.noop"),
            h.step(
                "test.ko",
                config={"code": "4107"},
                next=[{"status": "KO", "code": "4107", "steps": [h.step("test.noop")]}],
            ),
        ]
    )
    answer = http.post(
        "/transform/v1/jobs?wait=30",
        json={"workflow_id": str(wf), "data": INVOICE, "key": "inv-1"},
        headers=auth,
    )
    assert answer.status_code == 202, answer.text
    doc = answer.json()
    assert "completed_at" in doc
    assert doc["status"] == "OK"
    assert [[e["status"] for e in i["events"]] for i in doc["intents"]] == [
        ["RUN", "OK"],
        ["RUN", "KO"],
        ["RUN", "OK"],
    ]
    assert [f["code"] for f in doc["faults"]] == ["4107"]
    entry = http.get(f"/silo/v1/entries/{doc['silo_entry_id']}", headers=auth).json()
    assert doc["envelope"] == entry["data"]
    assert [(f["code"], f["provider"]) for f in entry["faults"]] == [("4107", "test.ko")]


def test_cancel_over_http(
    client: TestClient, auth: dict[str, str], harness: Any, workers: None
) -> None:
    h = harness
    wf = h.workflow([h.step("test.flaky", config={"fail": 3, "retry_in": 3600})])
    created = client.post(
        "/transform/v1/jobs?wait=1", json={"workflow_id": str(wf), "args": {"a": "b"}}, headers=auth
    ).json()
    cancelled = client.post(f"/transform/v1/jobs/{created['id']}/cancel", headers=auth)
    assert cancelled.status_code == 202
    jobs.wait_for(
        h.runtime, workspace_id=h.workspace.id, job_id=uuid.UUID(created["id"]), seconds=20
    )
    doc = client.get(f"/transform/v1/jobs/{created['id']}", headers=auth).json()
    assert doc["status"] == "KO"
    assert [f["code"] for f in doc["faults"]] == ["cancelled"]
    again = client.post(f"/transform/v1/jobs/{created['id']}/cancel", headers=auth)
    assert again.status_code == 409


def test_data_that_is_not_gobl_stores_neither_entry_nor_job(
    client: TestClient, auth: dict[str, str], workflow_id: uuid.UUID
) -> None:
    answer = client.post(
        "/transform/v1/jobs",
        json={"workflow_id": str(workflow_id), "data": {"hello": "world"}},
        headers=auth,
    )
    assert answer.status_code == 422, answer.text
    assert _jobs(client, auth) == []
    assert client.get("/silo/v1/entries", headers=auth).json()["list"] == []


def test_data_is_stored_to_the_silo_first(
    client: TestClient, auth: dict[str, str], workflow_id: uuid.UUID
) -> None:
    answer = client.post(
        "/transform/v1/jobs", json={"workflow_id": str(workflow_id), "data": INVOICE}, headers=auth
    )
    assert answer.status_code == 202, answer.text
    entry_id = answer.json()["silo_entry_id"]
    entry = client.get(f"/silo/v1/entries/{entry_id}", headers=auth).json()
    assert entry["doc_schema"].endswith("bill/invoice")
    by_entry = client.post(
        "/transform/v1/jobs",
        json={"workflow_id": str(workflow_id), "silo_entry_id": entry_id},
        headers=auth,
    )
    assert by_entry.json()["silo_entry_id"] == entry_id
