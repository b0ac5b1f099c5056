"""JSON values as the expression language sees them, and the budget that bounds a run.

Documents arrive as parsed JSON: ``dict``, ``list``, ``str``, ``bool``, ``None`` and numbers,
which may be ``int`` or ``float`` when they come from a JSON column. The language has one number
type, :class:`~decimal.Decimal`, so ``1 == 1.0`` and money never goes through binary floats;
:func:`number` converts on the way in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from facturo.transform.steps.expr.errors import ExprLimitExceeded, ExprTypeError
from facturo.transform.steps.expr.limits import Limits

Value = Any
"""A JSON value: None, bool, Decimal (or int/float on input), str, list or dict with str keys."""


def is_number(value: Value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def number(value: Value) -> Decimal:
    """The value as a Decimal; floats go through their shortest repr, never binary expansion."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise ExprTypeError(f"expected a number, got {type_name(value)}")


def type_name(value: Value) -> str:
    """The language's name for a value's type, for error messages."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "map"
    return "unsupported value"


def text(value: Value) -> str:
    """How ``string()`` and ``+`` with a string show a value."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format(number(value), "f")
    if isinstance(value, str):
        return value
    raise ExprTypeError(f"cannot turn a {type_name(value)} into a string")


class Budget:
    """Counts evaluation steps and checks the size of what an evaluation builds."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.steps = 0

    def spend(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > self.limits.max_steps:
            raise ExprLimitExceeded(f"more than {self.limits.max_steps} evaluation steps")

    def string(self, value: str) -> str:
        if len(value) > self.limits.max_string:
            raise ExprLimitExceeded(f"a string longer than {self.limits.max_string} characters")
        return value

    def items(self, count: int) -> None:
        if count > self.limits.max_items:
            raise ExprLimitExceeded(f"a collection of more than {self.limits.max_items} items")
