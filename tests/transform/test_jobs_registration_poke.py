"""The operator's decisions on a VERI*FACTU registration poke the jobs waiting on it.

A supplier-registration job waits in ``verifactu.wait.upload`` and then in
``verifactu.wait.approval``, each polling once an hour; the operator's upload and approval make
the waiting step check again at once (a POKE event), so the job ends without waiting an hour.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.transform import jobs, workflow_store
from facturo.transform.engine.worker import Worker

PARTY = {
    "$schema": "https://gobl.org/draft-0/org/party",
    "name": "Provide One S.L.",
    "tax_id": {"country": "ES", "code": "B85905495"},
}
STEPS = ("verifactu.register", "verifactu.wait.upload", "verifactu.wait.approval")


@pytest.fixture
def worker(runtime: Runtime) -> Iterator[Worker]:
    # A second ahead of real time: a poke (due at the real now) is due at once, while the
    # steps' own hourly checks are not.
    made = Worker(
        runtime,
        name="worker-a",
        clock=lambda: datetime.now(UTC) + timedelta(seconds=1),
        rng=random.Random(7),
    )
    yield made
    made.close()


def _drain(worker: Worker) -> int:
    claims = 0
    while worker.run_once():
        claims += 1
    return claims


def _job(runtime: Runtime, workspace: Workspace, job_id: str) -> dict[str, Any]:
    with runtime.uow() as uow:
        return jobs.get(uow, workspace_id=workspace.id, job_id=uuid.UUID(job_id))


def _events(job: dict[str, Any]) -> list[list[tuple[str, str]]]:
    return [[(e["status"], e.get("code", "")) for e in i["events"]] for i in job["intents"]]


def test_upload_and_approval_wake_the_waiting_job(
    runtime: Runtime,
    workspace: Workspace,
    client: TestClient,
    auth: dict[str, str],
    worker: Worker,
) -> None:
    workflow_id = uuid.uuid4()
    with runtime.uow() as uow:
        workflow_store.create_workflow(
            uow,
            workspace_id=workspace.id,
            workflow_id=workflow_id,
            document={
                "name": "Supplier registration",
                "steps": [{"id": str(uuid.uuid4()), "name": a, "action": a} for a in STEPS],
            },
            registry=runtime.registry,
            author=workflow_store.Author("test", "test"),
        )
    created = client.post(
        "/transform/v1/jobs", json={"workflow_id": str(workflow_id), "data": PARTY}, headers=auth
    )
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    assert _drain(worker) == 1
    job = _job(runtime, workspace, job_id)
    registration = job["args"]["verifactu-registration-id"]
    assert [i["provider"] for i in job["intents"]] == list(STEPS[:2])
    assert job["status"] == "QUEUED"
    assert _drain(worker) == 0  # the next check is an hour away

    base = f"/verifactu/v1/registrations/{registration}"
    assert client.post(f"{base}/uploaded", headers=auth).status_code == 200
    assert _job(runtime, workspace, job_id)["status"] == "POKE"
    assert _drain(worker) == 1
    job = _job(runtime, workspace, job_id)
    assert _events(job)[1][-3:] == [
        ("POKE", "verifactu.uploaded"),
        ("RUN", ""),
        ("OK", "uploaded"),
    ]
    assert (job["intents"][2]["provider"], job["status"]) == ("verifactu.wait.approval", "QUEUED")

    assert client.post(f"{base}/approve", json={}, headers=auth).status_code == 200
    assert _drain(worker) == 1
    job = _job(runtime, workspace, job_id)
    assert job["status"] == "OK"
    assert "completed_at" in job
    assert _events(job)[2][-3:] == [
        ("POKE", "verifactu.approved"),
        ("RUN", ""),
        ("OK", "approved"),
    ]


def test_a_decision_pokes_only_the_jobs_of_its_registration(
    runtime: Runtime,
    workspace: Workspace,
    client: TestClient,
    auth: dict[str, str],
    worker: Worker,
) -> None:
    workflow_id = uuid.uuid4()
    with runtime.uow() as uow:
        workflow_store.create_workflow(
            uow,
            workspace_id=workspace.id,
            workflow_id=workflow_id,
            document={
                "name": "Supplier registration",
                "steps": [{"id": str(uuid.uuid4()), "name": a, "action": a} for a in STEPS],
            },
            registry=runtime.registry,
            author=workflow_store.Author("test", "test"),
        )
    other_party = {**PARTY, "name": "Other S.L.", "tax_id": {"country": "ES", "code": "B12345674"}}
    ids = [
        client.post(
            "/transform/v1/jobs",
            json={"workflow_id": str(workflow_id), "data": party},
            headers=auth,
        ).json()["id"]
        for party in (PARTY, other_party)
    ]
    assert _drain(worker) == 2
    first, second = (_job(runtime, workspace, i) for i in ids)
    registration = first["args"]["verifactu-registration-id"]
    assert second["args"]["verifactu-registration-id"] != registration
    answer = client.post(f"/verifactu/v1/registrations/{registration}/uploaded", headers=auth)
    assert answer.status_code == 200
    assert _drain(worker) == 1
    assert _job(runtime, workspace, ids[1]) == second
