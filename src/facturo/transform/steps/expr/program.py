"""A compiled expression: parsed and checked once, evaluated on each job."""

from __future__ import annotations

from dataclasses import dataclass, field

from facturo.transform.steps.expr.errors import ExprRegexError, ExprSyntaxError
from facturo.transform.steps.expr.evaluate import evaluate
from facturo.transform.steps.expr.limits import DEFAULT_LIMITS, Limits
from facturo.transform.steps.expr.nodes import Binary, Literal, Node, walk
from facturo.transform.steps.expr.parser import parse
from facturo.transform.steps.expr.regex import compile_pattern
from facturo.transform.steps.expr.values import Value


@dataclass(frozen=True, slots=True)
class Expression:
    """Source text and its syntax tree; :meth:`evaluate` runs it on a JSON environment."""

    source: str
    tree: Node
    limits: Limits = field(default=DEFAULT_LIMITS)

    def evaluate(self, env: Value) -> Value:
        return evaluate(self.tree, env, self.limits)


def compile_expression(source: str, limits: Limits = DEFAULT_LIMITS) -> Expression:
    """Parse and check ``source``; raise :class:`ExprSyntaxError` (with the offset) if it is bad.

    Patterns written as literals (``code matches "^F-\\d+$"``) are checked here too, so a pattern
    the regex guard refuses is a save-time error rather than a KO on every job.
    """
    tree = parse(source, limits)
    for node, _depth in walk(tree):
        if isinstance(node, Binary) and node.op.endswith("matches"):
            pattern = node.right
            if isinstance(pattern, Literal) and isinstance(pattern.value, str):
                try:
                    compile_pattern(pattern.value, limits)
                except ExprRegexError as exc:
                    raise ExprSyntaxError(exc.detail, pattern.offset) from None
    return Expression(source, tree, limits)
