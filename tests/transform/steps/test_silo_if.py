"""``silo.if``: the templates' conditions run on real entries; bad expressions fail at save time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.service import Source
from facturo.transform.steps.base import Provider, StepContext, StepResult
from facturo.transform.steps.gobl_build import build, validate
from facturo.transform.steps.sequence_enumerate import enumerate_code
from facturo.transform.steps.silo_if import silo_if
from facturo.transform.steps.silo_modify import modify
from facturo.transform.steps.testing import step_context
from facturo.transform.workflows.validate import (
    FaultCode,
    WorkflowInvalid,
    parse_workflow,
    validate_workflow,
)

SHARED = Path(__file__).resolve().parents[4] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
PARTY = json.loads((SHARED / "data/invopop/gobl/es-supplier-party.json").read_text())
WORKFLOWS = SHARED / "data/invopop/workflows/current"
OURS: dict[str, Provider[Any]] = {
    p.id: p for p in (silo_if, modify, enumerate_code, build, validate)
}


def _entry(rt: Runtime, ws: Workspace, data: dict[str, Any]) -> Any:
    with rt.uow() as uow:
        return silo_service.create_entry(
            uow, workspace_id=ws.id, data=data, source=Source("test", "t"), entry_id=uuid7()
        ).id


@contextmanager
def _context(rt: Runtime, ws: Workspace, entry_id: Any) -> Iterator[StepContext]:
    with rt.uow() as uow:
        yield step_context(
            uow, workspace_id=ws.id, action="silo.if", now=datetime.now(UTC), entry_id=entry_id
        )
        uow.commit()


def _run(rt: Runtime, ws: Workspace, entry_id: Any, **config: Any) -> StepResult:
    with _context(rt, ws, entry_id) as ctx:
        result = silo_if.run(ctx, silo_if.parse_config(config))
    assert isinstance(result, StepResult)
    return result


@pytest.mark.parametrize(
    ("config", "invoice_code", "party_code"),
    [
        ({"expr": '$schema endsWith "bill/invoice"', "scope": "doc"}, "true", "false"),
        ({"expr": "doc['$schema'] endsWith 'bill/invoice'", "scope": "env"}, "true", "false"),
        ({"expr": "doc?.payment?.terms?.due_dates != nil"}, "false", "false"),
        ({"expr": "doc?.totals?.payable == '2178.00'"}, "true", "false"),
    ],
)
def test_templates_branch_on_true_and_false(
    runtime: Runtime,
    workspace: Workspace,
    config: dict[str, Any],
    invoice_code: str,
    party_code: str,
) -> None:
    invoice = _entry(runtime, workspace, INVOICE)
    party = _entry(runtime, workspace, PARTY)
    assert _run(runtime, workspace, invoice, **config) == StepResult.ok(invoice_code)
    assert _run(runtime, workspace, party, **config) == StepResult.ok(party_code)


@pytest.mark.parametrize(
    ("expr", "code"),
    [
        ("doc.payment.terms != nil", "expr.nil"),
        ("doc.lines + 1 > 0", "expr.type"),
        ("doc.lines[7] != nil", "expr.index"),
        ("doc.code", "expr.not_bool"),
    ],
)
def test_evaluation_failures_are_ko_with_a_code(
    runtime: Runtime, workspace: Workspace, expr: str, code: str
) -> None:
    entry = _entry(runtime, workspace, INVOICE)
    result = _run(runtime, workspace, entry, expr=expr)
    assert (result.status, result.code) == ("KO", code)
    assert result.message


def test_a_job_without_an_entry_is_ko(runtime: Runtime, workspace: Workspace) -> None:
    result = _run(runtime, workspace, None, expr="true")
    assert (result.status, result.code) == ("KO", "entry.not_found")
    result = _run(runtime, workspace, uuid7(), expr="true")
    assert (result.status, result.code) == ("KO", "entry.not_found")


def _workflow(config: dict[str, Any]) -> dict[str, Any]:
    steps = [
        {"id": "s0", "provider": "gobl.validate"},
        {"id": "s1", "provider": "gobl.build"},
        {"id": "s2", "provider": "silo.if", "config": config},
    ]
    return {"name": "Check", "steps": steps}


@pytest.mark.parametrize(
    ("config", "pointer"),
    [
        ({"expr": "doc['$schema'] endsWith", "scope": "env"}, "#/steps/2/config/expr"),
        ({"expr": "nope(doc)"}, "#/steps/2/config/expr"),
        ({"expr": ""}, "#/steps/2/config/expr"),
        ({"expr": "  \n "}, "#/steps/2/config/expr"),
        ({}, "#/steps/2/config/expr"),
        ({"expr": "true", "scope": "document"}, "#/steps/2/config/scope"),
    ],
)
def test_a_bad_expression_is_refused_when_the_workflow_is_saved(
    config: dict[str, Any], pointer: str
) -> None:
    with pytest.raises(WorkflowInvalid) as caught:
        validate_workflow(parse_workflow(_workflow(config)), OURS)
    assert [(f.code, f.paths) for f in caught.value.faults] == [
        (FaultCode.CONFIG_INVALID, (pointer,))
    ]


def test_the_offset_is_in_the_message() -> None:
    with pytest.raises(WorkflowInvalid) as caught:
        validate_workflow(parse_workflow(_workflow({"expr": "a ==  "})), OURS)
    assert "offset 6" in caught.value.faults[0].message


def _steps(steps: list[dict[str, Any]] | None) -> Iterator[dict[str, Any]]:
    for step in steps or ():
        yield step
        for block in step.get("next") or ():
            yield from _steps(block.get("steps"))


def test_every_template_config_of_these_actions_is_accepted() -> None:
    checked = 0
    for path in sorted(WORKFLOWS.glob("*.json")):
        document = json.loads(path.read_text())
        if not isinstance(document, dict):
            continue
        for step in [*_steps(document.get("steps")), *_steps(document.get("rescue"))]:
            action = step.get("action") or step.get("provider")
            if action in OURS:
                OURS[action].parse_config(step.get("config"))
                checked += 1
    assert checked >= 40
