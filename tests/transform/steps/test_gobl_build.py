"""``gobl.build`` and ``gobl.validate``: KO with gobl's faults and paths; valid entries pass."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.service import Source
from facturo.transform.steps.base import JobInfo, Provider, Resources, StepContext, StepResult
from facturo.transform.steps.gobl_build import build, validate

SHARED = Path(__file__).resolve().parents[4] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
NO_PRICE = {**INVOICE, "lines": [{"quantity": "2", "item": {"name": "Consulting"}}]}


def _entry(rt: Runtime, ws: Workspace, doc: dict[str, Any]) -> uuid.UUID:
    with rt.uow() as uow:
        return silo_service.create_entry(
            uow,
            workspace_id=ws.id,
            data=doc,
            source=Source("test", "t"),
            entry_id=uuid7(),
            allow_invalid=True,
        ).id


def _run(rt: Runtime, ws: Workspace, step: Provider[Any], entry_id: uuid.UUID | None) -> StepResult:
    job = JobInfo(uuid7(), ws.id, uuid7(), None, {}, entry_id)
    with rt.uow() as uow:
        ctx = StepContext(
            job=job,
            step_id="gobl",
            step_name=step.id,
            action=step.id,
            pointer="#/steps/0",
            attempt=1,
            resumed=False,
            uow=uow,
            now=datetime.now(UTC),
            resources=Resources(),
            log=logging.LoggerAdapter(logging.getLogger("test.gobl"), {}),
        )
        result = step.run(ctx, step.parse_config({}))
        uow.commit()
    assert isinstance(result, StepResult)
    return result


@pytest.mark.parametrize("step", [build, validate], ids=lambda p: p.id)
def test_an_invalid_document_is_ko_with_every_fault(
    runtime: Runtime, workspace: Workspace, step: Provider[Any]
) -> None:
    entry = _entry(runtime, workspace, NO_PRICE)
    with runtime.uow() as uow:
        before = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry)
    assert before.invalid
    result = _run(runtime, workspace, step, entry)
    assert result.status == "KO"
    assert (result.code, result.paths) == (result.faults[0].code, result.faults[0].paths)
    found = {(f.code, path) for f in result.faults for path in f.paths}
    assert ("GOBL-BILL-INVOICE-08", "$.doc.lines[0].item.price") in found
    assert {f.provider for f in result.faults} == {step.id}
    with runtime.uow() as uow:
        after = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry)
    assert after.version == before.version


@pytest.mark.parametrize("step", [build, validate], ids=lambda p: p.id)
def test_a_valid_document_is_ok_and_unchanged(
    runtime: Runtime, workspace: Workspace, step: Provider[Any]
) -> None:
    entry = _entry(runtime, workspace, INVOICE)
    with runtime.uow() as uow:
        before = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry)
    assert _run(runtime, workspace, step, entry) == StepResult.ok()
    with runtime.uow() as uow:
        after = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry)
    assert (after.version, len(after.versions)) == (before.version, len(before.versions))


def test_no_entry_is_ko(runtime: Runtime, workspace: Workspace) -> None:
    assert _run(runtime, workspace, validate, None).code == "entry.not_found"
    assert _run(runtime, workspace, build, uuid7()).code == "entry.not_found"


def test_the_steps_take_no_settings() -> None:
    with pytest.raises(ValidationError):
        build.parse_config({"strict": True})
