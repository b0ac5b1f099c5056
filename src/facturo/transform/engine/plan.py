"""The planner: from a workflow version and a job's step log, what the engine does next. PURE.

The worker calls :func:`plan_next` after every checkpoint, and again when it reclaims a job whose
lease expired. The planner replays the whole log from the first step, following each final result
through :func:`facturo.transform.workflows.flow.after_result`, so the answer depends on nothing
but the (immutable) published version and the log: a crash at any point resumes at the same step
(ARCHITECTURE.md, "Durable execution"). Replaying also checks the log: every event must belong to
the step the workflow says was running, or :class:`LogMismatch` is raised rather than guessing.

The boundary with the worker:

- Only OK, SKIP and KO move the job on. ERR (try again) and QUEUED (more time, ``retry_in``) are
  the worker's business, decided by :mod:`facturo.transform.engine.retry`; in the log they, like
  RUN, POKE and CANCEL, only mark the step as started, so the next :class:`Run` of it comes back
  with ``resumed=True`` and the worker resumes it by the provider's effect (run again, reuse the
  idempotency key, or reconcile first; STYLE.md "Step providers").
- When the retry policy gives up, the worker records the step's final KO (with the fault) and asks
  the planner again; the KO then follows the normal rules (conditions, exceptions, rescue).
- Cancelling a job is the job layer's decision; the planner only sees what the log holds.

Replaying is linear in the log's length; logs are a handful of events per step, and validation
only lets "go to" jump forward, so each step runs at most once per job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from facturo.errors import Conflict
from facturo.transform.statuses import EventStatus
from facturo.transform.workflows.flow import (
    Decision,
    Finish,
    FinishReason,
    JobOutcome,
    Run,
    after_result,
    first_step,
)
from facturo.transform.workflows.models import Workflow
from facturo.transform.workflows.paths import StepPath, pointer

__all__ = [
    "Decision",
    "Finish",
    "FinishReason",
    "JobOutcome",
    "LogEntry",
    "LogMismatch",
    "Run",
    "plan_next",
]


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One event of the job's step log, as the planner needs it.

    ``path`` says which step the event belongs to (see ``workflows.paths``); ``step_id``, when
    given, is checked against the step found there. ``code`` matters only for final statuses.
    """

    path: StepPath
    status: EventStatus
    code: str = ""
    step_id: str | None = None


class LogMismatch(Conflict):
    """The step log does not follow this workflow version; plan against the version the job ran."""


def plan_next(workflow: Workflow, log: Sequence[LogEntry]) -> Decision:
    """Replay ``log`` over ``workflow`` and return the next decision: a step to run, or the end.

    ``log`` is every event of the job in order (a job's intents' events, flattened). Raises
    :class:`LogMismatch` if an event names another step than the one running, or comes after the
    job finished.
    """
    decision = first_step(workflow)
    knocked_out: list[StepPath] = []
    for number, entry in enumerate(log):
        if isinstance(decision, Finish):
            raise LogMismatch(f"event {number} at {pointer(entry.path)} follows the end of the job")
        path = tuple(entry.path)
        if path != decision.path:
            raise LogMismatch(
                f"event {number} is for {pointer(path)}, but {pointer(decision.path)} was running"
            )
        if entry.step_id is not None and entry.step_id != decision.step.id:
            raise LogMismatch(
                f"event {number} names step {entry.step_id}, "
                f"but {pointer(path)} is step {decision.step.id}"
            )
        if entry.status.is_final:
            if entry.status is EventStatus.KO:
                knocked_out.append(path)
            decision = after_result(workflow, path, entry.status, entry.code)
        else:
            decision = replace(decision, resumed=True)
    if isinstance(decision, Finish):
        return replace(decision, knocked_out=tuple(knocked_out))
    return decision
