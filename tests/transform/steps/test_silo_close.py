"""``silo.close``: sign the entry; "already signed" is OK; an unsignable envelope is KO."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from facturo.gobl.dsig import PrivateKey, verify_signature
from facturo.platform import secrets
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.service import Source
from facturo.transform.statuses import EventStatus
from facturo.transform.steps.base import Resources, StepContext
from facturo.transform.steps.silo_close import ALREADY_SIGNED, NO_ENTRY, silo_close
from facturo.transform.steps.testing import step_context

SHARED = Path(__file__).resolve().parents[4] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


def _entry(runtime: Runtime, workspace: Workspace, data: dict[str, Any]) -> uuid.UUID:
    with runtime.uow() as uow:
        return silo_service.create_entry(
            uow, workspace_id=workspace.id, data=data, source=Source("test", "t")
        ).id


def _ctx(
    runtime: Runtime, workspace: Workspace, entry_id: uuid.UUID | None
) -> tuple[StepContext, PrivateKey]:
    key = secrets.signing_key(runtime.settings)
    ctx = step_context(
        runtime.uow(),
        workspace_id=workspace.id,
        action="silo.close",
        now=NOW,
        entry_id=entry_id,
        resources=Resources(key),
    )
    return ctx, key


def _data(runtime: Runtime, workspace: Workspace, entry_id: uuid.UUID) -> dict[str, Any]:
    with runtime.uow() as uow:
        return silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry_id).data


def test_signs_the_entry_then_already_signed_is_ok(runtime: Runtime, workspace: Workspace) -> None:
    entry_id = _entry(runtime, workspace, INVOICE)
    ctx, key = _ctx(runtime, workspace, entry_id)
    with ctx.uow:
        result = silo_close.run(ctx, silo_close.parse_config(None))
        assert (result.status, result.message) == (EventStatus.OK, "")
        ctx.uow.commit()
    data = _data(runtime, workspace, entry_id)
    payload = verify_signature(data["sigs"][0], [key.public()])
    assert payload["iat"] == int(NOW.timestamp())
    again, _ = _ctx(runtime, workspace, entry_id)
    with again.uow:
        result = silo_close.run(again, None)
        again.uow.commit()
    assert (result.status, result.message) == (EventStatus.OK, ALREADY_SIGNED)
    assert _data(runtime, workspace, entry_id)["sigs"] == data["sigs"]


def test_an_invoice_without_code_is_ko_with_gobls_fault(
    runtime: Runtime, workspace: Workspace
) -> None:
    draft = copy.deepcopy(INVOICE)
    del draft["code"]
    entry_id = _entry(runtime, workspace, draft)
    ctx, _ = _ctx(runtime, workspace, entry_id)
    with ctx.uow:
        result = silo_close.run(ctx, None)
        ctx.uow.commit()
    assert (result.status, result.code) == (EventStatus.KO, "GOBL-ENVELOPE-13")
    assert result.paths == ("$",)
    assert "sigs" not in _data(runtime, workspace, entry_id)


def test_an_unknown_entry_is_ko(runtime: Runtime, workspace: Workspace) -> None:
    ctx, _ = _ctx(runtime, workspace, uuid7())
    with ctx.uow:
        result = silo_close.run(ctx, None)
    assert (result.status, result.code) == (EventStatus.KO, NO_ENTRY)
