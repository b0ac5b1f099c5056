"""``transform.job.create``: start another workflow from this one (Invopop's "Create a job").

Config: ``workflow_id`` and ``silo_entry_meta_key``. The new job runs on this job's entry, or,
when ``silo_entry_meta_key`` is set, on the entry whose id this entry's meta row of that key holds
(its ``ref`` or ``value``): how a party's registration starts jobs on related documents. It gets
this job's args. Exported templates leave both keys empty for the user to fill in, so an empty
``workflow_id`` is accepted on save and answered KO ``job.no_workflow`` when the step runs.

The job is stored in the step's transaction (effect PURE) under the key
``job.create:<job>:<step>``, so it exists exactly when the step's checkpoint commits and a rerun
finds it instead of starting a second one.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import select

from facturo.errors import FacturoError
from facturo.silo import repository as silo_repository
from facturo.transform import jobs
from facturo.transform.errors import JobExists, JobKeyTaken
from facturo.transform.steps.base import StepContext, StepResult, provider
from facturo.transform.tables import JobRow

JOB_ARG = "transform-job-id"


class CreateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workflow_id: str = ""
    silo_entry_meta_key: str = ""

    @field_validator("workflow_id")
    @classmethod
    def _uuid(cls, value: str) -> str:
        if value:
            uuid.UUID(value)
        return value


def _entry_from_meta(ctx: StepContext, key: str) -> uuid.UUID | None:
    if ctx.job.silo_entry_id is None:
        return None
    rows = silo_repository.entry_meta(ctx.uow, ctx.job.workspace_id, ctx.job.silo_entry_id)
    for row in rows:
        if row.key != key:
            continue
        for candidate in (row.ref, row.value):
            try:
                return uuid.UUID(str(candidate))
            except (TypeError, ValueError):
                continue
    return None


@provider("transform.job.create", config=CreateConfig)
def create_job(ctx: StepContext, config: CreateConfig) -> StepResult:
    """Submit the configured workflow as a new job; OK with its id as ``transform-job-id``."""
    if not config.workflow_id:
        return StepResult.ko("job.no_workflow", "the step's config names no workflow_id")
    entry_id = ctx.job.silo_entry_id
    if config.silo_entry_meta_key:
        entry_id = _entry_from_meta(ctx, config.silo_entry_meta_key)
        if entry_id is None:
            return StepResult.ko(
                "job.no_entry", f"no entry id in the meta row {config.silo_entry_meta_key!r}"
            )
    key = f"job.create:{ctx.idempotency_key}"
    try:
        job_id = jobs.submit(
            None,
            ctx.uow,
            workspace_id=ctx.job.workspace_id,
            job_id=None,
            workflow_id=uuid.UUID(config.workflow_id),
            silo_entry_id=entry_id,
            data=None,
            key=key,
            args=dict(ctx.job.args),
            tags=[],
            src_id=str(ctx.job.id),
            commit=False,
        )
    except (JobExists, JobKeyTaken):
        job_id = ctx.uow.session.scalars(
            select(JobRow.id).where(JobRow.workspace_id == ctx.job.workspace_id, JobRow.key == key)
        ).one()
    except FacturoError as exc:
        first = exc.faults[0] if exc.faults else None
        return StepResult.ko("job.invalid", exc.detail, paths=first.paths if first else ())
    return StepResult.ok(args={JOB_ARG: str(job_id)})
