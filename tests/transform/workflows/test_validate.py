"""Validation on save: real templates accepted or refused naming each missing action; rule table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, PositiveInt

from facturo.errors import Invalid
from facturo.transform.workflows.models import Workflow
from facturo.transform.workflows.validate import (
    FaultCode,
    MissingAction,
    WorkflowInvalid,
    check_workflow,
    missing_actions,
    parse_workflow,
    validate_workflow,
)

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "invopop" / "workflows"
CURRENT = sorted(p for p in (DATA / "current").glob("*.json") if p.name != "INDEX.json")
HISTORICAL = sorted((DATA / "historical").glob("*.json"))

# The current templates that use only actions in the test registry (conftest.FACTURO_ACTIONS).
ACCEPTED = {
    "br__dfe-postregistration.json",
    "es__verifactu-cancel.json",
    "es__verifactu-invoice.json",
    "es__verifactu-supplier-registration.json",
    "es__verifactu-unregister.json",
    "it__sdi-post-registration-flow.json",
    "it__ticket-post-registration.json",
    "mx__mx-subscribe-import.json",
    "mx__sat-postregistration.json",
    "pdf__invoice.json",
    "pt__at-postregistration.json",
}
ES_VERIFACTU = sorted(n for n in ACCEPTED if n.startswith("es__verifactu-"))


def _actions_in(steps: list[dict[str, Any]] | None, prefix: str) -> list[tuple[str, str]]:
    """(pointer, action) for every step in raw JSON, walked independently of the model."""
    found: list[tuple[str, str]] = []
    for i, step in enumerate(steps or []):
        here = f"{prefix}/{i}"
        found.append((here, step.get("action") or step["provider"]))
        for j, block in enumerate(step.get("next") or []):
            found.extend(_actions_in(block.get("steps"), f"{here}/next/{j}/steps"))
    return found


def _load(path: Path) -> tuple[dict[str, Any], Workflow]:
    raw = json.loads(path.read_text("utf-8"))
    return raw, parse_workflow(raw)


@pytest.mark.parametrize("path", CURRENT + HISTORICAL, ids=lambda p: p.name)
def test_template_is_accepted_or_refused_naming_every_missing_action(
    path: Path, registry: dict[str, None]
) -> None:
    raw, workflow = _load(path)
    used = _actions_in(raw["steps"], "#/steps") + _actions_in(raw.get("rescue"), "#/rescue")
    expected = [(pointer, action) for pointer, action in used if action not in registry]
    faults = check_workflow(workflow, registry)
    assert [(f.paths[0], f.code) for f in faults] == [
        (pointer, FaultCode.ACTION_UNAVAILABLE) for pointer, _ in expected
    ]
    assert [(m.pointer, m.action) for m in missing_actions(workflow, registry)] == expected


@pytest.mark.parametrize("path", CURRENT, ids=lambda p: p.name)
def test_current_template_acceptance_is_as_listed(path: Path, registry: dict[str, None]) -> None:
    _, workflow = _load(path)
    assert (not check_workflow(workflow, registry)) is (path.name in ACCEPTED)


@pytest.mark.parametrize("name", ES_VERIFACTU)
def test_es_verifactu_templates_are_accepted(name: str, registry: dict[str, None]) -> None:
    _, workflow = _load(DATA / "current" / name)
    assert validate_workflow(workflow, registry) is workflow


def test_the_four_es_verifactu_templates_are_listed() -> None:
    assert ES_VERIFACTU == [
        "es__verifactu-cancel.json",
        "es__verifactu-invoice.json",
        "es__verifactu-supplier-registration.json",
        "es__verifactu-unregister.json",
    ]


def test_legacy_goto_templates_are_structurally_valid(registry: dict[str, None]) -> None:
    _, workflow = _load(DATA / "historical" / "es-verifactu-invoice-legacy-goto.json")
    assert check_workflow(workflow, registry) == []
    _, workflow = _load(DATA / "historical" / "pt-invoicexpress-register-legacy-goto.json")
    assert missing_actions(workflow, registry) == [
        MissingAction("invoicexpress.register", "#/steps/2", known=True)
    ]


def test_every_template_is_valid_with_all_its_actions_provided() -> None:
    for path in CURRENT + HISTORICAL:
        raw, workflow = _load(path)
        used = _actions_in(raw["steps"], "#/steps") + _actions_in(raw.get("rescue"), "#/rescue")
        everything = dict.fromkeys(action for _, action in used)
        assert check_workflow(workflow, everything) == [], path.name


# --- the rules, one row each ------------------------------------------------------------------


def _step(step_id: str, action: str = "silo.state", **extra: Any) -> dict[str, Any]:
    return {"id": step_id, "action": action, **extra}


def _faults(document: dict[str, Any], registry: dict[str, Any]) -> list[tuple[str, str]]:
    workflow = Workflow.model_validate(document)
    return [(f.code, f.paths[0]) for f in check_workflow(workflow, registry)]


RULES: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("empty", {"steps": []}, [("workflow.steps.empty", "#/steps")]),
    ("absent steps", {"rescue": [_step("r")]}, [("workflow.steps.empty", "#/steps")]),
    (
        "missing id",
        {"steps": [{"action": "pdf"}]},
        [("step.id.missing", "#/steps/0/id")],
    ),
    (
        "duplicate id across flows and blocks",
        {
            "steps": [_step("a", next=[{"status": "KO", "steps": [_step("a")]}])],
            "rescue": [_step("a")],
        },
        [
            ("step.id.duplicate", "#/steps/0/next/0/steps/0/id"),
            ("step.id.duplicate", "#/rescue/0/id"),
        ],
    ),
    ("missing action", {"steps": [{"id": "a"}]}, [("step.action.missing", "#/steps/0")]),
    (
        "unknown and unavailable actions",
        {"steps": [_step("a", "silo.stat"), _step("b", "peppol.send")]},
        [("step.action.unknown", "#/steps/0"), ("step.action.unavailable", "#/steps/1")],
    ),
    (
        "duplicate condition, Any spelled two ways",
        {
            "steps": [
                _step(
                    "a",
                    "silo.if",
                    next=[
                        {"status": "NA", "code": "true", "steps": [_step("b")]},
                        {"code": "true", "steps": [_step("c")]},
                    ],
                )
            ]
        },
        [("next.duplicate", "#/steps/0/next/1"), ("step.unreachable", "#/steps/0/next/1/steps/0")],
    ),
    (
        "no-op block that would swallow KOs",
        {"steps": [_step("a", next=[{"status": "NA"}])]},
        [("next.noop", "#/steps/0/next/0")],
    ),
    (
        "a bare KO block is an allowed 'ignore errors'",
        {"steps": [_step("a", next=[{"status": "KO"}]), _step("b")]},
        [],
    ),
    (
        "dangling go to",
        {"steps": [_step("a", next=[{"status": "KO", "step_id": "zzz"}])]},
        [("next.step_id.dangling", "#/steps/0/next/0/step_id")],
    ),
    (
        "go to itself",
        {"steps": [_step("a", next=[{"status": "KO", "step_id": "a"}])]},
        [("next.step_id.backward", "#/steps/0/next/0/step_id")],
    ),
    (
        "go to an earlier step",
        {"steps": [_step("a"), _step("b", next=[{"status": "KO", "step_id": "a"}])]},
        [("next.step_id.backward", "#/steps/1/next/0/step_id")],
    ),
    (
        "go to into rescue",
        {
            "steps": [_step("a", next=[{"status": "KO", "step_id": "r"}])],
            "rescue": [_step("r")],
        },
        [("next.step_id.cross_flow", "#/steps/0/next/0/step_id")],
    ),
    (
        "stop and go to together",
        {
            "steps": [
                _step("a", next=[{"status": "KO", "step_id": "b", "stop": True}]),
                _step("b"),
            ]
        },
        [("next.step_id.with_stop", "#/steps/0/next/0")],
    ),
    (
        "step after an unconditional stop",
        {"steps": [_step("a", next=[{"status": "NA", "stop": True}]), _step("b")]},
        [("step.unreachable", "#/steps/1")],
    ),
    (
        "unconditional stop, later step reached by go to (legacy)",
        {
            "steps": [
                _step("a", next=[{"status": "KO", "step_id": "c"}]),
                _step("b", next=[{"status": "NA", "stop": True}]),
                _step("c"),
            ]
        },
        [],
    ),
    (
        "rescue unreachable when every KO is caught",
        {
            "steps": [_step("a", next=[{"status": "NA", "stop": True}])],
            "rescue": [_step("r")],
        },
        [("step.unreachable", "#/rescue/0")],
    ),
    (
        "forward go to into a nested block",
        {
            "steps": [
                _step("a", next=[{"status": "KO", "step_id": "n"}]),
                _step("b", "silo.if", next=[{"code": "true", "steps": [_step("n")]}]),
            ]
        },
        [],
    ),
]


@pytest.mark.parametrize(
    ("document", "expected"), [r[1:] for r in RULES], ids=[r[0] for r in RULES]
)
def test_rule(
    document: dict[str, Any], expected: list[tuple[str, str]], registry: dict[str, None]
) -> None:
    assert _faults(document, registry) == expected


class _BatchConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_batch: PositiveInt = 1000


class _Provider:
    """A stand-in for a provider value that carries its config model."""

    config = _BatchConfig


@pytest.mark.parametrize("spec", [_BatchConfig, _Provider()], ids=["model", "provider"])
def test_config_is_checked_by_the_providers_model(spec: Any) -> None:
    document = {
        "steps": [
            _step("a", "verifactu.send"),
            _step("b", "verifactu.send", config={"max_batch": 0, "colour": "red"}),
        ]
    }
    faults = check_workflow(Workflow.model_validate(document), {"verifactu.send": spec})
    assert [(f.code, f.paths, f.provider) for f in faults] == [
        ("step.config.invalid", ("#/steps/1/config/max_batch",), "verifactu.send"),
        ("step.config.invalid", ("#/steps/1/config/colour",), "verifactu.send"),
    ]


def test_config_of_an_unvalidated_action_is_free() -> None:
    document = {"steps": [_step("a", "pdf", config={"anything": [1, {"x": None}]})]}
    assert check_workflow(Workflow.model_validate(document), {"pdf": None}) == []


def test_validate_raises_an_invalid_with_every_fault() -> None:
    workflow = Workflow.model_validate({"steps": [{"action": "nope"}]})
    with pytest.raises(WorkflowInvalid) as raised:
        validate_workflow(workflow, {})
    assert isinstance(raised.value, Invalid)
    assert [f.code for f in raised.value.faults] == ["step.id.missing", "step.action.unknown"]


def test_parse_points_at_malformed_keys() -> None:
    document = {"version": 3, "steps": [{"id": "a", "next": [{"status": "MAYBE"}]}]}
    with pytest.raises(WorkflowInvalid) as raised:
        parse_workflow(document)
    assert sorted((f.code, f.paths) for f in raised.value.faults) == [
        ("workflow.malformed", ("#/steps/0/next/0/status",)),
        ("workflow.malformed", ("#/version",)),
    ]


def test_missing_actions_tell_known_from_unknown() -> None:
    document = {
        "steps": [
            _step("a", "peppol.send"),
            _step("b", "silo.if", next=[{"code": "true", "steps": [_step("c", "frobnicate")]}]),
        ],
        "rescue": [_step("r", "silo.state")],
    }
    assert missing_actions(Workflow.model_validate(document), {"silo.if": None}) == [
        MissingAction("peppol.send", "#/steps/0", known=True),
        MissingAction("frobnicate", "#/steps/1/next/0/steps/0", known=False),
        MissingAction("silo.state", "#/rescue/0", known=True),
    ]


def test_known_actions_can_be_given() -> None:
    workflow = Workflow.model_validate({"steps": [_step("a", "acme.send")]})
    faults = check_workflow(workflow, {}, known_actions={"acme.send"})
    assert [f.code for f in faults] == ["step.action.unavailable"]
