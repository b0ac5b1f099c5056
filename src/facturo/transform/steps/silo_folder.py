"""``silo.folder`` (Set folder): move the job's entry to another folder (spec §5.1, §6.2).

Templates use it to file received invoices under ``expenses``. Written in the step's
transaction, so PURE: running it again moves the entry to the same folder.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from facturo.silo import service as silo_service
from facturo.silo.errors import EntryNotFound, TimeBasedIdRequired
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider

NO_ENTRY = "entry.not_found"
TIME_BASED_ID = "uuid.time_based_required"


class FolderConfig(BaseModel):
    """``silo.folder`` config: the folder key (``expenses``, ``sales`` …)."""

    model_config = ConfigDict(extra="allow")

    folder: str = Field(min_length=1, max_length=64)


@provider("silo.folder", config=FolderConfig, effect=Effect.PURE)
def silo_folder(ctx: StepContext, config: FolderConfig) -> StepResult:
    """OK once the entry is in ``folder``; KO ``entry.not_found`` when the job has no entry,
    ``uuid.time_based_required`` when a v4-id entry would move into a time-bound folder."""
    if ctx.job.silo_entry_id is None:
        return StepResult.ko(NO_ENTRY, "the job has no silo entry to move")
    try:
        silo_service.set_folder(
            ctx.uow,
            workspace_id=ctx.job.workspace_id,
            entry_id=ctx.job.silo_entry_id,
            folder=config.folder,
            now=ctx.now,
        )
    except EntryNotFound as exc:
        return StepResult.ko(NO_ENTRY, exc.detail)
    except TimeBasedIdRequired as exc:
        return StepResult.ko(TIME_BASED_ID, exc.detail)
    return StepResult.ok()
