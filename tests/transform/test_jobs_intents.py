"""``POST /transform/v1/jobs/intents``: POKE wakes a queued step now, CANCEL cancels its job.

The job runs on a real worker whose clock the test holds; a poke makes the job due at the real
now, which the worker's clock (moved a second past it) has passed, while the step's own
``retry_in`` (an hour) has not.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from facturo.platform import workspaces
from facturo.platform.models import Workspace
from facturo.transform.engine import store
from facturo.transform.steps.base import StepContext, StepResult, provider
from facturo.transform.tables import IntentRow

INTENTS = "/transform/v1/jobs/intents"


class Gate:
    """What the waiting step polls for: closed until the test opens it."""

    def __init__(self) -> None:
        self.open = threading.Event()


@provider("test.wait")
def wait(ctx: StepContext, config: Any) -> StepResult:
    """QUEUED for an hour until the gate opens, then OK."""
    if ctx.resources.get(Gate).open.is_set():
        return StepResult.ok("open")
    return StepResult.queued(3600, "closed", "waiting for the gate", ref="gate-1")


@pytest.fixture
def gate(harness: Any) -> Gate:
    found = Gate()
    harness.runtime.registry = harness.runtime.registry.with_(wait)
    harness.runtime.resources.add(found)
    return found


@pytest.fixture
def queued(harness: Any, gate: Gate, client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    """A job whose ``test.wait`` step answered QUEUED (due again in an hour)."""
    workflow = harness.workflow([harness.step("test.noop"), harness.step("test.wait")])
    created = client.post(
        "/transform/v1/jobs", json={"workflow_id": str(workflow), "args": {"a": "b"}}, headers=auth
    )
    assert created.status_code == 202, created.text
    worker = harness.worker("worker-a")
    assert harness.drain(worker) == 1
    assert harness.drain(worker) == 0  # not due before its retry_in
    job: dict[str, Any] = harness.job(uuid.UUID(created.json()["id"]))
    assert harness.events_of(job) == [["RUN", "OK"], ["RUN", "QUEUED"]]
    return job


def _drain_after_poke(harness: Any) -> int:
    """Run what is due once the worker's clock has caught up with the poke (real time)."""
    harness.clock.now = datetime.now(UTC) + timedelta(seconds=1)
    claims: int = harness.drain(harness.worker("worker-b"))
    return claims


def _statuses(intent: dict[str, Any]) -> list[str]:
    return [e["status"] for e in intent["events"]]


def test_poke_by_intent_id_runs_the_queued_step_at_once(
    harness: Any, gate: Gate, queued: dict[str, Any], client: TestClient, auth: dict[str, str]
) -> None:
    waiting = queued["intents"][1]
    gate.open.set()
    answer = client.post(
        INTENTS, json={"id": waiting["id"], "status": "POKE", "code": "go"}, headers=auth
    )
    assert answer.status_code == 200, answer.text
    intent = answer.json()
    assert (intent["id"], intent["step_id"], intent["provider"]) == (
        waiting["id"],
        waiting["step_id"],
        "test.wait",
    )
    assert _statuses(intent) == ["RUN", "QUEUED", "POKE"]
    assert (intent["events"][2]["index"], intent["events"][2]["code"]) == (2, "go")
    assert harness.job(uuid.UUID(queued["id"]))["status"] == "POKE"
    assert _drain_after_poke(harness) == 1
    done = harness.job(uuid.UUID(queued["id"]))
    assert (done["status"], "completed_at" in done) == ("OK", True)
    assert harness.events_of(done)[1] == ["RUN", "QUEUED", "POKE", "RUN", "OK"]


def test_a_repeated_poke_adds_one_event(
    harness: Any, queued: dict[str, Any], client: TestClient, auth: dict[str, str]
) -> None:
    body = {"id": queued["intents"][1]["id"], "status": "POKE"}
    first = client.post(INTENTS, json=body, headers=auth)
    second = client.post(INTENTS, json=body, headers=auth)
    assert (first.status_code, second.status_code) == (200, 200)
    assert _statuses(second.json()) == ["RUN", "QUEUED", "POKE"]
    assert second.json() == first.json()
    assert harness.events_of(harness.job(uuid.UUID(queued["id"])))[1] == ["RUN", "QUEUED", "POKE"]


