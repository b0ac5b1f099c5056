"""``cron.subscribe`` / ``cron.unsubscribe``: run a workflow on this entry every hour or day.

Config as Invopop's templates write it: ``workflow_id``, ``interval`` (``hourly``/``daily``) and
``factor`` (``6`` with ``hourly`` = every six hours). Exported templates leave ``workflow_id``
empty for the user to fill in, so an empty id is accepted when the workflow is saved and answered
KO ``cron.no_workflow`` when a job reaches the step. The scheduled jobs receive the args ``from``
and ``upto`` (:mod:`facturo.transform.schedules`). The schedule row is written in the step's
transaction (effect PURE).
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, field_validator

from facturo.transform import schedules, workflow_store
from facturo.transform.errors import WorkflowNotFound
from facturo.transform.steps.base import StepContext, StepResult, provider


def _workflow_id(value: str) -> str:
    if value:
        uuid.UUID(value)
    return value


class SubscribeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workflow_id: str = ""
    interval: schedules.Interval = schedules.Interval.DAILY
    factor: int = Field(default=1, ge=1, le=10_000)

    _check_id = field_validator("workflow_id")(_workflow_id)


class UnsubscribeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workflow_id: str = ""

    _check_id = field_validator("workflow_id")(_workflow_id)


def _target(ctx: StepContext, workflow_id: str) -> uuid.UUID | StepResult:
    if not workflow_id:
        return StepResult.ko("cron.no_workflow", "the step's config names no workflow_id")
    target = uuid.UUID(workflow_id)
    try:
        workflow_store.pinned_version(
            ctx.uow, workspace_id=ctx.job.workspace_id, workflow_id=target
        )
    except WorkflowNotFound:
        return StepResult.ko("cron.workflow_not_found", f"no workflow {target} in this workspace")
    return target


@provider("cron.subscribe", config=SubscribeConfig)
def subscribe(ctx: StepContext, config: SubscribeConfig) -> StepResult:
    """Create or update this entry's schedule for the configured workflow."""
    if ctx.job.silo_entry_id is None:
        return StepResult.ko("entry.missing", "the job has no Silo entry to schedule")
    target = _target(ctx, config.workflow_id)
    if isinstance(target, StepResult):
        return target
    schedule = schedules.subscribe(
        ctx.uow,
        workspace_id=ctx.job.workspace_id,
        entry_id=ctx.job.silo_entry_id,
        workflow_id=target,
        interval=config.interval,
        factor=config.factor,
        now=ctx.now,
    )
    return StepResult.ok(
        args={
            "cron-schedule-id": str(schedule.id),
            "cron-next": schedules.stamp(schedule.next_run_at),
        }
    )


@provider("cron.unsubscribe", config=UnsubscribeConfig)
def unsubscribe(ctx: StepContext, config: UnsubscribeConfig) -> StepResult:
    """Stop this entry's schedules (all of them, or the configured workflow's)."""
    if ctx.job.silo_entry_id is None:
        return StepResult.ko("entry.missing", "the job has no Silo entry to unschedule")
    stopped = schedules.unsubscribe(
        ctx.uow,
        workspace_id=ctx.job.workspace_id,
        entry_id=ctx.job.silo_entry_id,
        workflow_id=uuid.UUID(config.workflow_id) if config.workflow_id else None,
        now=ctx.now,
    )
    if not stopped:
        return StepResult.skip("cron.not_subscribed", "the entry had no active schedule")
    return StepResult.ok(message=f"{stopped} schedule(s) stopped")


__all__ = ["SubscribeConfig", "UnsubscribeConfig", "subscribe", "unsubscribe"]
