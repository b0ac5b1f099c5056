"""Scheduled jobs (``cron.subscribe``/``unsubscribe``) and ``transform.job.create``.

The scheduler submits one job per due window with ``from``/``upto`` args, never twice for a
window, and one job for a whole gap after downtime; the steps write in the step's transaction.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.service import Source
from facturo.silo.service_meta import MetaFields, upsert_meta
from facturo.transform import schedules
from facturo.transform.statuses import EventStatus
from facturo.transform.steps import cron
from facturo.transform.steps.base import Provider, StepResult
from facturo.transform.steps.job_create import JOB_ARG, create_job
from facturo.transform.steps.testing import run_sync, step_context
from facturo.transform.tables import JobRow
from facturo.transform.workflows.validate import (
    WorkflowInvalid,
    parse_workflow,
    validate_workflow,
)

from .conftest import make_workflow, step

SHARED = Path(__file__).resolve().parents[3] / "shared"
PARTY = json.loads((SHARED / "data/invopop/gobl/es-supplier-party.json").read_text())
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def entry_id(runtime: Runtime, workspace: Workspace) -> uuid.UUID:
    with runtime.uow() as uow:
        return silo_service.create_entry(
            uow, workspace_id=workspace.id, data=PARTY, source=Source("test", "t")
        ).id


@pytest.fixture
def target(runtime: Runtime, workspace: Workspace) -> uuid.UUID:
    return make_workflow(runtime, workspace, [step("silo.state", config={"state": "processing"})])


def run(
    runtime: Runtime,
    workspace: Workspace,
    provider: Provider[Any],
    config: dict[str, Any],
    entry_id: uuid.UUID | None,
    *,
    job_id: uuid.UUID | None = None,
) -> StepResult:
    with runtime.uow() as uow:
        ctx = step_context(
            uow,
            workspace_id=workspace.id,
            action=provider.id,
            now=NOW,
            entry_id=entry_id,
            job_id=job_id,
            args={"batch": "7"},
        )
        result = run_sync(provider, ctx, config)
        uow.commit()
    return result


@dataclass(frozen=True)
class Job:
    id: uuid.UUID
    silo_entry_id: uuid.UUID | None
    args: dict[str, str]


def jobs_of(runtime: Runtime, workflow_id: uuid.UUID) -> list[Job]:
    with runtime.uow() as uow:
        rows = uow.session.scalars(
            select(JobRow).where(JobRow.workflow_id == workflow_id).order_by(JobRow.created_at)
        )
        return [Job(r.id, r.silo_entry_id, dict(r.args)) for r in rows]


def test_a_schedule_submits_one_job_per_window(
    runtime: Runtime, workspace: Workspace, entry_id: uuid.UUID, target: uuid.UUID
) -> None:
    config = {"workflow_id": str(target), "interval": "hourly", "factor": 6}
    result = run(runtime, workspace, cron.subscribe, config, entry_id)
    assert result.status is EventStatus.OK
    assert result.args["cron-next"] == "2026-11-22T16:00:00Z"

    assert schedules.run_due(runtime, now=NOW + timedelta(hours=5)) == 0
    assert schedules.run_due(runtime, now=NOW + timedelta(hours=6)) == 1
    assert schedules.run_due(runtime, now=NOW + timedelta(hours=6, minutes=1)) == 0
    [job] = jobs_of(runtime, target)
    assert job.silo_entry_id == entry_id
    assert job.args == {"from": "2026-11-22T10:00:00Z", "upto": "2026-11-22T16:00:00Z"}

    # After a day down, one job covers the whole gap; the rhythm keeps its phase (every 6 h
    # from 16:00), so the next run is at 22:00 the next day.
    assert schedules.run_due(runtime, now=NOW + timedelta(hours=31)) == 1
    second = jobs_of(runtime, target)[-1]
    assert second.args == {"from": "2026-11-22T16:00:00Z", "upto": "2026-11-23T17:00:00Z"}
    assert schedules.run_due(runtime, now=NOW + timedelta(hours=35, minutes=59)) == 0
    assert schedules.run_due(runtime, now=NOW + timedelta(hours=36)) == 1


def test_subscribing_again_keeps_the_window_and_unsubscribing_stops_it(
    runtime: Runtime, workspace: Workspace, entry_id: uuid.UUID, target: uuid.UUID
) -> None:
    run(runtime, workspace, cron.subscribe, {"workflow_id": str(target)}, entry_id)
    again = run(
        runtime,
        workspace,
        cron.subscribe,
        {"workflow_id": str(target), "interval": "hourly"},
        entry_id,
    )
    assert again.args["cron-next"] == "2026-11-22T11:00:00Z"
    stopped = run(runtime, workspace, cron.unsubscribe, {}, entry_id)
    assert stopped.status is EventStatus.OK
    assert schedules.run_due(runtime, now=NOW + timedelta(days=3)) == 0
    assert jobs_of(runtime, target) == []
    nothing = run(runtime, workspace, cron.unsubscribe, {}, entry_id)
    assert (nothing.status, nothing.code) == (EventStatus.SKIP, "cron.not_subscribed")


def test_templates_with_blank_workflow_ids_save_but_knock_out_when_run(
    runtime: Runtime, workspace: Workspace, entry_id: uuid.UUID
) -> None:
    blank = run(runtime, workspace, cron.subscribe, {"workflow_id": ""}, entry_id)
    assert (blank.status, blank.code) == (EventStatus.KO, "cron.no_workflow")
    unknown = run(runtime, workspace, cron.subscribe, {"workflow_id": str(uuid.uuid4())}, entry_id)
    assert (unknown.status, unknown.code) == (EventStatus.KO, "cron.workflow_not_found")
    blank_job = run(runtime, workspace, create_job, {"workflow_id": ""}, entry_id)
    assert (blank_job.status, blank_job.code) == (EventStatus.KO, "job.no_workflow")


def test_a_malformed_workflow_id_is_refused_when_the_workflow_is_saved(runtime: Runtime) -> None:
    document = {
        "name": "bad",
        "steps": [step("cron.subscribe", config={"workflow_id": "not-a-uuid"})],
    }
    with pytest.raises(WorkflowInvalid) as caught:
        validate_workflow(parse_workflow(document), runtime.registry)
    assert any("#/steps/0/config/workflow_id" in str(f.paths) for f in caught.value.faults)


def test_job_create_starts_one_job_however_often_the_step_runs(
    runtime: Runtime, workspace: Workspace, entry_id: uuid.UUID, target: uuid.UUID
) -> None:
    job_id = uuid.uuid4()
    first = run(
        runtime, workspace, create_job, {"workflow_id": str(target)}, entry_id, job_id=job_id
    )
    again = run(
        runtime, workspace, create_job, {"workflow_id": str(target)}, entry_id, job_id=job_id
    )
    assert first.status is EventStatus.OK
    assert again.args[JOB_ARG] == first.args[JOB_ARG]
    [job] = jobs_of(runtime, target)
    assert (str(job.id), job.silo_entry_id, job.args) == (
        first.args[JOB_ARG],
        entry_id,
        {"batch": "7"},
    )


def test_job_create_can_target_the_entry_a_meta_row_names(
    runtime: Runtime, workspace: Workspace, entry_id: uuid.UUID, target: uuid.UUID
) -> None:
    with runtime.uow() as uow:
        other = silo_service.create_entry(
            uow, workspace_id=workspace.id, data=PARTY, source=Source("test", "t")
        ).id
        upsert_meta(
            uow,
            workspace_id=workspace.id,
            entry_id=entry_id,
            src="test",
            key="linked-entry",
            fields=MetaFields(ref=str(other)),
        )
        uow.commit()
    config = {"workflow_id": str(target), "silo_entry_meta_key": "linked-entry"}
    assert run(runtime, workspace, create_job, config, entry_id).status is EventStatus.OK
    [job] = jobs_of(runtime, target)
    assert job.silo_entry_id == other
    missing = {"workflow_id": str(target), "silo_entry_meta_key": "absent"}
    result = run(runtime, workspace, create_job, missing, entry_id)
    assert (result.status, result.code) == (EventStatus.KO, "job.no_entry")