def test_poke_by_job_id_finds_the_jobs_waiting_intent(
    harness: Any, gate: Gate, queued: dict[str, Any], client: TestClient, auth: dict[str, str]
) -> None:
    answer = client.post(INTENTS, json={"job_id": queued["id"], "status": "POKE"}, headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == queued["intents"][1]["id"]
    # Poked with the gate still closed: the step runs now, and waits again.
    assert _drain_after_poke(harness) == 1
    job = harness.job(uuid.UUID(queued["id"]))
    assert harness.events_of(job)[1] == ["RUN", "QUEUED", "POKE", "RUN", "QUEUED"]
    assert "completed_at" not in job


def test_poke_by_ref_alone_and_with_the_job_id(
    harness: Any, gate: Gate, queued: dict[str, Any], client: TestClient, auth: dict[str, str]
) -> None:
    intent_id = uuid.UUID(queued["intents"][1]["id"])
    # The ref the step answered with QUEUED is the intent's, as the worker recorded it.
    with harness.runtime.uow() as uow:
        assert uow.session.get(IntentRow, intent_id).ref == "gate-1"
    other = client.post(
        INTENTS, json={"job_id": str(uuid.uuid4()), "ref": "gate-1", "status": "POKE"}, headers=auth
    )
    assert other.status_code == 404
    by_ref = client.post(INTENTS, json={"ref": "gate-1", "status": "POKE"}, headers=auth)
    assert by_ref.status_code == 200, by_ref.text
    assert (by_ref.json()["id"], by_ref.json()["ref"]) == (str(intent_id), "gate-1")
    with_job = client.post(
        INTENTS,
        json={"job_id": queued["id"], "ref": "gate-1", "status": "POKE", "code": "again"},
        headers=auth,
    )
    assert with_job.status_code == 200, with_job.text
    assert _statuses(with_job.json()) == ["RUN", "QUEUED", "POKE", "POKE"]


def test_cancel_ends_the_job_ko_cancelled(
    harness: Any, queued: dict[str, Any], client: TestClient, auth: dict[str, str]
) -> None:
    answer = client.post(
        INTENTS,
        json={"id": queued["intents"][1]["id"], "status": "CANCEL", "message": "not needed"},
        headers=auth,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["events"][-1]["message"] == "not needed"
    assert _drain_after_poke(harness) == 1
    job = harness.job(uuid.UUID(queued["id"]))
    assert (job["status"], "completed_at" in job) == ("KO", True)
    assert [f["code"] for f in job["faults"]] == ["cancelled"]
    assert harness.events_of(job)[1] == ["RUN", "QUEUED", "CANCEL"]


def test_a_finished_job_takes_no_events(
    harness: Any, gate: Gate, queued: dict[str, Any], client: TestClient, auth: dict[str, str]
) -> None:
    gate.open.set()
    body = {"id": queued["intents"][1]["id"], "status": "POKE"}
    assert client.post(INTENTS, json=body, headers=auth).status_code == 200
    _drain_after_poke(harness)
    finished = harness.job(uuid.UUID(queued["id"]))
    for request in (body, {**body, "status": "CANCEL"}, {"job_id": queued["id"], "status": "POKE"}):
        answer = client.post(INTENTS, json=request, headers=auth)
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "conflict"
    assert harness.job(uuid.UUID(queued["id"])) == finished


def test_a_completed_intent_of_a_running_job_takes_no_events(
    harness: Any, queued: dict[str, Any], client: TestClient, auth: dict[str, str]
) -> None:
    done = queued["intents"][0]
    answer = client.post(INTENTS, json={"id": done["id"], "status": "POKE"}, headers=auth)
    assert answer.status_code == 409
    assert harness.job(uuid.UUID(queued["id"]))["intents"] == queued["intents"]


def test_a_step_a_worker_is_running_is_not_poked(
    harness: Any, queued: dict[str, Any], client: TestClient, auth: dict[str, str]
) -> None:
    with harness.runtime.uow() as uow:
        held = store.claim(
            uow.session,
            owner="busy",
            now=harness.clock() + timedelta(hours=2),
            lease=timedelta(hours=1),
        )
    assert held is not None
    assert str(held.job_id) == queued["id"]
    answer = client.post(
        INTENTS, json={"id": queued["intents"][1]["id"], "status": "POKE"}, headers=auth
    )
    assert answer.status_code == 409
    assert harness.events_of(harness.job(uuid.UUID(queued["id"])))[1] == ["RUN", "QUEUED"]


def test_unknown_intents_are_404_with_the_contract_body(
    harness: Any, queued: dict[str, Any], client: TestClient, auth: dict[str, str]
) -> None:
    for body in (
        {"id": str(uuid.uuid4()), "status": "POKE"},
        {"job_id": str(uuid.uuid4()), "status": "POKE"},
        {"ref": "nobody", "status": "POKE"},
        {"id": queued["intents"][1]["id"], "job_id": str(uuid.uuid4()), "status": "POKE"},
    ):
        answer = client.post(INTENTS, json=body, headers=auth)
        assert answer.status_code == 404, body
        assert (answer.json()["key"], answer.json()["code"]) == ("not_found", "not_found")


def test_another_workspaces_intent_is_not_found(
    harness: Any, queued: dict[str, Any], client: TestClient
) -> None:
    with harness.runtime.uow() as uow:
        other: Workspace = workspaces.create_workspace(uow, slug="other", name="Other")
    with harness.runtime.uow() as uow:
        secret = workspaces.create_token(uow, workspace_id=other.id).secret
    answer = client.post(
        INTENTS,
        json={"id": queued["intents"][1]["id"], "status": "POKE"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 404
    assert harness.events_of(harness.job(uuid.UUID(queued["id"])))[1] == ["RUN", "QUEUED"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"id": "nope", "status": "POKE"}, {"id": "must be a UUID"}),
        (
            {"status": "POKE"},
            {
                "id": "give id, job_id or ref",
                "job_id": "give id, job_id or ref",
                "ref": "give id, job_id or ref",
            },
        ),
        ({"ref": "r", "status": "OK"}, {"status": "must be POKE or CANCEL"}),
        ({"ref": "r"}, {"status": "must be POKE or CANCEL"}),
        ({"ref": 7, "status": "POKE"}, {"ref": "must be a string of 255 at most"}),
    ],
)
def test_bad_bodies_name_the_field_and_change_nothing(
    harness: Any,
    queued: dict[str, Any],
    client: TestClient,
    auth: dict[str, str],
    body: dict[str, Any],
    fields: dict[str, str],
) -> None:
    answer = client.post(INTENTS, json=body, headers=auth)
    assert answer.status_code == 422, answer.text
    assert answer.json()["fields"] == fields
    assert harness.job(uuid.UUID(queued["id"])) == queued
