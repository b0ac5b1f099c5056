"""Group commit across jobs: a worker claims a batch of due jobs and commits their PURE runs once.

Each job of the batch runs in a savepoint of its own (sent only when one of its steps writes),
so a job whose lease was lost or whose step failed changes nothing for the others, and a crash
anywhere in the batch loses the whole uncommitted batch, which simply runs again.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from facturo.transform import workflow_store
from facturo.transform.engine.worker import Worker
from facturo.transform.steps.base import StepContext, StepResult, provider
from facturo.transform.tables import JobRow

STOLEN: set[Any] = set()
"""Jobs whose lease ``test.steal`` already took once."""


@provider("test.steal")
def steal(ctx: StepContext, config: Any) -> StepResult:
    """Takes its own job's lease the first time, as another worker's claim would."""
    if ctx.job.id not in STOLEN:
        STOLEN.add(ctx.job.id)
        ctx.uow.session.execute(
            update(JobRow)
            .where(JobRow.id == ctx.job.id)
            .values(lease_token=JobRow.lease_token + 1, lease_owner="thief")
        )
    return StepResult.ok()


@provider("test.cancel_then_raise")
def cancel_then_raise(ctx: StepContext, config: Any) -> StepResult:
    """Writes (asks for its own job's cancel) and then fails: the write must not survive."""
    ctx.uow.session.execute(
        update(JobRow).where(JobRow.id == ctx.job.id).values(cancel_requested=True)
    )
    raise RuntimeError("boom after a write")


@pytest.fixture
def batch_harness(harness: Any) -> Any:
    recorder, crash = harness.recorder, harness.crash

    @provider("test.crash_once")
    def crash_once(ctx: StepContext, config: Any) -> StepResult:
        """A ``PURE`` step during which the process dies once (the recorder names when)."""
        if ctx.idempotency_key in recorder.crash_once:
            recorder.crash_once.discard(ctx.idempotency_key)
            raise crash()
        return StepResult.ok()

    harness.runtime.registry = harness.runtime.registry.with_(steal, cancel_then_raise, crash_once)
    return harness


def _job_row(h: Any, job_id: Any) -> JobRow:
    with h.runtime.uow() as uow:
        row = uow.session.scalars(select(JobRow).where(JobRow.id == job_id)).one()
        uow.session.expunge(row)
        return row


def test_ten_jobs_of_five_pure_steps_commit_once(
    batch_harness: Any, worker: Worker, tally: Any
) -> None:
    h = batch_harness
    wf = h.workflow([h.step("test.noop") for _ in range(5)])
    job_ids = [h.submit(wf, {"n": str(n)}) for n in range(10)]
    with tally(h.runtime) as counts:
        assert worker.run_once(10) is True
    assert counts.checkouts == 1
    assert counts.commits == 1
    # one claim for the batch, one fenced update per job (which also completes it)
    assert counts.job_updates() == 11
    assert not any(s.startswith("SAVEPOINT") for s in counts.statements)
    for job_id in job_ids:
        doc = h.job(job_id)
        assert doc["status"] == "OK"
        assert h.events_of(doc) == [["RUN", "OK"]] * 5
    assert worker.run_once(10) is False


def test_a_batch_takes_only_what_is_due(batch_harness: Any, worker: Worker, tally: Any) -> None:
    h = batch_harness
    job_id = h.submit(h.workflow([h.step("test.noop")]))
    with tally(h.runtime) as counts:
        assert worker.run_once(32) is True
    assert counts.commits == 1
    assert h.job(job_id)["status"] == "OK"


def test_a_lost_lease_inside_a_batch_drops_only_that_job(
    batch_harness: Any, worker: Worker, tally: Any
) -> None:
    h = batch_harness
    plain = h.workflow([h.step("test.noop"), h.step("test.noop")])
    stolen_wf = h.workflow([h.step("test.noop"), h.step("test.steal")])
    before = h.submit(plain, {"n": "1"})
    stolen = h.submit(stolen_wf, {"n": "2"})
    after = h.submit(plain, {"n": "3"})
    with tally(h.runtime) as counts:
        assert worker.run_once(3) is True
    assert counts.commits == 1
    for job_id in (before, after):
        doc = h.job(job_id)
        assert doc["status"] == "OK"
        assert h.events_of(doc) == [["RUN", "OK"], ["RUN", "OK"]]
    # the stolen job's steps and the thief's write (part of that job's work) are gone; the
    # claim stands, so the job is retaken once its lease runs out
    doc = h.job(stolen)
    assert doc["intents"] == []
    assert "completed_at" not in doc
    row = _job_row(h, stolen)
    assert row.lease_owner == worker.name
    assert worker.run_once(3) is False
    h.clock.advance(31)
    assert worker.run_once(3) is True
    doc = h.job(stolen)
    assert doc["status"] == "OK"
    assert h.events_of(doc) == [["RUN", "OK"], ["RUN", "OK"]]


def test_a_failing_step_inside_a_batch_leaves_the_others_alone(
    batch_harness: Any, worker: Worker, tally: Any
) -> None:
    h = batch_harness
    plain = h.workflow([h.step("test.noop"), h.step("test.noop")])
    failing = h.workflow([h.step("test.noop"), h.step("test.cancel_then_raise")])
    before = h.submit(plain, {"n": "1"})
    failed = h.submit(failing, {"n": "2"})
    after = h.submit(plain, {"n": "3"})
    with tally(h.runtime) as counts:
        assert worker.run_once(3) is True
    assert counts.commits == 1
    for job_id in (before, after):
        assert h.job(job_id)["status"] == "OK"
    doc = h.job(failed)
    assert doc["status"] == "ERR"  # rescheduled by its retry policy
    assert h.events_of(doc) == [["RUN", "OK"], ["RUN", "ERR"]]
    row = _job_row(h, failed)
    assert row.cancel_requested is False  # the step's write was rolled back with it
    assert row.lease_owner is None


def test_a_crash_mid_batch_commits_nothing_and_the_batch_runs_again(
    batch_harness: Any, worker: Worker
) -> None:
    h = batch_harness
    plain = h.workflow([h.step("test.noop"), h.step("test.noop")])
    crashing = h.workflow([h.step("test.noop"), h.step("test.crash_once")])
    first = h.submit(plain, {"n": "1"})
    second = h.submit(crashing, {"n": "2"})
    h.recorder.crash_once = {f"{second}:{_steps_of(h, second)[1]}"}
    with pytest.raises(h.crash):  # the process dies in the batch's second job
        worker.run_once(2)
    for job_id in (first, second):  # the first job's finished run went with the batch
        doc = h.job(job_id)
        assert doc["intents"] == []
        assert "completed_at" not in doc
    h.clock.advance(31)
    assert worker.run_once(2) is True
    for job_id in (first, second):
        doc = h.job(job_id)
        assert doc["status"] == "OK"
        assert h.events_of(doc) == [["RUN", "OK"], ["RUN", "OK"]]


def _steps_of(h: Any, job_id: Any) -> list[str]:
    with h.runtime.uow() as uow:
        row = uow.session.scalars(select(JobRow).where(JobRow.id == job_id)).one()
        workflow = workflow_store.load_version(uow, row.workflow_version_id)
    return [s.id or "" for s in workflow.steps]


def test_a_job_that_leaves_the_batch_hands_back_the_jobs_after_it(
    batch_harness: Any, worker: Worker
) -> None:
    h = batch_harness
    wf = h.workflow([h.step("test.noop"), h.step("test.effect")])
    job_ids = [h.submit(wf, {"n": str(n)}) for n in range(3)]
    assert worker.run_once(3) is True
    assert h.job(job_ids[0])["status"] == "OK"
    for job_id in job_ids[1:]:  # not started: claimable again at once, by any worker
        assert h.job(job_id)["intents"] == []
        assert _job_row(h, job_id).lease_owner is None
    assert h.drain(worker) == 2
    assert all(h.job(job_id)["status"] == "OK" for job_id in job_ids)
    assert sum(h.recorder.effects.values()) == 3
