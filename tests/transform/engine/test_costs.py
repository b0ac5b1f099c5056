"""What a job costs the database: one connection per job, one commit for a run of PURE steps.

The benchmark (``benchmarks/bench_engine.py``) measures the speed; these tests pin the work that
makes it, on both databases: the claim and the job's ``PURE`` steps share one transaction (one
commit), whose checkpoints are written together (one insert of intents, one of events, one
fenced update of the job row that also completes the job; on PostgreSQL all three are one
statement); a step with an outside effect commits its RUN event with the steps before it, and
its result on its own.
"""

from __future__ import annotations

from typing import Any

from facturo.platform.runtime import Runtime
from facturo.transform import jobs
from facturo.transform.engine.worker import Worker
from facturo.transform.events import JobFinished
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider


def test_a_job_of_pure_steps_is_claimed_run_and_completed_in_one_commit(
    harness: Any, worker: Worker, tally: Any
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
    assert counts.commits == 1
    # the claim, then one fenced update for the three steps, which also completes the job
    assert counts.job_updates() == 2
    inserts = [s.split(" (")[0] for s in counts.statements if s.startswith("INSERT")]
    if h.runtime.engine.dialect.name == "postgresql":  # intents and events go with the update
        assert inserts == []
    else:
        assert inserts == ["INSERT INTO transform_intent", "INSERT INTO transform_event"]
    assert not any(s.startswith("SAVEPOINT") for s in counts.statements), counts.statements


def test_an_outside_effect_commits_its_run_with_the_steps_before_it(
    harness: Any, worker: Worker, tally: Any
) -> None:
    h = harness
    wf = h.workflow([h.step("test.noop"), h.step("test.effect"), h.step("test.noop")])
    job_id = h.submit(wf)
    with tally(h.runtime) as counts:
        assert worker.run_once() is True
    doc = h.job(job_id)
    assert doc["status"] == "OK"
    assert h.events_of(doc) == [["RUN", "OK"], ["RUN", "OK"], ["RUN", "OK"]]
    # claim + noop + the effect's RUN; the effect's result; the last noop completes the job
    assert counts.commits == 3
    assert sum(h.recorder.effects.values()) == 1


class Canceller:
    """Lets a step ask for its own job's cancel, as the API would while the step runs.

    The step has an outside effect, so it runs outside the transaction of the steps before it
    (its RUN is committed first): a ``PURE`` step runs inside a transaction that already holds
    its job's row, so a cancel arriving meanwhile waits for that transaction's commit.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime


@provider("test.cancels", effect=Effect.IDEMPOTENT)
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
