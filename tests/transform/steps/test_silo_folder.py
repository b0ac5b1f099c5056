"""``silo.folder``: the entry moves to the configured folder, in the step's transaction."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.service import Source
from facturo.transform.statuses import EventStatus
from facturo.transform.steps.base import StepContext
from facturo.transform.steps.silo_folder import NO_ENTRY, TIME_BASED_ID, silo_folder
from facturo.transform.steps.testing import step_context

SHARED = Path(__file__).resolve().parents[4] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
PARTY = json.loads((SHARED / "data/invopop/gobl/es-supplier-party.json").read_text())
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


def _ctx(runtime: Runtime, workspace: Workspace, entry_id: uuid.UUID | None) -> StepContext:
    return step_context(
        runtime.uow(), workspace_id=workspace.id, action="silo.folder", now=NOW, entry_id=entry_id
    )


def test_moves_the_entry_to_the_folder(runtime: Runtime, workspace: Workspace) -> None:
    with runtime.uow() as uow:
        entry_id = silo_service.create_entry(
            uow, workspace_id=workspace.id, data=INVOICE, source=Source("test", "t")
        ).id
    ctx = _ctx(runtime, workspace, entry_id)
    with ctx.uow:
        result = silo_folder.run(ctx, silo_folder.parse_config({"folder": "expenses"}))
        assert result.status is EventStatus.OK
        ctx.uow.commit()
    with runtime.uow() as uow:
        entry = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry_id)
    assert (entry.folder, entry.updated_at) == ("expenses", NOW)


def test_an_unknown_entry_is_ko(runtime: Runtime, workspace: Workspace) -> None:
    ctx = _ctx(runtime, workspace, uuid7())
    with ctx.uow:
        result = silo_folder.run(ctx, silo_folder.parse_config({"folder": "expenses"}))
    assert (result.status, result.code) == (EventStatus.KO, NO_ENTRY)


@pytest.mark.parametrize("config", [{}, {"folder": ""}, {"folder": "x" * 65}])
def test_config_is_checked(config: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        silo_folder.parse_config(config)


def test_a_v4_entry_cannot_move_into_a_time_bound_folder(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.uow() as uow:
        entry_id = silo_service.create_entry(
            uow,
            workspace_id=workspace.id,
            data=PARTY,
            entry_id=uuid.uuid4(),
            source=Source("test", "t"),
        ).id
    ctx = _ctx(runtime, workspace, entry_id)
    with ctx.uow:
        result = silo_folder.run(ctx, silo_folder.parse_config({"folder": "sales"}))
    assert (result.status, result.code) == (EventStatus.KO, TIME_BASED_ID)
    with runtime.uow() as uow:
        entry = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry_id)
    assert entry.folder == "customers"
