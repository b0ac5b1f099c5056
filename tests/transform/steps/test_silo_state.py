"""``silo.state``: the state lands on the entry with the job's faults, in the step's transaction."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from facturo.errors import Fault
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.service import Source
from facturo.transform.statuses import EventStatus
from facturo.transform.steps.base import JobInfo, StepContext
from facturo.transform.steps.silo_state import NO_ENTRY, StateConfig, silo_state
from facturo.transform.steps.testing import step_context

SHARED = Path(__file__).resolve().parents[4] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


def _entry(runtime: Runtime, workspace: Workspace) -> uuid.UUID:
    with runtime.uow() as uow:
        entry = silo_service.create_entry(
            uow, workspace_id=workspace.id, data=INVOICE, source=Source("test", "t")
        )
    return entry.id


def _ctx(
    runtime: Runtime,
    workspace: Workspace,
    entry_id: uuid.UUID | None,
    faults: tuple[Fault, ...] = (),
) -> tuple[StepContext, JobInfo]:
    ctx = step_context(
        runtime.uow(),
        workspace_id=workspace.id,
        action="silo.state",
        now=NOW,
        entry_id=entry_id,
        faults=faults,
    )
    return ctx, ctx.job


def test_sets_the_state_with_the_job_faults_and_commits_with_the_step(
    runtime: Runtime, workspace: Workspace
) -> None:
    entry_id = _entry(runtime, workspace)
    fault = Fault("4107", "NIF no identificado", ("$.doc.customer.tax_id",), "verifactu.send")
    ctx, job = _ctx(runtime, workspace, entry_id, (fault,))
    config = silo_state.parse_config({"state": "error"})
    with ctx.uow:
        result = silo_state.run(ctx, config)
        assert result.status is EventStatus.OK
        ctx.uow.commit()
    with runtime.uow() as uow:
        entry = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry_id)
        states = silo_service.list_states(uow, workspace_id=workspace.id, entry_id=entry_id)
    assert entry.state == "error"
    assert entry.faults == [fault]
    assert [(s.key, s.src, s.src_id, s.at) for s in states] == [
        ("error", "transform", str(job.id), NOW)
    ]


def test_nothing_is_written_when_the_engine_does_not_commit(
    runtime: Runtime, workspace: Workspace
) -> None:
    entry_id = _entry(runtime, workspace)
    ctx, _ = _ctx(runtime, workspace, entry_id)
    with ctx.uow:
        assert silo_state.run(ctx, StateConfig(state="sent")).status is EventStatus.OK
    with runtime.uow() as uow:
        assert (
            silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry_id).state is None
        )


@pytest.mark.parametrize("entry", ["none", "unknown"])
def test_without_an_entry_it_is_ko(runtime: Runtime, workspace: Workspace, entry: str) -> None:
    ctx, _ = _ctx(runtime, workspace, None if entry == "none" else uuid7())
    with ctx.uow:
        result = silo_state.run(ctx, StateConfig(state="sent"))
    assert (result.status, result.code) == (EventStatus.KO, NO_ENTRY)


@pytest.mark.parametrize("config", [{}, {"state": ""}, {"state": "Sent"}])
def test_config_is_checked(config: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        silo_state.parse_config(config)
