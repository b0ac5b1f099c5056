"""The evaluator: a syntax tree and a JSON environment → a JSON value.

Semantics follow expr-lang/expr where templates depend on them: a missing map key reads as
``nil``; reading a field *of* nil is an error unless the link is optional (``?.``), and an
optional link that meets nil makes the rest of its chain nil; ``&&``, ``||``, ``!`` and the
conditional take booleans only (no truthiness, so a typo does not quietly read as false); ``==``
compares deeply and numerically (``1 == 1.0``). Every node visited and every item compared is
charged to the :class:`~facturo.transform.steps.expr.values.Budget`.

Only JSON values exist here: the evaluator never calls methods or reads attributes of Python
objects, so an expression can reach nothing but the document it is given and the builtins.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import Decimal

from facturo.transform.steps.expr.builtins import BUILTINS
from facturo.transform.steps.expr.errors import (
    ExprEvalError,
    ExprIndexError,
    ExprLimitExceeded,
    ExprNilError,
    ExprTypeError,
)
from facturo.transform.steps.expr.limits import Limits
from facturo.transform.steps.expr.nodes import (
    ArrayLit,
    Binary,
    Call,
    Chain,
    Conditional,
    Index,
    Literal,
    MapLit,
    Member,
    Name,
    Node,
    Unary,
)
from facturo.transform.steps.expr.regex import compile_pattern
from facturo.transform.steps.expr.values import Budget, Value, is_number, number, type_name

_MAX_COMPARE_DEPTH = 256
_MAX_EXPONENT = 1000
_ARITHMETIC = decimal.Context(
    prec=34, traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow]
)


def evaluate(tree: Node, env: Value, limits: Limits) -> Value:
    """Evaluate ``tree`` with ``env`` as the top-level names (a map, or anything for ``$env``)."""
    return _Evaluator(env, Budget(limits)).eval(tree)


class _Evaluator:
    def __init__(self, env: Value, budget: Budget) -> None:
        self.env = env
        self.budget = budget

    def eval(self, node: Node) -> Value:
        self.budget.spend()
        match node:
            case Literal(value=value):
                return value
            case Name(name=name):
                return self._name(name)
            case Chain():
                return self._chain(node)
            case Unary():
                return self._unary(node)
            case Binary():
                return self._binary(node)
            case Conditional(test=test, then=then, otherwise=otherwise):
                return (
                    self.eval(then) if self._bool(self.eval(test), "?:") else self.eval(otherwise)
                )
            case Call(name=name, args=args):
                return BUILTINS[name].run([self.eval(arg) for arg in args], self.budget)
            case ArrayLit(items=items):
                self.budget.items(len(items))
                return [self.eval(item) for item in items]
            case MapLit(items=pairs):
                out: dict[str, Value] = {}
                for key_node, value_node in pairs:
                    key = self.eval(key_node)
                    if not isinstance(key, str):
                        raise ExprTypeError(f"a map key must be a string, got {type_name(key)}")
                    out[key] = self.eval(value_node)
                return out
        raise ExprEvalError(f"cannot evaluate {type(node).__name__}")  # pragma: no cover

    def _name(self, name: str) -> Value:
        if isinstance(self.env, Mapping):
            if name in self.env:
                return self.env[name]
            if name == "$env":
                return self.env
            return None
        return self.env if name == "$env" else None

    def _chain(self, node: Chain) -> Value:
        value = self.eval(node.base)
        for link in node.links:
            self.budget.spend()
            if value is None:
                if link.optional:
                    return None
                what = link.name if isinstance(link, Member) else "an index"
                raise ExprNilError(f"cannot read {what} from nil at offset {link.offset}; use ?.")
            if isinstance(link, Member):
                value = self._member(value, link)
            else:
                value = self._index(value, self.eval(link.key), link)
        return value

    def _member(self, value: Value, link: Member) -> Value:
        if isinstance(value, Mapping):
            return value.get(link.name)
        raise ExprTypeError(
            f"cannot read field {link.name} of a {type_name(value)} at offset {link.offset}"
        )

    def _index(self, value: Value, key: Value, link: Index) -> Value:
        if isinstance(value, Mapping):
            if not isinstance(key, str):
                raise ExprTypeError(f"a map index must be a string, got {type_name(key)}")
            return value.get(key)
        if isinstance(value, list | tuple | str):
            if not is_number(key) or number(key) != number(key).to_integral_value():
                raise ExprTypeError(f"a list index must be an integer, got {type_name(key)}")
            position = int(number(key))
            if not -len(value) <= position < len(value):
                raise ExprIndexError(
                    f"index {position} out of range for length {len(value)} at offset {link.offset}"
                )
            return value[position]
        raise ExprTypeError(f"cannot index a {type_name(value)} at offset {link.offset}")

    def _bool(self, value: Value, op: str) -> bool:
        if not isinstance(value, bool):
            raise ExprTypeError(f"{op} expects a bool, got {type_name(value)}")
        return value

    def _unary(self, node: Unary) -> Value:
        value = self.eval(node.operand)
        if node.op == "not":
            return not self._bool(value, "!")
        if not is_number(value):
            raise ExprTypeError(f"unary {node.op} expects a number, got {type_name(value)}")
        return -number(value) if node.op == "-" else number(value)

    def _binary(self, node: Binary) -> Value:
        op = node.op
        if op == "&&":
            return self._bool(self.eval(node.left), "&&") and self._bool(
                self.eval(node.right), "&&"
            )
        if op == "||":
            return self._bool(self.eval(node.left), "||") or self._bool(self.eval(node.right), "||")
        left = self.eval(node.left)
        if op == "??":
            return left if left is not None else self.eval(node.right)
        right = self.eval(node.right)
        if op.startswith("not "):
            return not self._compare(op[4:], left, right)
        if op in (
            "==",
            "!=",
            "<",
            ">",
            "<=",
            ">=",
            "in",
            "contains",
            "startsWith",
            "endsWith",
            "matches",
        ):
            return self._compare(op, left, right)
        return self._arithmetic(op, left, right)

    def _compare(self, op: str, left: Value, right: Value) -> bool:
        if op == "==":
            return self._equal(left, right, 0)
        if op == "!=":
            return not self._equal(left, right, 0)
        if op in ("<", ">", "<=", ">="):
            return _order(op, left, right)
        if op == "in":
            return self._in(left, right)
        if not isinstance(left, str) or not isinstance(right, str):
            raise ExprTypeError(
                f"{op} expects two strings, got {type_name(left)} and {type_name(right)}"
            )
        if op == "contains":
            return right in left
        if op == "startsWith":
            return left.startswith(right)
        if op == "endsWith":
            return left.endswith(right)
        # matches
        if len(left) > self.budget.limits.max_subject:
            raise ExprLimitExceeded(
                f"matches on more than {self.budget.limits.max_subject} characters"
            )
        return compile_pattern(right, self.budget.limits).search(left) is not None

    def _in(self, item: Value, container: Value) -> bool:
        if isinstance(container, Mapping):
            if not isinstance(item, str):
                raise ExprTypeError(f"a map key must be a string, got {type_name(item)}")
            return item in container
        if isinstance(container, list | tuple):
            return any(self._equal(item, candidate, 0) for candidate in container)
        raise ExprTypeError(f"in expects a list or a map, got {type_name(container)}")

    def _equal(self, left: Value, right: Value, depth: int) -> bool:
        self.budget.spend()
        if depth > _MAX_COMPARE_DEPTH:
            raise ExprLimitExceeded(f"values nested deeper than {_MAX_COMPARE_DEPTH} levels")
        if is_number(left) and is_number(right):
            return number(left) == number(right)
        if isinstance(left, bool) or isinstance(right, bool):
            return left is right
        if isinstance(left, list | tuple) and isinstance(right, list | tuple):
            return len(left) == len(right) and all(
                self._equal(a, b, depth + 1) for a, b in zip(left, right, strict=True)
            )
        if isinstance(left, Mapping) and isinstance(right, Mapping):
            return left.keys() == right.keys() and all(
                self._equal(left[k], right[k], depth + 1) for k in left
            )
        if type_name(left) != type_name(right):
            return False
        return bool(left == right)

    def _arithmetic(self, op: str, left: Value, right: Value) -> Value:
        if op == "+":
            if isinstance(left, str) and isinstance(right, str):
                return self.budget.string(left + right)
            if isinstance(left, list | tuple) and isinstance(right, list | tuple):
                self.budget.items(len(left) + len(right))
                return [*left, *right]
        if not is_number(left) or not is_number(right):
            raise ExprTypeError(
                f"{op} expects two numbers, got {type_name(left)} and {type_name(right)}"
            )
        a, b = number(left), number(right)
        try:
            if op == "+":
                return _ARITHMETIC.add(a, b)
            if op == "-":
                return _ARITHMETIC.subtract(a, b)
            if op == "*":
                return _ARITHMETIC.multiply(a, b)
            if op == "/":
                return _ARITHMETIC.divide(a, b)
            if op == "%":
                return _ARITHMETIC.remainder(a, b)
            if b != b.to_integral_value() or abs(b) > _MAX_EXPONENT:
                raise ExprEvalError(f"** takes an integer exponent up to {_MAX_EXPONENT}")
            return _ARITHMETIC.power(a, b)
        except decimal.DivisionByZero:
            raise ExprEvalError("division by zero") from None
        except decimal.DecimalException as exc:
            raise ExprEvalError(f"{op} failed: {type(exc).__name__}") from None


def _order(op: str, left: Value, right: Value) -> bool:
    a: Decimal | str
    b: Decimal | str
    if is_number(left) and is_number(right):
        a, b = number(left), number(right)
    elif isinstance(left, str) and isinstance(right, str):
        a, b = left, right
    else:
        raise ExprTypeError(
            f"{op} expects two numbers or two strings, got {type_name(left)} and {type_name(right)}"
        )
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]
