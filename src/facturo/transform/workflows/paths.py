"""Positions of steps inside a workflow, as paths that are also JSON Pointers.

A step is named by where it sits, not only by its id: ``("steps", 3)`` is the fourth step of the
main flow, ``("steps", 3, "next", 0, "steps", 1)`` the second step of its first condition block
and ``("rescue", 0)`` the first step of the error-handling flow. Paths are why a job can resume
deterministically after a crash: a published version never changes, so the same path names the
same step on every replay of the step log (ARCHITECTURE.md, "Durable execution"). Ids can be
missing or repeated in a document that has not been validated yet; paths cannot.

The same tuple rendered by :func:`pointer` (``#/steps/3/next/0/steps/1``) is what validation
faults carry, so an API error points at the exact key of the submitted JSON (STYLE.md, "Error
model").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from enum import StrEnum

from facturo.errors import NotFound
from facturo.transform.workflows.models import Step, Workflow

StepPath = tuple[str | int, ...]
"""A path from the workflow root to a step or to one of its keys."""


class Flow(StrEnum):
    """The two top-level flows of a workflow; values are their keys in the document."""

    MAIN = "steps"  # the main flow
    RESCUE = "rescue"  # the error-handling flow, run after an unhandled KO


class NoSuchStep(NotFound):
    """No step sits at that path in this workflow version."""


def pointer(path: StepPath) -> str:
    """Render a path as a URI-fragment JSON Pointer (RFC 6901 §6): ``#/steps/3/config``."""
    tokens = (str(token).replace("~", "~0").replace("/", "~1") for token in path)
    return "#/" + "/".join(tokens) if path else "#"


def parse_pointer(text: str) -> StepPath:
    """Read back what :func:`pointer` wrote; digit-only tokens become list indexes."""
    body = text.removeprefix("#")
    if not body:
        return ()
    if not body.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {text!r}")
    tokens = (t.replace("~1", "/").replace("~0", "~") for t in body[1:].split("/"))
    return tuple(int(t) if t.isdigit() else t for t in tokens)


def flow_of(path: StepPath) -> Flow:
    """The top-level flow a step path lies in."""
    return Flow(str(path[0]))


def siblings(workflow: Workflow, path: StepPath) -> Sequence[Step]:
    """The list of steps that holds the step at ``path`` (a flow or a block's ``steps``)."""
    if len(path) == 2:
        flow = workflow.steps if path[0] == Flow.MAIN else workflow.rescue
        return flow or []
    if len(path) < 6 or path[-4] != "next" or path[-2] != "steps":
        raise NoSuchStep(f"{pointer(path)} is not a step path")
    parent = resolve(workflow, path[:-4])
    blocks = parent.next or []
    index = path[-3]
    if not isinstance(index, int) or not 0 <= index < len(blocks):
        raise NoSuchStep(f"no condition block at {pointer(path[:-2])}")
    return blocks[index].steps or []


def resolve(workflow: Workflow, path: StepPath) -> Step:
    """The step at ``path``; raises :class:`NoSuchStep` if the path leads nowhere."""
    if len(path) < 2 or path[0] not in (Flow.MAIN, Flow.RESCUE):
        raise NoSuchStep(f"{pointer(path)} is not a step path")
    steps = siblings(workflow, path)
    index = path[-1]
    if not isinstance(index, int) or not 0 <= index < len(steps):
        raise NoSuchStep(f"no step at {pointer(path)}")
    return steps[index]


def iter_steps(workflow: Workflow) -> Iterator[tuple[StepPath, Step]]:
    """Every step with its path, in document order: main flow, then rescue, blocks depth first.

    Document (pre-)order is also execution order along any one run, which is why "go to" may
    only jump forward in it (see ``validate``).
    """
    for flow in Flow:
        yield from _walk(workflow.steps if flow is Flow.MAIN else workflow.rescue, (flow.value,))


def _walk(steps: Sequence[Step] | None, prefix: StepPath) -> Iterator[tuple[StepPath, Step]]:
    for i, step in enumerate(steps or ()):
        path = (*prefix, i)
        yield path, step
        for j, block in enumerate(step.next or ()):
            yield from _walk(block.steps, (*path, "next", j, "steps"))


def locate(workflow: Workflow, step_id: str) -> StepPath | None:
    """The path of the first step with this id, searched in the whole workflow (spec §3.6)."""
    for path, step in iter_steps(workflow):
        if step.id == step_id:
            return path
    return None
