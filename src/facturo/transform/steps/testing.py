"""Running one step by hand, outside the engine: for provider tests and for trying a provider out.

The engine builds a :class:`StepContext` for every attempt (``engine/worker.py``); a provider's own
tests need the same object around a real unit of work, without a job row or a worker. This is the
one place that builds it, so every provider test speaks to the contract the engine honours, as
procrastinate ships ``testing.py`` for its tasks.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from facturo.errors import Fault
from facturo.platform.ids import uuid7
from facturo.platform.uow import UnitOfWork
from facturo.transform.steps.base import JobInfo, Provider, Resources, StepContext, StepResult


def step_context(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    action: str,
    now: datetime,
    entry_id: uuid.UUID | None = None,
    job_id: uuid.UUID | None = None,
    args: Mapping[str, str] | None = None,
    faults: tuple[Fault, ...] = (),
    resources: Resources | None = None,
    step_id: str | None = None,
    pointer: str = "#/steps/0",
    attempt: int = 1,
    resumed: bool = False,
) -> StepContext:
    """A context for one attempt of ``action`` in a job of its own (or ``job_id``'s)."""
    job = JobInfo(
        id=job_id or uuid7(),
        workspace_id=workspace_id,
        workflow_id=uuid7(),
        key=None,
        args=dict(args or {}),
        silo_entry_id=entry_id,
        faults=faults,
    )
    return StepContext(
        job=job,
        step_id=step_id or f"{action}-step",
        step_name=action,
        action=action,
        pointer=pointer,
        attempt=attempt,
        resumed=resumed,
        uow=uow,
        now=now,
        resources=resources or Resources(),
        log=logging.LoggerAdapter(logging.getLogger(f"facturo.steps.{action}"), {}),
    )


def run_sync(
    step: Provider[Any], ctx: StepContext, raw_config: Mapping[str, Any] | None = None
) -> StepResult:
    """Run a synchronous provider once, as the engine does (the caller commits or not)."""
    result = step.run(ctx, step.parse_config(raw_config))
    if not isinstance(result, StepResult):
        raise TypeError(f"{step.id} is asynchronous; await step.run(...) instead")
    return result
