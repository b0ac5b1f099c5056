"""``silo.stamp`` and ``silo.meta``: leave a stamp or a meta row on the job's entry.

Invopop's catalogue has no public action for these; Facturo offers them under its own ids so a
workflow can record what an outside system said (a registration number, a portal link) the way
the VERI*FACTU steps record theirs. Values may use the job's args as ``{{args.name}}``, so a
previous step's result can be written. Both write in the step's transaction (effect PURE).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from facturo.silo import service as silo
from facturo.silo.errors import StampNeedsSignature
from facturo.silo.service_meta import MetaFields, upsert_meta
from facturo.transform.steps.base import StepContext, StepResult, provider

_ARG = re.compile(r"\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}")


def _fill(text: str, ctx: StepContext) -> str:
    """``{{args.x}}`` replaced by the job's arg ``x`` (empty when the job has none)."""
    return _ARG.sub(lambda m: ctx.job.args.get(m.group(1), ""), text)


class StampConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9.-]*$")
    value: str = Field(min_length=1, max_length=2048)


class MetaConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=128)
    value: str = Field(default="", max_length=10_000)
    ref: str = Field(default="", max_length=255)
    link_url: str = Field(default="", max_length=2048)
    src: str = Field(default="workflow", min_length=1, max_length=64)


@provider("silo.stamp", config=StampConfig)
def stamp(ctx: StepContext, config: StampConfig) -> StepResult:
    """Put ``{prv, val}`` in the envelope's head (one stamp per provider, on signed envelopes)."""
    if ctx.job.silo_entry_id is None:
        return StepResult.ko("entry.missing", "the job has no Silo entry")
    try:
        silo.add_stamp(
            ctx.uow,
            workspace_id=ctx.job.workspace_id,
            entry_id=ctx.job.silo_entry_id,
            prv=config.provider,
            val=_fill(config.value, ctx),
            source=silo.Source("workflow", str(ctx.job.id)),
            now=ctx.now,
        )
    except StampNeedsSignature as exc:
        return StepResult.ko("envelope.unsigned", exc.detail)
    return StepResult.ok()


@provider("silo.meta", config=MetaConfig)
def meta(ctx: StepContext, config: MetaConfig) -> StepResult:
    """Create or replace the entry's meta row ``(src, key)``."""
    if ctx.job.silo_entry_id is None:
        return StepResult.ko("entry.missing", "the job has no Silo entry")
    upsert_meta(
        ctx.uow,
        workspace_id=ctx.job.workspace_id,
        entry_id=ctx.job.silo_entry_id,
        src=config.src,
        key=config.key,
        fields=MetaFields(
            value=_fill(config.value, ctx) or None,
            ref=_fill(config.ref, ctx) or None,
            link_url=_fill(config.link_url, ctx) or None,
        ),
        now=ctx.now,
    )
    return StepResult.ok()
