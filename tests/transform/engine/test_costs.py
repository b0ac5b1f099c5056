"""What a job costs the database: one connection per job, one commit and one job update per step.

The benchmark (``benchmarks/bench_engine.py``) measures the speed; these tests pin the work that
makes it, on both databases: a claim and then, for each ``PURE`` step, a single transaction
whose one fenced update of the job row also completes the job after its last step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from facturo.platform.runtime import Runtime
from facturo.transform import jobs
from facturo.transform.engine.worker import Worker
from facturo.transform.events import JobFinished
from facturo.transform.steps.base import StepContext, StepResult, provider


@dataclass
class Tally:
    checkouts: int = 0
    commits: int = 0
    statements: list[str] = field(default_factory=list)

    def job_updates(self) -> int:
        return sum("UPDATE transform_job SET " in s for s in self.statements)


@contextmanager
def tally(runtime: Runtime) -> Iterator[Tally]:
    """Count pool checkouts, commits and statements while the block runs."""
    counts = Tally()
    engine = runtime.engine

    def checkout(*_: Any) -> None:
        counts.checkouts += 1

    def commit(*_: Any) -> None:
        counts.commits += 1

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        counts.statements.append(" ".join(sql.split()))

    listeners: list[tuple[Any, str, Any]] = [
        (engine.pool, "checkout", checkout),
        (engine, "commit", commit),
        (engine, "before_cursor_execute", statement),
    ]
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    try:
        yield counts
    finally:
        for target, name, fn in listeners:
            event.remove(target, name, fn)


def test_a_job_of_pure_steps_costs_a_claim_and_one_commit_per_step(
    harness: Any, worker: Worker
) -> None:
    h = harness
    wf = h.workflow([h.step("test.noop"), h.step("test.skip"), h.step("test.noop")])
    job_id = h.submit(wf)
    with tally(h.runtime) as counts:
        assert worker.run_once() is True
    doc = h.job(job_id)
    assert doc["status"] == "OK"
    assert h.events_of(doc) == [["RUN", "OK"], ["RUN", "SKIP"], ["RUN", "OK"]]
    assert counts.checkouts == 1
    assert counts.commits == 1 + 3
    assert counts.job_updates() == 1 + 3  # the last step's fenced update completes the job


class Canceller:
    """Lets a step ask for its own job's cancel, as the API would while the step runs."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime


@provider("test.cancels")
def cancels(ctx: StepContext, config: Any) -> StepResult:
    runtime = ctx.resources.get(Canceller).runtime
    with runtime.uow() as uow:
        jobs.cancel(runtime, uow, workspace_id=ctx.job.workspace_id, job_id=ctx.job.id)
    return StepResult.ok()


def test_a_cancel_during_the_last_step_ends_the_job_ko_cancelled(
    harness: Any, worker: Worker
) -> None:
    h = harness
    h.runtime.registry = h.runtime.registry.with_(cancels)
    h.runtime.resources.add(Canceller(h.runtime))
    seen: list[JobFinished] = []
    h.runtime.job_finished_hooks.append(lambda uow, finished: seen.append(finished))
    wf = h.workflow([h.step("test.noop"), h.step("test.cancels")])
    job_id = h.submit(wf)
    assert h.drain(worker) == 1
    doc = h.job(job_id)
    assert doc["status"] == "KO"
    assert "completed_at" in doc
    assert h.events_of(doc) == [["RUN", "OK"], ["RUN", "OK"]]
    assert [f["code"] for f in doc["faults"]] == ["cancelled"]
    assert [(e.job_id, e.status) for e in seen] == [(job_id, "KO")]
