"""Leases: fencing, reclaiming a dead worker's job, resuming by effect, concurrency keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from facturo.transform.engine import store
from facturo.transform.engine.store import LeaseLost
from facturo.transform.tables import ConcurrencyLockRow, EventRow, JobRow


def _claim(h: Any, owner: str) -> store.Claim:
    with h.runtime.uow() as uow:
        held = store.claim(uow.session, owner=owner, now=h.clock(), lease=timedelta(seconds=30))
    assert held is not None
    return held


def _events(h: Any) -> int:
    with h.runtime.uow() as uow:
        count: int = uow.session.query(EventRow).count()
        return count


def test_a_worker_that_lost_its_lease_cannot_commit(harness: Any) -> None:
    h = harness
    job_id = h.submit(h.workflow([h.step("test.noop"), h.step("test.noop")]))
    stale = _claim(h, "a")
    h.clock.advance(31)  # a's lease runs out; b takes the job over
    fresh = _claim(h, "b")
    assert (fresh.job_id, fresh.token) == (job_id, stale.token + 1)
    with pytest.raises(LeaseLost):
        h.worker("a").process(stale)
    assert _events(h) == 0  # nothing of a's step was written
    h.worker("b").process(fresh)
    assert h.job(job_id)["status"] == "OK"
    assert h.events_of(h.job(job_id)) == [["RUN", "OK"], ["RUN", "OK"]]


def test_a_claimed_job_is_not_claimed_again_until_its_lease_expires(harness: Any) -> None:
    h = harness
    job_id = h.submit(h.workflow([h.step("test.noop")]))
    _claim(h, "dead")  # the worker dies holding the job
    other = h.worker("b")
    assert other.run_once() is False
    h.clock.advance(31)
    assert other.run_once() is True
    assert h.job(job_id)["status"] == "OK"


@pytest.mark.parametrize("action", ["test.effect", "test.reconcile"])
def test_a_crash_inside_an_outside_effect_resumes_without_repeating_it(
    harness: Any, action: str
) -> None:
    h = harness
    first = h.step(action)
    job_id = h.submit(h.workflow([first, h.step("test.noop")]))
    key = f"{job_id}:{first['id']}"
    h.recorder.crash_once.add(key)
    with pytest.raises(h.crash):
        h.worker("a").run_once()  # the process "dies" after the effect, before its checkpoint
    assert h.events_of(h.job(job_id)) == [["RUN"]]  # the RUN was committed first
    h.clock.advance(31)
    assert h.worker("b").run_once()
    doc = h.job(job_id)
    assert doc["status"] == "OK"
    assert h.events_of(doc) == [["RUN", "RUN", "OK"], ["RUN", "OK"]]
    if action == "test.effect":  # idempotent: run again with the same key (the peer dedups)
        assert h.recorder.effects[key] == 2
        assert doc["args"]["resumed"] == "true"
    else:  # reconcile: the effect is found, the step is not run again
        assert h.recorder.effects[key] == 1
        assert doc["intents"][0]["events"][-1]["code"] == "reconciled"


def test_a_busy_concurrency_key_reschedules_without_spending_an_attempt(harness: Any) -> None:
    h = harness
    wf = h.workflow([h.step("test.keyed")])
    job_id = h.submit(wf, {"issuer": "B12345678"})
    with h.runtime.uow() as uow:  # another job's step holds the key
        uow.session.add(
            ConcurrencyLockRow(
                key="B12345678",
                job_id=h.submit(wf, {"issuer": "other"}),
                lease_token=1,
                expires_at=h.clock() + timedelta(seconds=30),
            )
        )
        uow.commit()
    start = h.clock()
    worker = h.worker("a")
    worker.run_once()
    worker.run_once()  # the other job, with its own key, runs
    with h.runtime.uow() as uow:
        row = uow.session.get(JobRow, (h.workspace.id, job_id))
        assert row is not None
        assert (row.run_at, row.attempts, row.completed_at) == (
            start + timedelta(seconds=0.2),
            0,
            None,
        )
    assert h.job(job_id)["intents"] == []
    h.clock.advance(31)  # the holder's lock expires
    h.drain(worker)
    assert h.job(job_id)["status"] == "OK"
    with h.runtime.uow() as uow:
        assert uow.session.query(ConcurrencyLockRow).count() == 0
