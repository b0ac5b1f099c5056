"""The ``expr`` config key as a Pydantic type, so a bad expression fails when a workflow is saved.

Workflow validation reports a config error at the key's location, so a syntax error in step 2
becomes a 422 fault with the pointer ``#/steps/2/config/expr`` and the message names the offset.
An empty string means "no expression" (``silo.modify`` templates send ``"expr": ""``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from facturo.transform.steps.expr.errors import ExprSyntaxError
from facturo.transform.steps.expr.program import compile_expression


def _check(source: str) -> str:
    if source.strip():
        try:
            compile_expression(source)
        except ExprSyntaxError as exc:
            raise ValueError(f"invalid expression: {exc.detail}") from None
    return source


ExprSource = Annotated[str, AfterValidator(_check)]
"""Expression source text, checked for syntax when the model is validated."""
