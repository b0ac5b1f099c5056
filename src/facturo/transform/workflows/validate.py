"""Validation of a workflow when it is saved, so a job never meets a broken definition.

STYLE.md ("Step providers"): an unknown provider id or an invalid step config is refused when the
**workflow is saved**, as a 422 naming each problem with a JSON Pointer such as
``#/steps/3/config/max_batch``, never when a job runs. Each problem is a
:class:`facturo.errors.Fault` with a stable ``code`` (what tests and clients match) and one
pointer in ``paths``; :class:`WorkflowInvalid` carries them all, so a client fixes everything in
one round.

What is checked, with its fault code:

- ``workflow.malformed``: the JSON does not fit the contract's shapes (e.g. ``version`` not a
  string, an unknown condition ``status``); the pointer comes from the parser's location.
- ``workflow.steps.empty``: no main steps; a job would do nothing.
- ``step.id.missing``, ``step.id.duplicate``: intents record ``step_id`` and "go to" targets ids,
  so ids must exist and be unique in the whole workflow (main, rescue and nested blocks).
- ``step.action.missing``; ``step.action.unavailable`` (an Invopop action, spec §5, that this
  server does not provide); ``step.action.unknown`` (no one's action: likely a typo). Both of the
  latter point at the step, and :func:`missing_actions` lists them for the API.
- ``step.config.invalid``: the provider's config model refused ``config``; the pointer goes into
  the config (spec §3.6: "validate it only if the action is known").
- ``next.duplicate``: a block with the same status and code as an earlier one of the same step;
  it can never be taken. Absent, ``""`` and ``NA`` are one status here ("Any").
- ``next.noop``: a block that matches everything (Any, no code) and does nothing; it would
  silently swallow every KO. (A block with a code and nothing to do is fine: templates use
  ``{"status": "NA", "code": "false"}`` to take the "false" branch and carry on.)
- ``next.step_id.dangling``: "go to" a step that does not exist.
- ``next.step_id.backward``: "go to" the step itself or one before it in document order. Only
  forward jumps are allowed, so every job ends and each step runs at most once per job, which
  keeps step paths unique in the log (see ``engine.plan``). The legacy templates only jump forward.
- ``next.step_id.cross_flow``: "go to" between the main flow and ``rescue``; the error flow is
  entered only by an unhandled KO (spec §3.7.3).
- ``next.step_id.with_stop``: a block with both ``stop`` and ``step_id``; one of them is ignored.
- ``step.unreachable``: no result of any step leads to this one (e.g. after a block that always
  stops, without a "go to" aimed at it). Checked with the same rules the engine runs
  (``workflows.flow``), trying every status with every code the step's blocks name.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from facturo.errors import Fault, Invalid
from facturo.transform.catalogue import invopop_actions
from facturo.transform.statuses import EventStatus
from facturo.transform.workflows.flow import TIMEOUT_CODE, Run, after_result, first_step
from facturo.transform.workflows.models import Next, Step, Workflow
from facturo.transform.workflows.paths import StepPath, flow_of, iter_steps, locate, pointer


class FaultCode(StrEnum):
    """The codes of workflow faults; the values are what clients receive."""

    MALFORMED = "workflow.malformed"  # the JSON does not fit the contract's shapes
    STEPS_EMPTY = "workflow.steps.empty"  # no main steps
    ID_MISSING = "step.id.missing"  # a step without id
    ID_DUPLICATE = "step.id.duplicate"  # an id used before in the workflow
    ACTION_MISSING = "step.action.missing"  # neither ``action`` nor ``provider``
    ACTION_UNAVAILABLE = "step.action.unavailable"  # an Invopop action not provided here
    ACTION_UNKNOWN = "step.action.unknown"  # an action id nobody offers
    CONFIG_INVALID = "step.config.invalid"  # the provider's config model refused it
    UNREACHABLE = "step.unreachable"  # no result of any step leads here
    NEXT_DUPLICATE = "next.duplicate"  # same status and code as an earlier block
    NEXT_NOOP = "next.noop"  # matches everything and does nothing
    GOTO_DANGLING = "next.step_id.dangling"  # "go to" a missing step
    GOTO_BACKWARD = "next.step_id.backward"  # "go to" itself or an earlier step
    GOTO_CROSS_FLOW = "next.step_id.cross_flow"  # "go to" between main flow and rescue
    GOTO_WITH_STOP = "next.step_id.with_stop"  # both ``stop`` and ``step_id``


class WorkflowInvalid(Invalid):
    """The workflow is not valid; each fault points at the key to fix."""


class ConfigCarrier(Protocol):
    """Anything with a ``config`` model, such as a step provider value (``steps.base.Provider``)."""

    @property
    def config(self) -> type[BaseModel] | None: ...


ActionSpec = type[BaseModel] | ConfigCarrier | None
"""What the registry knows of an action: its config model, something holding one, or nothing."""

Registry = Mapping[str, ActionSpec]
"""The actions this server provides, by id."""


@dataclass(frozen=True, slots=True)
class MissingAction:
    """An action a workflow uses that the registry does not provide.

    ``known`` is True when Invopop offers it (spec §5), i.e. it is a provider still to write rather
    than a mistake in the workflow.
    """

    action: str
    pointer: str
    known: bool


def parse_workflow(document: Any) -> Workflow:
    """Read a workflow document, turning shape errors into faults with JSON Pointers."""
    try:
        return Workflow.model_validate(document)
    except ValidationError as error:
        faults = [
            Fault(FaultCode.MALFORMED, item["msg"], (pointer(tuple(item["loc"])),))
            for item in error.errors()
        ]
        raise WorkflowInvalid(faults=faults) from error


def validate_workflow(
    workflow: Workflow, registry: Registry, *, known_actions: Collection[str] | None = None
) -> Workflow:
    """Return ``workflow`` if it may be saved; raise :class:`WorkflowInvalid` otherwise."""
    faults = check_workflow(workflow, registry, known_actions=known_actions)
    if faults:
        raise WorkflowInvalid(faults=faults)
    return workflow


def check_workflow(
    workflow: Workflow, registry: Registry, *, known_actions: Collection[str] | None = None
) -> list[Fault]:
    """Every fault of ``workflow``, in document order within each kind of check.

    ``known_actions`` are the action ids that exist somewhere (default: the Invopop catalogue);
    they only decide between ``step.action.unavailable`` and ``step.action.unknown``.
    """
    known = invopop_actions().keys() if known_actions is None else known_actions
    faults: list[Fault] = []
    if not workflow.steps:
        faults.append(Fault(FaultCode.STEPS_EMPTY, "the workflow has no steps", ("#/steps",)))
    faults.extend(_step_faults(workflow, registry, known))
    goto_faults = list(_goto_faults(workflow))
    faults.extend(goto_faults)
    if workflow.steps and not goto_faults:
        faults.extend(_unreachable_faults(workflow))
    return faults


def missing_actions(
    workflow: Workflow, registry: Registry, *, known_actions: Collection[str] | None = None
) -> list[MissingAction]:
    """The actions ``workflow`` uses that ``registry`` lacks, one per step, in document order."""
    known = invopop_actions().keys() if known_actions is None else known_actions
    return [
        MissingAction(step.action, pointer(path), step.action in known)
        for path, step in iter_steps(workflow)
        if step.action and step.action not in registry
    ]


def _step_faults(workflow: Workflow, registry: Registry, known: Collection[str]) -> Iterator[Fault]:
    first_use: dict[str, StepPath] = {}
    for path, step in iter_steps(workflow):
        here = pointer(path)
        if not step.id:
            yield Fault(FaultCode.ID_MISSING, "the step has no id", (pointer((*path, "id")),))
        elif step.id in first_use:
            yield Fault(
                FaultCode.ID_DUPLICATE,
                f"step id {step.id} is already used at {pointer(first_use[step.id])}",
                (pointer((*path, "id")),),
            )
        else:
            first_use[step.id] = path
        if not step.action:
            yield Fault(FaultCode.ACTION_MISSING, "the step has no action", (here,))
        elif step.action not in registry:
            if step.action in known:
                message = f"action {step.action} is not provided by this server"
                yield Fault(FaultCode.ACTION_UNAVAILABLE, message, (here,))
            else:
                yield Fault(FaultCode.ACTION_UNKNOWN, f"unknown action {step.action}", (here,))
        else:
            yield from _config_faults(step, path, registry[step.action])
        yield from _block_faults(step, path)


def _config_faults(step: Step, path: StepPath, spec: ActionSpec) -> Iterator[Fault]:
    model = _config_model(spec)
    if model is None:
        return
    try:
        model.model_validate(step.config or {})
    except ValidationError as error:
        for item in error.errors():
            where = pointer((*path, "config", *item["loc"]))
            yield Fault(FaultCode.CONFIG_INVALID, item["msg"], (where,), provider=step.action or "")


def _config_model(spec: ActionSpec) -> type[BaseModel] | None:
    if spec is None:
        return None
    if isinstance(spec, type):
        return spec if issubclass(spec, BaseModel) else None
    return spec.config


def _block_faults(step: Step, path: StepPath) -> Iterator[Fault]:
    seen: dict[tuple[str, str], int] = {}
    for index, block in enumerate(step.next or ()):
        here = pointer((*path, "next", index))
        condition = ("" if block.matches_any_status else str(block.status), block.code or "")
        if condition in seen:
            message = f"the same condition as block {seen[condition]}; it is never taken"
            yield Fault(FaultCode.NEXT_DUPLICATE, message, (here,))
        else:
            seen[condition] = index
        if _is_noop(block):
            message = "the block matches every result and does nothing; it hides KOs"
            yield Fault(FaultCode.NEXT_NOOP, message, (here,))
        if block.stop and block.step_id:
            message = "a block cannot both stop and go to a step"
            yield Fault(FaultCode.GOTO_WITH_STOP, message, (here,))


def _is_noop(block: Next) -> bool:
    return (
        block.matches_any_status
        and not block.code
        and not block.steps
        and not block.step_id
        and not block.stop
    )


def _goto_faults(workflow: Workflow) -> Iterator[Fault]:
    order = {path: number for number, (path, _) in enumerate(iter_steps(workflow))}
    for path, step in iter_steps(workflow):
        for index, block in enumerate(step.next or ()):
            if not block.step_id:
                continue
            here = (pointer((*path, "next", index, "step_id")),)
            target = locate(workflow, block.step_id)
            if target is None:
                message = f"there is no step {block.step_id} to go to"
                yield Fault(FaultCode.GOTO_DANGLING, message, here)
            elif flow_of(target) is not flow_of(path):
                message = f"step {block.step_id} is in the other flow ({pointer(target)})"
                yield Fault(FaultCode.GOTO_CROSS_FLOW, message, here)
            elif order[target] <= order[path]:
                message = f"go to {pointer(target)} jumps back; only forward jumps are allowed"
                yield Fault(FaultCode.GOTO_BACKWARD, message, here)


_RESULTS = (EventStatus.OK, EventStatus.SKIP, EventStatus.KO)


def _unreachable_faults(workflow: Workflow) -> Iterator[Fault]:
    start = first_step(workflow)
    pending = [start.path] if isinstance(start, Run) else []
    reached: set[StepPath] = set(pending)
    while pending:
        path = pending.pop()
        step = next(s for p, s in iter_steps(workflow) if p == path)
        codes = {"", TIMEOUT_CODE} | {block.code for block in step.next or () if block.code}
        for status in _RESULTS:
            for code in codes:
                decision = after_result(workflow, path, status, code)
                if isinstance(decision, Run) and decision.path not in reached:
                    reached.add(decision.path)
                    pending.append(decision.path)
    for path, _ in iter_steps(workflow):
        if path not in reached:
            message = "no result of any step leads to this step"
            yield Fault(FaultCode.UNREACHABLE, message, (pointer(path),))
