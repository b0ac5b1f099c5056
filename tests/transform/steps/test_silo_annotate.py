"""``silo.stamp`` / ``silo.meta``: a stamp on a signed envelope, a meta row, args filled in."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from facturo.platform import secrets
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.repository import entry_meta
from facturo.silo.service import Source
from facturo.transform.statuses import EventStatus
from facturo.transform.steps.base import Provider, StepResult
from facturo.transform.steps.silo_annotate import meta, stamp
from facturo.transform.steps.testing import run_sync, step_context

SHARED = Path(__file__).resolve().parents[4] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


def entry(runtime: Runtime, workspace: Workspace, *, signed: bool) -> uuid.UUID:
    with runtime.uow() as uow:
        created = silo_service.create_entry(
            uow, workspace_id=workspace.id, data=INVOICE, source=Source("test", "t")
        )
        if signed:
            silo_service.sign_entry(
                uow,
                workspace_id=workspace.id,
                entry_id=created.id,
                key=secrets.signing_key(runtime.settings),
                source=Source("test", "t"),
            )
        uow.commit()
        return created.id


def run(
    runtime: Runtime,
    workspace: Workspace,
    provider: Provider[Any],
    config: dict[str, Any],
    entry_id: uuid.UUID,
) -> StepResult:
    with runtime.uow() as uow:
        ctx = step_context(
            uow,
            workspace_id=workspace.id,
            action=provider.id,
            now=NOW,
            entry_id=entry_id,
            args={"portal-id": "P-42"},
        )
        result = run_sync(provider, ctx, config)
        uow.commit()
    return result


def test_a_stamp_goes_in_the_signed_envelope_head(runtime: Runtime, workspace: Workspace) -> None:
    entry_id = entry(runtime, workspace, signed=True)
    config = {"provider": "portal-id", "value": "{{ args.portal-id }}"}
    assert run(runtime, workspace, stamp, config, entry_id).status is EventStatus.OK
    with runtime.uow() as uow:
        data = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry_id).data
    assert {"prv": "portal-id", "val": "P-42"} in data["head"]["stamps"]


def test_an_unsigned_envelope_takes_no_stamp(runtime: Runtime, workspace: Workspace) -> None:
    entry_id = entry(runtime, workspace, signed=False)
    result = run(runtime, workspace, stamp, {"provider": "x", "value": "y"}, entry_id)
    assert (result.status, result.code) == (EventStatus.KO, "envelope.unsigned")


def test_a_meta_row_is_written_and_replaced(runtime: Runtime, workspace: Workspace) -> None:
    entry_id = entry(runtime, workspace, signed=False)
    config = {"key": "portal", "value": "{{args.portal-id}}", "link_url": "https://p.example/42"}
    assert run(runtime, workspace, meta, config, entry_id).status is EventStatus.OK
    assert (
        run(runtime, workspace, meta, config | {"value": "again"}, entry_id).status
        is EventStatus.OK
    )
    with runtime.uow() as uow:
        rows = [m for m in entry_meta(uow, workspace.id, entry_id) if m.key == "portal"]
    assert [(r.src, r.value, r.link_url) for r in rows] == [
        ("workflow", "again", "https://p.example/42")
    ]
