"""The functions an expression may call: a fixed list, checked by name and arity at parse time.

Names and behaviour follow expr-lang/expr's builtins where they exist there (``len``, ``lower``,
``trimPrefix`` …), so expressions move between Invopop and Facturo unchanged. There is no way to
reach anything else: no attribute access on Python objects, no imports, no user functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from facturo.transform.steps.expr.errors import ExprTypeError
from facturo.transform.steps.expr.values import Budget, Value, is_number, number, text, type_name

Impl = Callable[[Sequence[Value], Budget], Value]


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str
    min_args: int
    max_args: int
    run: Impl

    @property
    def arity_text(self) -> str:
        if self.min_args == self.max_args:
            return f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


def _str(value: Value, fn: str) -> str:
    if not isinstance(value, str):
        raise ExprTypeError(f"{fn}() expects a string, got {type_name(value)}")
    return value


def _list(value: Value, fn: str) -> list[Value]:
    if not isinstance(value, list | tuple):
        raise ExprTypeError(f"{fn}() expects a list, got {type_name(value)}")
    return list(value)


def _map(value: Value, fn: str) -> dict[str, Value]:
    if not isinstance(value, dict):
        raise ExprTypeError(f"{fn}() expects a map, got {type_name(value)}")
    return value


def _len(args: Sequence[Value], budget: Budget) -> Value:
    value = args[0]
    if isinstance(value, str | list | tuple | dict):
        return Decimal(len(value))
    raise ExprTypeError(f"len() expects a string, list or map, got {type_name(value)}")


def _trim(args: Sequence[Value], budget: Budget) -> Value:
    chars = _str(args[1], "trim") if len(args) > 1 else None
    return _str(args[0], "trim").strip(chars)


def _int(args: Sequence[Value], budget: Budget) -> Value:
    return _to_number(args[0], "int").quantize(Decimal(1), rounding=ROUND_DOWN)


def _float(args: Sequence[Value], budget: Budget) -> Value:
    return _to_number(args[0], "float")


def _to_number(value: Value, fn: str) -> Decimal:
    if is_number(value):
        return number(value)
    if isinstance(value, str) and len(value) <= 64:
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            pass
        else:
            if parsed.is_finite():
                return parsed
    raise ExprTypeError(f"{fn}() cannot convert {type_name(value)} {_shown(value)}")


def _shown(value: Value) -> str:
    return repr(value[:32]) if isinstance(value, str) else ""


def _abs(args: Sequence[Value], budget: Budget) -> Value:
    return abs(number(args[0]))


def _split(args: Sequence[Value], budget: Budget) -> Value:
    parts = _str(args[0], "split").split(_str(args[1], "split") or None)
    budget.items(len(parts))
    return parts


def _join(args: Sequence[Value], budget: Budget) -> Value:
    items = _list(args[0], "join")
    sep = _str(args[1], "join") if len(args) > 1 else ""
    budget.spend(len(items))
    return budget.string(sep.join(_str(item, "join") for item in items))


def _first(args: Sequence[Value], budget: Budget) -> Value:
    items = _list(args[0], "first")
    return items[0] if items else None


def _last(args: Sequence[Value], budget: Budget) -> Value:
    items = _list(args[0], "last")
    return items[-1] if items else None


def _keys(args: Sequence[Value], budget: Budget) -> Value:
    mapping = _map(args[0], "keys")
    budget.spend(len(mapping))
    return sorted(mapping)


def _values(args: Sequence[Value], budget: Budget) -> Value:
    mapping = _map(args[0], "values")
    budget.spend(len(mapping))
    return [mapping[key] for key in sorted(mapping)]


def _index_of(args: Sequence[Value], budget: Budget) -> Value:
    return Decimal(_str(args[0], "indexOf").find(_str(args[1], "indexOf")))


_ALL = (
    Builtin("len", 1, 1, _len),
    Builtin("lower", 1, 1, lambda a, b: _str(a[0], "lower").lower()),
    Builtin("upper", 1, 1, lambda a, b: _str(a[0], "upper").upper()),
    Builtin("trim", 1, 2, _trim),
    Builtin(
        "trimPrefix",
        2,
        2,
        lambda a, b: _str(a[0], "trimPrefix").removeprefix(_str(a[1], "trimPrefix")),
    ),
    Builtin(
        "trimSuffix",
        2,
        2,
        lambda a, b: _str(a[0], "trimSuffix").removesuffix(_str(a[1], "trimSuffix")),
    ),
    Builtin("string", 1, 1, lambda a, b: b.string(text(a[0]))),
    Builtin("int", 1, 1, _int),
    Builtin("float", 1, 1, _float),
    Builtin("abs", 1, 1, _abs),
    Builtin("split", 2, 2, _split),
    Builtin("join", 1, 2, _join),
    Builtin("first", 1, 1, _first),
    Builtin("last", 1, 1, _last),
    Builtin("keys", 1, 1, _keys),
    Builtin("values", 1, 1, _values),
    Builtin("indexOf", 2, 2, _index_of),
)

BUILTINS: dict[str, Builtin] = {b.name: b for b in _ALL}
"""Every function an expression may call, by name."""
