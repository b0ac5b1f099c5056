"""``silo.if`` (If / Else): evaluate an expression on the entry and answer ``true`` or ``false``.

Templates branch on the code, not the status (``TPL:fr/fr-pa-send-invoice``: ``{"status": "NA",
"code": "true"}`` and ``{"status": "NA", "code": "false"}``), so both outcomes are OK. An
expression that cannot be evaluated on this document (a type error, nil where a map was needed,
a budget exceeded) or that yields something other than a boolean is a KO carrying the expression
error's code (``expr.type``, ``expr.nil``, ``expr.not_bool`` …), which the rescue flow or an
exception block can match. The expression itself was checked when the workflow was saved.

Reads only: the effect is PURE.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from facturo.transform.steps.base import Effect, StepContext, StepResult, provider
from facturo.transform.steps.expr import ExprError, ExprSource, Scope, compile_expression, scoped
from facturo.transform.steps.gobl_build import load_entry

NOT_BOOL = "expr.not_bool"


class IfConfig(BaseModel):
    """``silo.if`` config (spec §5.1): ``expr`` and the ``scope`` it sees."""

    model_config = ConfigDict(extra="allow")

    expr: ExprSource = Field(min_length=1, pattern=r"\S")
    scope: Scope = Scope.ENV


@provider("silo.if", config=IfConfig, effect=Effect.PURE)
def silo_if(ctx: StepContext, config: IfConfig) -> StepResult:
    """OK ``true`` / OK ``false``; KO with the expression error's code."""
    entry = load_entry(ctx)
    if isinstance(entry, StepResult):
        return entry
    try:
        value = compile_expression(config.expr).evaluate(scoped(entry.data, config.scope))
    except ExprError as exc:
        return StepResult.ko(exc.code, exc.detail)
    if not isinstance(value, bool):
        return StepResult.ko(NOT_BOOL, "the expression did not evaluate to true or false")
    return StepResult.ok("true" if value else "false")
