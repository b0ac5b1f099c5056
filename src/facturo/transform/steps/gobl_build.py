"""``gobl.build`` and ``gobl.validate``: Facturo's own GOBL steps, and GOBL faults as step KOs.

Invopop's catalogue has no action that builds or validates a document (its Silo does that on
every write), so these ids are Facturo's, in a ``gobl.`` namespace no Invopop action uses. They
serve entries stored with ``allow_invalid`` (or by other steps) that a workflow wants to check
or repair before sending them on:

- ``gobl.build`` recalculates and validates the entry's envelope with ``facturo.gobl`` and saves
  it (a new version only if the content changed), so totals and digest are current;
- ``gobl.validate`` does the same without saving.

Both answer KO when the document is invalid: the code is the first fault's gobl code
(``GOBL-BILL-LINE-02``) with its JSON paths into the envelope (``$.doc.lines[0].quantity``),
and every fault travels with the result so the job and the entry record them all.
:func:`gobl_ko` is that mapping, shared by the steps that rebuild documents (``silo.modify``,
``sequence.enumerate``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from facturo import gobl
from facturo.errors import Fault
from facturo.platform.ids import uuid7
from facturo.silo import service as silo_service
from facturo.silo.errors import EntryNotFound
from facturo.silo.models import Entry
from facturo.silo.service import JSON_TYPE, Source
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider

NO_ENTRY = "entry.not_found"
_BODY_ROOT = "$.data"


def gobl_ko(exc: gobl.GoblError, provider_id: str) -> StepResult:
    """A KO carrying gobl's faults, with paths into the envelope.

    The Silo roots fault paths at an HTTP request's ``data`` (``$.data.doc.x``); a step's faults
    describe the entry itself, so that root is taken off again (``$.doc.x``).
    """
    faults = tuple(
        Fault(
            code=f.code,
            message=f.message,
            paths=tuple(_envelope_path(p) for p in f.paths),
            provider=provider_id,
        )
        for f in exc.faults
    ) or (Fault(code=exc.key.value, message=exc.message, provider=provider_id),)
    first = faults[0]
    return StepResult.ko(first.code, first.message, faults=faults, paths=first.paths)


def _envelope_path(path: str) -> str:
    if path == _BODY_ROOT:
        return "$"
    if path.startswith(_BODY_ROOT) and path[len(_BODY_ROOT)] in ".[":
        return "$" + path[len(_BODY_ROOT) :]
    return path


def load_entry(ctx: StepContext) -> Entry | StepResult:
    """The job's entry, or the KO a step answers when the job has none."""
    if ctx.job.silo_entry_id is None:
        return StepResult.ko(NO_ENTRY, "the job has no silo entry")
    try:
        return silo_service.get_entry(
            ctx.uow, workspace_id=ctx.job.workspace_id, entry_id=ctx.job.silo_entry_id
        )
    except EntryNotFound as exc:
        return StepResult.ko(NO_ENTRY, exc.detail)


def step_source(ctx: StepContext) -> Source:
    """Who changed the entry, as its versions record it: the job."""
    return Source(src="transform", src_id=str(ctx.job.id))


class BuildConfig(BaseModel):
    """No settings: the document says everything (``$regime``, ``$addons``)."""

    model_config = ConfigDict(extra="forbid")


@provider("gobl.build", config=BuildConfig, effect=Effect.PURE)
def build(ctx: StepContext, config: BuildConfig) -> StepResult:
    """Recalculate, validate and save the entry's envelope; KO with the faults if invalid."""
    entry = load_entry(ctx)
    if isinstance(entry, StepResult):
        return entry
    try:
        silo_service.update_data(
            ctx.uow,
            workspace_id=entry.workspace_id,
            entry_id=entry.id,
            data=entry.data,
            content_type=JSON_TYPE,
            source=step_source(ctx),
            now=ctx.now,
        )
    except gobl.GoblError as exc:
        return gobl_ko(exc, "gobl.build")
    return StepResult.ok()


@provider("gobl.validate", config=BuildConfig, effect=Effect.PURE)
def validate(ctx: StepContext, config: BuildConfig) -> StepResult:
    """Check that the entry's document calculates and validates; writes nothing."""
    entry = load_entry(ctx)
    if isinstance(entry, StepResult):
        return entry
    try:
        gobl.build(entry.data, uuid_factory=uuid7, now=ctx.now)
    except gobl.GoblError as exc:
        return gobl_ko(exc, "gobl.validate")
    return StepResult.ok()
