"""Folded PURE steps: one transaction for a run of steps, and a crash or a failure inside it.

The claim and a job's consecutive ``PURE`` steps commit together (engine/fold.py). A crash
inside the run loses all of it, claim included, and the next worker runs every step of it again;
a step that fails inside the run rolls back its own writes only, and the steps before it commit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import select

from facturo.transform.engine.fold import FOLD_STEPS
from facturo.transform.steps.base import StepContext, StepResult, provider
from facturo.transform.tables import ConcurrencyLockRow, JobRow


class WriteConfig(BaseModel):
    fail: bool = False


class Died(BaseException):
    """Stands for the process dying in the middle of a step (not an ``Exception``)."""


@dataclass
class Runs:
    """How often each step ran, by idempotency key, and the steps to die in once."""

    counts: Counter[str] = field(default_factory=Counter)
    die_once: set[str] = field(default_factory=set)


@provider("test.writes", config=WriteConfig)
def writes(ctx: StepContext, config: WriteConfig) -> StepResult:
    """A PURE step with a write of its own (a lock row named for the step), then OK or ERR."""
    runs = ctx.resources.get(Runs)
    runs.counts[ctx.idempotency_key] += 1
    ctx.uow.session.add(
        ConcurrencyLockRow(
            key=ctx.idempotency_key, job_id=ctx.job.id, lease_token=0, expires_at=ctx.now
        )
    )
    ctx.uow.session.flush()
    if ctx.idempotency_key in runs.die_once:
        runs.die_once.discard(ctx.idempotency_key)
        raise Died()
    if config.fail:
        return StepResult.err("busy", "not now")
    return StepResult.ok()


@pytest.fixture
def h(harness: Any) -> Any:
    harness.runtime.registry = harness.runtime.registry.with_(writes)
    harness.runtime.resources.add(Runs())
    return harness


def _runs(h: Any) -> Runs:
    runs: Runs = h.runtime.resources.get(Runs)
    return runs


def _written(h: Any) -> set[str]:
    with h.runtime.uow() as uow:
        return set(uow.session.scalars(select(ConcurrencyLockRow.key)))


def test_a_crash_inside_a_fold_runs_the_whole_fold_again_and_records_each_event_once(
    h: Any,
) -> None:
    steps = [h.step("test.writes") for _ in range(3)]
    job_id = h.submit(h.workflow(steps))
    keys = [f"{job_id}:{s['id']}" for s in steps]
    _runs(h).die_once.add(keys[2])
    with pytest.raises(Died):
        h.worker("a").run_once()  # dies in the third step, the first two checkpointed
    assert h.job(job_id)["intents"] == []  # nothing of the fold was committed
    assert _written(h) == set()
    with h.runtime.uow() as uow:  # the claim went with it: the job is due again at once
        row = uow.session.get(JobRow, (h.workspace.id, job_id))
        assert row is not None
        assert (row.lease_owner, row.lease_token) == (None, 0)
    assert h.worker("b").run_once() is True
    doc = h.job(job_id)
    assert doc["status"] == "OK"
    assert h.events_of(doc) == [["RUN", "OK"]] * 3
    assert [e["index"] for i in doc["intents"] for e in i["events"]] == [0, 1] * 3
    assert [_runs(h).counts[k] for k in keys] == [2, 2, 2]
    assert _written(h) == set(keys)


def test_a_step_failing_inside_a_fold_rolls_back_its_writes_only(h: Any, tally: Any) -> None:
    steps = [h.step("test.writes"), h.step("test.writes", config={"fail": True})]
    job_id = h.submit(h.workflow(steps))
    with tally(h.runtime) as counts:
        assert h.worker("a").run_once() is True
    assert counts.commits == 1
    doc = h.job(job_id)
    assert doc["status"] == "ERR"
    assert h.events_of(doc) == [["RUN", "OK"], ["RUN", "ERR"]]
    assert _written(h) == {f"{job_id}:{steps[0]['id']}"}
    with h.runtime.uow() as uow:
        row = uow.session.get(JobRow, (h.workspace.id, job_id))
        assert row is not None
        assert (row.attempts, row.lease_owner, row.lease_expires_at) == (1, None, None)


def test_a_long_run_of_pure_steps_commits_in_bounded_transactions(h: Any, tally: Any) -> None:
    count = FOLD_STEPS + 3
    job_id = h.submit(h.workflow([h.step("test.noop") for _ in range(count)]))
    with tally(h.runtime) as counts:
        assert h.worker("a").run_once() is True
    assert h.events_of(h.job(job_id)) == [["RUN", "OK"]] * count
    assert counts.commits >= 2  # at most FOLD_STEPS steps a transaction
