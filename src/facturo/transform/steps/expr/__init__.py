"""The expression language of ``silo.if`` and ``silo.modify``: a sandboxed subset of expr-lang.

Invopop's workflow templates write conditions in expr-lang/expr, a Go expression language
(``$schema endsWith "bill/invoice"``, ``doc?.payment?.terms?.due_dates != nil``). This package
reads the same syntax with a real tokenizer (:mod:`.tokens`) and a precedence-climbing parser
(:mod:`.parser`) into a tree (:mod:`.nodes`), and evaluates it over JSON values
(:mod:`.evaluate`). It is pure: no I/O, no platform imports, and nothing reachable from an
expression but the document and the builtins (:mod:`.builtins`). Every cost is bounded
(:mod:`.limits`), regular expressions included (:mod:`.regex`).

>>> compile_expression('doc?.payment?.terms?.due_dates != nil').evaluate({"doc": {}})
False
>>> compile_expression('$schema endsWith "bill/invoice"').evaluate(
...     {"$schema": "https://gobl.org/draft-0/bill/invoice"})
True
"""

from facturo.transform.steps.expr.errors import (
    ExprError,
    ExprEvalError,
    ExprIndexError,
    ExprLimitExceeded,
    ExprNilError,
    ExprRegexError,
    ExprSyntaxError,
    ExprTooLarge,
    ExprTypeError,
)
from facturo.transform.steps.expr.field import ExprSource
from facturo.transform.steps.expr.limits import DEFAULT_LIMITS, Limits
from facturo.transform.steps.expr.program import Expression, compile_expression
from facturo.transform.steps.expr.scope import Scope, scoped

__all__ = [
    "DEFAULT_LIMITS",
    "ExprError",
    "ExprEvalError",
    "ExprIndexError",
    "ExprLimitExceeded",
    "ExprNilError",
    "ExprRegexError",
    "ExprSource",
    "ExprSyntaxError",
    "ExprTooLarge",
    "ExprTypeError",
    "Expression",
    "Limits",
    "Scope",
    "compile_expression",
    "scoped",
]
