"""``silo.state`` (Set state): record a state on the job's entry (spec §5.1, §6.1).

The state carries the job's faults so far, as the contract's ``SiloEntry.faults`` are "faults
from the job that set the latest state": a rescue flow that sets ``error`` shows why. The state
is written in the step's transaction (``ctx.uow``), so the effect is PURE: a step run again
after a crash before its checkpoint writes it again, at a new time, and nothing else happened.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from facturo.silo import service as silo_service
from facturo.silo.errors import EntryNotFound
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider

NO_ENTRY = "entry.not_found"


class StateConfig(BaseModel):
    """``silo.state`` config: the state key (``sent``, ``error`` … any lowercase key)."""

    model_config = ConfigDict(extra="allow")

    state: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")


@provider("silo.state", config=StateConfig, effect=Effect.PURE)
def silo_state(ctx: StepContext, config: StateConfig) -> StepResult:
    """OK once the state is recorded; KO ``entry.not_found`` when the job has no entry."""
    if ctx.job.silo_entry_id is None:
        return StepResult.ko(NO_ENTRY, "the job has no silo entry to set a state on")
    try:
        silo_service.set_state(
            ctx.uow,
            workspace_id=ctx.job.workspace_id,
            entry_id=ctx.job.silo_entry_id,
            key=config.state,
            src="transform",
            src_id=str(ctx.job.id),
            faults=ctx.job.faults,
            now=ctx.now,
        )
    except EntryNotFound as exc:
        return StepResult.ko(NO_ENTRY, exc.detail)
    return StepResult.ok()
