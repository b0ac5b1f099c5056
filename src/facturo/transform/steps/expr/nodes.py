"""The syntax tree the parser builds and the evaluator walks.

Every node keeps the ``offset`` of its first character, so an evaluation error can say where in
the expression it happened. Member access and indexing form one :class:`Chain` so optional
chaining can short-circuit the whole rest of the chain, as in expr-lang and JavaScript:
``doc?.payment.terms`` is nil when ``doc`` is nil, but an error when ``payment`` is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Literal:
    offset: int
    value: Decimal | str | bool | None


@dataclass(frozen=True, slots=True)
class Name:
    offset: int
    name: str


@dataclass(frozen=True, slots=True)
class Member:
    """``.name`` or ``?.name`` inside a chain."""

    offset: int
    name: str
    optional: bool


@dataclass(frozen=True, slots=True)
class Index:
    """``[expr]`` or ``?.[expr]`` inside a chain."""

    offset: int
    key: Node
    optional: bool


@dataclass(frozen=True, slots=True)
class Chain:
    offset: int
    base: Node
    links: tuple[Member | Index, ...]


@dataclass(frozen=True, slots=True)
class Unary:
    offset: int
    op: str  # "not" or "-" or "+"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    offset: int
    op: str  # canonical spelling: "&&" for "and", "||" for "or", "not in" …
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Conditional:
    offset: int
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Call:
    offset: int
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ArrayLit:
    offset: int
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class MapLit:
    offset: int
    items: tuple[tuple[Node, Node], ...]


Node = Literal | Name | Chain | Unary | Binary | Conditional | Call | ArrayLit | MapLit


def children(node: Node) -> tuple[Node, ...]:
    """The sub-expressions of ``node``, in source order."""
    match node:
        case Chain(base=base, links=links):
            return (base, *(link.key for link in links if isinstance(link, Index)))
        case Unary(operand=operand):
            return (operand,)
        case Binary(left=left, right=right):
            return (left, right)
        case Conditional(test=test, then=then, otherwise=otherwise):
            return (test, then, otherwise)
        case Call(args=args):
            return args
        case ArrayLit(items=items):
            return items
        case MapLit(items=pairs):
            return tuple(part for pair in pairs for part in pair)
    return ()


def walk(node: Node) -> list[tuple[Node, int]]:
    """Every node under ``node`` (itself included) with its depth, without recursion."""
    found: list[tuple[Node, int]] = []
    pending = [(node, 1)]
    while pending:
        current, depth = pending.pop()
        found.append((current, depth))
        pending.extend((child, depth + 1) for child in reversed(children(current)))
    return found
