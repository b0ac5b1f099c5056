"""What follows a step's final result: the execution semantics of spec §3.7, as pure functions.

Both the planner (:mod:`facturo.transform.engine.plan`, replaying a job's step log) and the
validator (reachability of steps) ask the same question, "this step ended with status S and code
C; what runs next?", so the answer lives here, once.

The rules, with their sources:

1. Steps run in order; a block's ``steps`` run in order, then, unless the block says ``stop`` or
   ``step_id``, the flow continues with the step after the block's parent (spec §3.7.2).
2. Which block matches a result. A block matches when its status matches (exactly; ``TIMEOUT``
   matches a KO with code ``timeout``, spec §3.7.5; absent, ``""`` and ``NA`` are "Any" and match
   every status, seed 000: "Any, which matches regardless of the status") and its code, if set,
   equals the result's code. When several match, the most specific wins: exact status and code
   (``TIMEOUT`` counts as KO plus code), then exact status, then Any with code, then Any; ties go
   to the earlier block. For a KO this is
   the order "a condition on KO plus code, then a plain exception, then the error flow" (seed
   000); the contract's own order is not published (spec §7.3), and no real template has two
   blocks that can match the same result, so nothing observable depends on the tie rule.
3. A KO that matches a block is handled (an "exception"): the error flow does not run. A KO that
   matches nothing starts ``rescue``; with no rescue steps the job ends as KO (spec §3.7.3).
4. The error flow is not re-entered: a KO in ``rescue`` that no block handles ends the job as KO,
   and however ``rescue`` ends, the job is KO (spec §3.10 shows rescue steps OK and job KO).
5. ``stop: true`` ends the job once its block is done; ``step_id`` continues at that step,
   wherever it is (spec §3.6, legacy "go to").
6. The final status of a job that ends in the main flow is the status of its last final event,
   OK or SKIP counting as OK: the contract sets ``job.status`` from the newest event (spec §3.1).
   So a KO handled by a block that runs steps ends OK if they do, while a KO caught by a bare
   ``{"status": "NA", "stop": true}`` (legacy templates) still ends the job as KO.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from facturo.errors import Invalid
from facturo.transform.statuses import EventStatus
from facturo.transform.workflows.models import ConditionStatus, Next, Step, Workflow
from facturo.transform.workflows.paths import (
    Flow,
    NoSuchStep,
    StepPath,
    flow_of,
    locate,
    pointer,
    resolve,
    siblings,
)

TIMEOUT_CODE = "timeout"
"""The code a step that overran its expected duration ends with (spec §3.7.5)."""


class JobOutcome(StrEnum):
    """How a finished job ended; the job's final ``status`` (spec §3.1)."""

    OK = "OK"  # the job completed
    KO = "KO"  # the job failed (``faults`` say why)


class FinishReason(StrEnum):
    """Why the job ended; for logs and tests, not on the wire."""

    END = "end"  # the main flow ran out of steps
    STOP = "stop"  # a block with ``stop: true`` finished
    UNHANDLED = "unhandled"  # a KO matched no block and there is no ``rescue``
    RESCUED = "rescued"  # the error flow ran to its end (or stopped)
    RESCUE_FAILED = "rescue_failed"  # a step of the error flow ended KO, unhandled


@dataclass(frozen=True, slots=True)
class Run:
    """Run the step at ``path`` next.

    ``resumed`` is set by the planner when the log already holds events of this step (it was
    started, retried or queued before): the worker then resumes it according to the provider's
    effect (run again, idempotency key, or reconcile first) instead of starting it fresh.
    """

    path: StepPath
    step: Step
    resumed: bool = False

    @property
    def flow(self) -> Flow:
        """Whether the step belongs to the main flow or to the error-handling flow."""
        return flow_of(self.path)


@dataclass(frozen=True, slots=True)
class Finish:
    """The job is over: set ``completed_at`` and ``status`` = ``status``.

    ``path`` is the step whose result ended the job (None for a workflow without steps).
    ``knocked_out`` lists, in order, every step that ended KO in this job, handled or not; the
    planner fills it from the log. A KO handled by a condition or a legacy "go to" can end in an
    OK job (rule 6), so this is where the job layer sees that something was knocked out (spec
    §3.3: one fault per KO step).
    """

    status: JobOutcome
    reason: FinishReason
    path: StepPath | None = None
    knocked_out: tuple[StepPath, ...] = ()


