"""``sequence.enumerate`` (Add sequential code): give the document the next code of a series.

Which series (``DOCS:guides/series``, ``DOCS:console/series``):

- the job arg ``sequence-series-id`` names an existing series of the workspace ("static");
  an id that is not one gives KO ``sequence.not_found``, "sequence not found" (spec §5.1);
- otherwise the step uses a "dynamic" series tied to the config ``name``, the supplier's tax ID
  and the document's own ``series``, created on first use with the config's ``prefix``,
  ``padding`` (default 6) and ``start`` (default 1). So ``Verifactu`` codes of two suppliers, or
  of series ``A`` and ``B``, count independently, as the tax rules expect.

The code (prefix + zero-padded number) goes into ``doc.code``; the document's ``series`` is left
as it is. A document that already has a code keeps it and consumes no number, which is also what
makes a rerun harmless: once the step's transaction committed, the document is numbered.

Gapless: the number is taken in ``ctx.uow`` (``facturo.sequence.service.issue_entry``), in the
same transaction as the document update and the engine's checkpoint, inside a savepoint that is
rolled back when the rebuilt document is invalid, so a KO or a crash never burns a number. The
sequence entry's id derives from ``ctx.idempotency_key``, so even a replay that reached the
sequence again would get the same number back.

With ``sign`` the envelope is signed afterwards with the signing key from ``ctx.resources``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from facturo import gobl
from facturo.gobl.dsig import PrivateKey
from facturo.sequence import service as sequence_service
from facturo.sequence.errors import SeriesNotFound
from facturo.sequence.models import DEFAULT_PADDING, Series
from facturo.silo import service as silo_service
from facturo.silo.models import Entry
from facturo.silo.service import MERGE_PATCH
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider
from facturo.transform.steps.gobl_build import gobl_ko, load_entry, step_source

ACTION = "sequence.enumerate"
SERIES_ARG = "sequence-series-id"
NOT_FOUND = "sequence.not_found"
SIGNED = "entry.signed"
NO_KEY = "sign.no_key"

# Sequence entry ids for steps: uuid5(namespace, "job_id:step_id"), stable across reruns.
_ENTRY_NAMESPACE = uuid.UUID("1b3f5d2e-8c4a-5e7f-9a0b-6c2d4e8f1a3b")


class EnumerateConfig(BaseModel):
    """``sequence.enumerate`` config (spec §5.1; keys as the templates write them)."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(default="", max_length=200)
    prefix: str = Field(default="", max_length=100)
    padding: int = Field(default=DEFAULT_PADDING, ge=0, le=32)
    start: int = Field(default=1, ge=0, le=10**15)
    sign: bool = False


def _supplier_tax_id(doc: dict[str, Any]) -> str:
    supplier = doc.get("supplier")
    tax_id = supplier.get("tax_id") if isinstance(supplier, dict) else None
    if not isinstance(tax_id, dict):
        return ""
    return f"{tax_id.get('country') or ''}{tax_id.get('code') or ''}"


def dynamic_key(name: str, doc: dict[str, Any]) -> str:
    """The key of the dynamic series for ``name``, the supplier's tax ID and the doc's series."""
    parts = [name, _supplier_tax_id(doc), str(doc.get("series") or "")]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _series(ctx: StepContext, config: EnumerateConfig, doc: dict[str, Any]) -> Series | None:
    chosen = ctx.arg(SERIES_ARG)
    if chosen:
        try:
            series_id = uuid.UUID(chosen)
            return sequence_service.get_series(
                ctx.uow, workspace_id=ctx.job.workspace_id, series_id=series_id
            )
        except (ValueError, SeriesNotFound):
            return None
    settings = sequence_service.SeriesSettings(
        name=config.name,
        description=f"Created by {ACTION} for {_supplier_tax_id(doc) or 'any supplier'}, "
        f"series {doc.get('series') or '(none)'}",
        prefix=config.prefix,
        padding=config.padding,
        start=config.start,
    )
    return sequence_service.dynamic_series(
        ctx.uow,
        workspace_id=ctx.job.workspace_id,
        key=dynamic_key(config.name, doc),
        settings=settings,
        now=ctx.now,
    )


@provider(ACTION, config=EnumerateConfig, effect=Effect.PURE)
def enumerate_code(ctx: StepContext, config: EnumerateConfig) -> StepResult:
    """OK with the code as message; KO when the series is unknown or the result is invalid."""
    entry = load_entry(ctx)
    if isinstance(entry, StepResult):
        return entry
    doc = entry.data.get("doc") or {}
    if doc.get("code"):
        return StepResult.ok(message=f"the document keeps its code {doc['code']}")
    if entry.signed:
        return StepResult.ko(SIGNED, "the envelope is signed; its code cannot be set")
    key: PrivateKey | None = None
    if config.sign:
        key = ctx.resources.find(PrivateKey)
        if key is None:
            return StepResult.ko(NO_KEY, "no signing key is configured for steps")
    series = _series(ctx, config, doc)
    if series is None:
        return StepResult.ko(NOT_FOUND, "sequence not found")
    try:
        with ctx.uow.session.begin_nested():
            code = _number(ctx, entry, series)
            if key is not None:
                silo_service.sign_entry(
                    ctx.uow,
                    workspace_id=entry.workspace_id,
                    entry_id=entry.id,
                    key=key,
                    source=step_source(ctx),
                    now=ctx.now,
                )
    except gobl.GoblError as exc:
        return gobl_ko(exc, ACTION)
    return StepResult.ok(message=code)


def _number(ctx: StepContext, entry: Entry, series: Series) -> str:
    issued = sequence_service.issue_entry(
        ctx.uow,
        workspace_id=entry.workspace_id,
        series_id=series.id,
        entry_id=uuid.uuid5(_ENTRY_NAMESPACE, ctx.idempotency_key),
        meta={"silo_entry_id": str(entry.id), "job_id": str(ctx.job.id)},
        now=ctx.now,
    )
    silo_service.update_data(
        ctx.uow,
        workspace_id=entry.workspace_id,
        entry_id=entry.id,
        data={"doc": {"code": issued.code}},
        content_type=MERGE_PATCH,
        source=step_source(ctx),
        allow_invalid=entry.invalid,
        now=ctx.now,
    )
    return issued.code
