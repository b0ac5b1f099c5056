"""The lease heartbeat: a step longer than the lease keeps its job; a lost lease commits nothing.

These run on the real clock with a one-second lease: the heartbeat is a thread, and what it
protects against is a lease running out while a step is still running.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from facturo.transform.engine import store
from facturo.transform.engine.worker import Worker
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider
from facturo.transform.tables import JobRow

LEASE = 1.0


class Sleeper:
    """What the sleeping steps need: how long to sleep, and who ran them."""

    def __init__(self, runtime: Any, seconds: float) -> None:
        self.runtime = runtime
        self.seconds = seconds
        self.runs: list[str] = []
        self.lock = threading.Lock()

    def ran(self, key: str) -> None:
        with self.lock:
            self.runs.append(key)


def _sleep(ctx: StepContext, config: Any) -> StepResult:
    sleeper = ctx.resources.get(Sleeper)
    sleeper.ran(ctx.idempotency_key)
    threading.Event().wait(sleeper.seconds)
    return StepResult.ok()


sleeps_pure = provider("test.sleeps.pure")(_sleep)
sleeps_outside = provider("test.sleeps.outside", effect=Effect.IDEMPOTENT)(_sleep)


@provider("test.loses.lease", effect=Effect.IDEMPOTENT)
def loses_lease(ctx: StepContext, config: Any) -> StepResult:
    """Another worker takes the job over (as after a long pause), then the step carries on."""
    sleeper = ctx.resources.get(Sleeper)
    sleeper.ran(ctx.idempotency_key)
    with sleeper.runtime.uow() as uow:
        uow.session.execute(
            update(JobRow)
            .where(JobRow.workspace_id == ctx.job.workspace_id, JobRow.id == ctx.job.id)
            .values(
                lease_token=JobRow.lease_token + 1,
                lease_owner="thief",
                lease_expires_at=THIEF_UNTIL,
            )
        )
        uow.commit()
    threading.Event().wait(sleeper.seconds)  # long enough for a few beats
    return StepResult.ok()


THIEF_UNTIL = datetime(2100, 1, 1, tzinfo=UTC)


def _short_lease(h: Any, seconds: float) -> Sleeper:
    h.runtime.settings = h.runtime.settings.model_copy(update={"worker_lease_seconds": LEASE})
    h.runtime.registry = h.runtime.registry.with_(sleeps_pure, sleeps_outside, loses_lease)
    sleeper = Sleeper(h.runtime, seconds)
    h.runtime.resources.add(sleeper)
    return sleeper


@pytest.mark.parametrize("action", ["test.sleeps.pure", "test.sleeps.outside"])
def test_a_step_three_leases_long_completes_once_and_is_never_reclaimed(
    harness: Any, action: str
) -> None:
    h = harness
    sleeper = _short_lease(h, 3 * LEASE)
    job_id = h.submit(h.workflow([h.step(action), h.step("test.noop")]))
    owner, other = Worker(h.runtime, name="owner"), Worker(h.runtime, name="other")
    done = threading.Event()
    claims: list[bool] = []

    def run_owner() -> None:
        try:
            claims.append(owner.run_once())
        finally:
            done.set()

    thread = threading.Thread(target=run_owner)
    thread.start()
    stolen = []
    while not done.is_set():  # the other worker keeps looking for due jobs meanwhile
        if other.run_once():
            stolen.append(True)
        done.wait(0.05)
    thread.join()
    owner.close()
    other.close()
    assert claims == [True]
    assert stolen == []
    doc = h.job(job_id)
    assert doc["status"] == "OK"
    assert h.events_of(doc) == [["RUN", "OK"], ["RUN", "OK"]]
    assert sleeper.runs == [f"{job_id}:{doc['intents'][0]['step_id']}"]


def test_a_step_whose_lease_was_taken_meanwhile_commits_nothing(harness: Any) -> None:
    h = harness
    sleeper = _short_lease(h, LEASE)
    step = h.step("test.loses.lease")
    job_id = h.submit(h.workflow([step, h.step("test.noop")]))
    worker = Worker(h.runtime, name="owner")
    try:
        assert worker.run_once() is True  # the lost lease is logged, not raised
    finally:
        worker.close()
    assert sleeper.runs == [f"{job_id}:{step['id']}"]
    assert h.events_of(h.job(job_id)) == [["RUN"]]  # the step's OK was never committed
    with h.runtime.uow() as uow:
        row = uow.session.get(JobRow, (h.workspace.id, job_id))
        assert row is not None
        # the beats did not extend the lease they lost: the thief's lease stands as it set it
        assert (row.lease_owner, row.lease_expires_at, row.completed_at) == (
            "thief",
            THIEF_UNTIL,
            None,
        )


def test_a_beat_extends_a_held_lease_and_not_a_released_one(harness: Any) -> None:
    h = harness
    job_id = h.submit(h.workflow([h.step("test.noop")]))
    with h.runtime.uow() as uow:
        held = store.claim(uow.session, owner="a", now=h.clock(), lease=timedelta(seconds=30))
    assert held is not None
    assert held.job_id == job_id
    later = h.clock() + timedelta(hours=1)
    stale = store.Claim(held.workspace_id, held.job_id, held.token - 1, "a")
    with h.runtime.engine.connect() as conn:
        assert store.heartbeat(conn, stale, until=later) is False  # an older claim's token
        assert store.heartbeat(conn, held, until=later) is True
        conn.commit()
    with h.runtime.uow() as uow:
        row = uow.session.get(JobRow, (h.workspace.id, job_id))
        assert row is not None
        assert row.lease_expires_at == later
        row.lease_owner, row.lease_expires_at = None, None  # released (rescheduled)
        uow.commit()
    with h.runtime.engine.connect() as conn:
        assert store.heartbeat(conn, held, until=later) is False
        conn.commit()
