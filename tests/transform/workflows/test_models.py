"""The workflow document model: every real export loads and re-serialises without loss."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from facturo.transform.workflows.models import ConditionStatus, Step, Workflow

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "invopop" / "workflows"
CURRENT = sorted(p for p in (DATA / "current").glob("*.json") if p.name != "INDEX.json")
HISTORICAL = sorted((DATA / "historical").glob("*.json"))


def _without_added_action(value: Any) -> Any:
    """The wire form minus the ``action`` key that the model adds beside ``provider``."""
    if isinstance(value, dict):
        return {
            k: _without_added_action(v)
            for k, v in value.items()
            if not (k == "action" and "provider" in value)
        }
    if isinstance(value, list):
        return [_without_added_action(v) for v in value]
    return value


def test_all_current_templates_are_present() -> None:
    assert len(CURRENT) == 112


@pytest.mark.parametrize("path", CURRENT + HISTORICAL, ids=lambda p: p.name)
def test_export_round_trips_without_loss(path: Path) -> None:
    original = json.loads(path.read_text("utf-8"))
    workflow = Workflow.model_validate(original)
    wire = workflow.to_wire()
    assert _without_added_action(wire) == original
    assert Workflow.model_validate(wire) == workflow


@pytest.mark.parametrize("path", CURRENT + HISTORICAL, ids=lambda p: p.name)
def test_export_steps_carry_action_and_provider_alike(path: Path) -> None:
    wire = Workflow.model_validate(json.loads(path.read_text("utf-8"))).to_wire()
    text = json.dumps(wire)
    assert text.count('"provider":') == text.count('"action":') > 0


def test_provider_is_read_as_action() -> None:
    step = Step.model_validate({"id": "a", "provider": "silo.state"})
    assert step.action == "silo.state"
    assert step.model_dump(exclude_unset=True) == {
        "id": "a",
        "action": "silo.state",
        "provider": "silo.state",
    }


def test_action_wins_over_provider() -> None:
    step = Step.model_validate({"action": "pdf", "provider": "silo.state"})
    assert step.action == "pdf"
    assert step.model_dump(exclude_unset=True)["provider"] == "pdf"


def test_unknown_keys_are_kept_at_every_level() -> None:
    document = {
        "name": "w",
        "future": {"x": [1, 2]},
        "steps": [
            {
                "id": "a",
                "action": "silo.if",
                "colour": "blue",
                "next": [{"code": "true", "weight": 3, "steps": [{"id": "b", "action": "pdf"}]}],
            }
        ],
    }
    wire = Workflow.model_validate(document).to_wire()
    assert wire["future"] == {"x": [1, 2]}
    assert wire["steps"][0]["colour"] == "blue"
    assert wire["steps"][0]["next"][0]["weight"] == 3


def test_absent_and_empty_lists_stay_distinct() -> None:
    wire = Workflow.model_validate(
        {"steps": [{"id": "a", "action": "pdf", "next": []}, {"id": "b", "action": "pdf"}]}
    ).to_wire()
    assert wire["steps"][0]["next"] == []
    assert "next" not in wire["steps"][1]
    assert "rescue" not in wire


def test_version_is_a_string_and_a_number_is_refused() -> None:
    assert Workflow.model_validate({"version": "3"}).to_wire() == {"version": "3"}
    with pytest.raises(ValidationError):
        Workflow.model_validate({"version": 3})


def test_schema_keeps_its_wire_name() -> None:
    workflow = Workflow.model_validate({"schema": "bill/invoice"})
    assert workflow.schema_ == "bill/invoice"
    assert workflow.to_wire() == {"schema": "bill/invoice"}


@pytest.mark.parametrize(
    ("status", "is_any"),
    [
        (None, True),
        ("", True),
        ("NA", True),
        ("OK", False),
        ("KO", False),
        ("SKIP", False),
        ("TIMEOUT", False),
    ],
)
def test_condition_status_any(status: str | None, is_any: bool) -> None:
    step = Step.model_validate({"next": [{"status": status}]})
    assert step.next is not None
    assert step.next[0].matches_any_status is is_any


def test_unknown_condition_status_is_refused() -> None:
    with pytest.raises(ValidationError):
        Step.model_validate({"next": [{"status": "MAYBE"}]})


def test_condition_status_values_are_the_wire_values() -> None:
    assert {s.value for s in ConditionStatus} == {"OK", "SKIP", "KO", "TIMEOUT", "NA", ""}


def test_resource_fields_round_trip() -> None:
    document = {
        "id": "0196e0a2-5c1e-7a3e-9d4b-2f1c8e6a1b23",
        "created_at": "2026-04-30T08:39:57.933000Z",
        "draft": False,
        "disabled": False,
        "version": "2",
        "hash": "abc",
        "versions": [{"version": "1", "src": "user", "created_at": "2026-04-29T10:00:00Z"}],
    }
    assert Workflow.model_validate(document).to_wire() == document
