"""Step paths: pointers, resolution and document order."""

from __future__ import annotations

import pytest

from facturo.transform.workflows.models import Workflow
from facturo.transform.workflows.paths import (
    Flow,
    NoSuchStep,
    flow_of,
    iter_steps,
    locate,
    parse_pointer,
    pointer,
    resolve,
)

WORKFLOW = Workflow.model_validate(
    {
        "steps": [
            {"id": "a", "action": "x"},
            {
                "id": "b",
                "action": "silo.if",
                "next": [
                    {"code": "true", "steps": [{"id": "c", "action": "x"}]},
                    {"code": "false"},
                    {"code": "other", "steps": [{"id": "d", "action": "x"}]},
                ],
            },
            {"id": "e", "action": "x"},
        ],
        "rescue": [{"id": "r", "action": "x"}],
    }
)


def test_document_order() -> None:
    assert [(pointer(p), s.id) for p, s in iter_steps(WORKFLOW)] == [
        ("#/steps/0", "a"),
        ("#/steps/1", "b"),
        ("#/steps/1/next/0/steps/0", "c"),
        ("#/steps/1/next/2/steps/0", "d"),
        ("#/steps/2", "e"),
        ("#/rescue/0", "r"),
    ]


@pytest.mark.parametrize(
    "text", ["#", "#/steps/1/next/0/steps/0", "#/rescue/0", "#/steps/3/config/a~1b~0c"]
)
def test_pointer_round_trip(text: str) -> None:
    assert pointer(parse_pointer(text)) == text


def test_pointer_escapes() -> None:
    assert parse_pointer("#/steps/3/config/a~1b~0c") == ("steps", 3, "config", "a/b~c")


def test_not_a_pointer() -> None:
    with pytest.raises(ValueError, match="JSON Pointer"):
        parse_pointer("steps/0")


def test_resolve_and_locate_agree() -> None:
    for path, step in iter_steps(WORKFLOW):
        assert resolve(WORKFLOW, path) is step
        assert step.id is not None
        assert locate(WORKFLOW, step.id) == path
    assert locate(WORKFLOW, "nope") is None


@pytest.mark.parametrize(
    "path",
    [
        (),
        ("steps",),
        ("steps", 9),
        ("other", 0),
        ("steps", 1, "next", 1, "steps", 0),
        ("steps", 1, "next", 7, "steps", 0),
        ("steps", 1, "config", 0),
    ],
)
def test_resolve_refuses_paths_to_nowhere(path: tuple[str | int, ...]) -> None:
    with pytest.raises(NoSuchStep):
        resolve(WORKFLOW, path)


def test_flow_of() -> None:
    assert flow_of(("steps", 1, "next", 0, "steps", 0)) is Flow.MAIN
    assert flow_of(("rescue", 0)) is Flow.RESCUE
