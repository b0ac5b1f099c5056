"""A job key is held for two years; then a new job takes it and the old one keeps its history."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from facturo.errors import FacturoError
from facturo.platform.runtime import Runtime
from facturo.transform import job_keys, jobs
from facturo.transform.errors import JobKeyTaken
from facturo.transform.tables import JobRow

JOBS = "/transform/v1/jobs"


@pytest.mark.parametrize(
    ("created", "until"),
    [
        (datetime(2026, 11, 22, 7, 0, tzinfo=UTC), datetime(2028, 11, 22, 7, 0, tzinfo=UTC)),
        (datetime(2028, 2, 29, 12, 0, tzinfo=UTC), datetime(2030, 3, 1, 12, 0, tzinfo=UTC)),
        (datetime(2027, 2, 28, 0, 0, tzinfo=UTC), datetime(2029, 2, 28, 0, 0, tzinfo=UTC)),
    ],
)
def test_a_key_is_held_for_two_calendar_years(created: datetime, until: datetime) -> None:
    assert job_keys.held_until(created) == until
    assert job_keys.is_held(created, until - timedelta(microseconds=1))
    assert not job_keys.is_held(created, until)


def _submit(
    runtime: Runtime, workspace: Any, workflow_id: uuid.UUID, key: str, now: datetime | None = None
) -> uuid.UUID:
    with runtime.uow() as uow:
        return jobs.submit(
            runtime,
            uow,
            workspace_id=workspace.id,
            job_id=None,
            workflow_id=workflow_id,
            silo_entry_id=None,
            data=None,
            key=key,
            args={"n": "1"},
            tags=[],
            src_id="test",
            now=now,
        )


@pytest.fixture
def workflow_id(harness: Any) -> uuid.UUID:
    made: uuid.UUID = harness.workflow([harness.step("test.noop")])
    return made


def test_a_key_older_than_two_years_goes_to_the_new_job(
    harness: Any, workflow_id: uuid.UUID, client: TestClient, auth: dict[str, str]
) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=2 * 366)
    old_id = _submit(harness.runtime, harness.workspace, workflow_id, "invoice-1", long_ago)
    assert harness.drain(harness.worker("worker-a")) == 1
    old = harness.job(old_id)
    body = {"workflow_id": str(workflow_id), "args": {"n": "2"}, "key": "invoice-1"}
    answer = client.post(JOBS, json=body, headers=auth)
    assert answer.status_code == 202, answer.text
    new_id = answer.json()["id"]
    assert new_id != str(old_id)
    assert client.get(f"{JOBS}/key/invoice-1", headers=auth).json()["id"] == new_id
    kept = client.get(f"{JOBS}/{old_id}", headers=auth).json()
    assert kept == old  # history, status and its key as it was
    assert kept["key"] == "invoice-1"
    assert client.post(JOBS, json=body, headers=auth).status_code == 409


def test_a_key_younger_than_two_years_is_still_taken(
    harness: Any, workflow_id: uuid.UUID, client: TestClient, auth: dict[str, str]
) -> None:
    recent = datetime.now(UTC) - timedelta(days=2 * 365 - 2)
    old_id = _submit(harness.runtime, harness.workspace, workflow_id, "invoice-2", recent)
    body = {"workflow_id": str(workflow_id), "args": {"n": "2"}, "key": "invoice-2"}
    answer = client.post(JOBS, json=body, headers=auth)
    assert answer.status_code == 409
    assert answer.json()["code"] == "conflict"
    assert client.get(f"{JOBS}/key/invoice-2", headers=auth).json()["id"] == str(old_id)


@pytest.mark.parametrize("age_days", [0, 2 * 366])
def test_concurrent_submits_with_one_key_leave_one_winner(
    harness: Any, workflow_id: uuid.UUID, age_days: int
) -> None:
    runtime: Runtime = harness.runtime
    old_id = None
    if age_days:
        old = datetime.now(UTC) - timedelta(days=age_days)
        old_id = _submit(runtime, harness.workspace, workflow_id, "race", old)
    contenders = 6
    barrier = threading.Barrier(contenders)
    won: list[uuid.UUID] = []
    refused: list[FacturoError] = []
    lock = threading.Lock()

    def contend() -> None:
        barrier.wait()
        try:
            made = _submit(runtime, harness.workspace, workflow_id, "race")
        except JobKeyTaken as exc:
            with lock:
                refused.append(exc)
        else:
            with lock:
                won.append(made)

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert (len(won), len(refused)) == (1, contenders - 1)
    with runtime.uow() as uow:
        rows = uow.session.execute(
            select(JobRow.id, JobRow.key, JobRow.released_key).where(
                JobRow.workspace_id == harness.workspace.id
            )
        ).all()
    assert [r.id for r in rows if r.key == "race"] == won
    assert len(rows) == (2 if age_days else 1)
    if old_id is not None:
        assert [(r.key, r.released_key) for r in rows if r.id == old_id] == [(None, "race")]