Decision = Run | Finish
"""What the engine does next. Retrying (ERR) and waiting (QUEUED) are never decisions here."""


class DanglingGoTo(Invalid):
    """A "go to" (``next[].step_id``) names a step that is not in the workflow."""


def first_step(workflow: Workflow) -> Decision:
    """Where a new job starts: the first main step, or an immediate OK for an empty workflow."""
    if not workflow.steps:
        return Finish(JobOutcome.OK, FinishReason.END)
    return Run((Flow.MAIN.value, 0), workflow.steps[0])


def match_next(blocks: list[Next] | None, status: EventStatus, code: str) -> int | None:
    """The index of the block a result takes, by rule 2 of the module docstring, or None."""
    best: tuple[int, int, int] | None = None
    for index, block in enumerate(blocks or ()):
        if block.matches_any_status:
            status_rank = 1
        elif _status_matches(block.status, status, code):
            status_rank = 0
        else:
            continue
        if block.code and block.code != code:
            continue
        code_rank = 0 if block.code or block.status is ConditionStatus.TIMEOUT else 1
        rank = (status_rank, code_rank, index)
        if best is None or rank < best:
            best = rank
    return None if best is None else best[2]


def _status_matches(wanted: ConditionStatus | None, status: EventStatus, code: str) -> bool:
    if wanted is ConditionStatus.TIMEOUT:
        return status is EventStatus.KO and code == TIMEOUT_CODE
    return wanted is not None and wanted.value == status.value


def after_result(
    workflow: Workflow, path: StepPath, status: EventStatus, code: str = ""
) -> Decision:
    """What follows when the step at ``path`` ends with a final ``status`` and ``code``."""
    if not status.is_final:
        raise ValueError(f"{status} is not a final status; the worker retries or waits on it")
    step = resolve(workflow, path)
    index = match_next(step.next, status, code)
    if index is None:
        if status is EventStatus.KO:
            return _unhandled_ko(workflow, path)
        return _continue_after(workflow, path, status, path)
    block = (step.next or [])[index]
    if block.steps:
        block_path = (*path, "next", index, "steps", 0)
        return Run(block_path, block.steps[0])
    return _complete_block(workflow, path, block, status, path)


def _unhandled_ko(workflow: Workflow, path: StepPath) -> Decision:
    if flow_of(path) is Flow.RESCUE:
        return Finish(JobOutcome.KO, FinishReason.RESCUE_FAILED, path)
    if workflow.rescue:
        return Run((Flow.RESCUE.value, 0), workflow.rescue[0])
    return Finish(JobOutcome.KO, FinishReason.UNHANDLED, path)


def _continue_after(
    workflow: Workflow, path: StepPath, last: EventStatus, ended_at: StepPath
) -> Decision:
    """The step at ``path`` and its own block are done: move to what follows it.

    ``ended_at`` is the step whose result is being followed, named in a :class:`Finish`.
    """
    index = _index(path[-1])
    steps = siblings(workflow, path)
    if index + 1 < len(steps):
        return Run((*path[:-1], index + 1), steps[index + 1])
    if len(path) == 2:
        return _finish(ended_at, FinishReason.END, last)
    parent = path[:-4]
    block = (resolve(workflow, parent).next or [])[_index(path[-3])]
    return _complete_block(workflow, parent, block, last, ended_at)


def _complete_block(
    workflow: Workflow, parent: StepPath, block: Next, last: EventStatus, ended_at: StepPath
) -> Decision:
    """A block of ``parent`` is done (its steps ran, or it had none): apply stop or go to."""
    if block.stop:
        return _finish(ended_at, FinishReason.STOP, last)
    if block.step_id:
        target = locate(workflow, block.step_id)
        if target is None:
            raise DanglingGoTo(f"{pointer(parent)} goes to missing step {block.step_id}")
        return Run(target, resolve(workflow, target))
    return _continue_after(workflow, parent, last, ended_at)


def _index(token: str | int) -> int:
    if not isinstance(token, int):
        raise NoSuchStep(f"{token!r} is not a list index")
    return token


def _finish(path: StepPath, reason: FinishReason, last: EventStatus) -> Finish:
    if flow_of(path) is Flow.RESCUE:
        return Finish(JobOutcome.KO, FinishReason.RESCUED, path)
    status = JobOutcome.KO if last is EventStatus.KO else JobOutcome.OK
    return Finish(status, reason, path)
