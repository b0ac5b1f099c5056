"""The parsed form of a Go template: Go's ``text/template/parse`` nodes, trimmed to what e-mail
fields use. PURE.

A pipeline is commands joined by ``|``; a command is operands, the first of which may be a
function (:class:`Identifier`). Branches share one shape (``if``, ``with``, ``range``), as in
Go's ``BranchNode``; ``else if`` is a branch inside ``orelse``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class TemplateSyntaxError(ValueError):
    """The template cannot be parsed; ``line`` is 1-based in the template's own text."""

    def __init__(self, message: str, line: int) -> None:
        self.line = line
        self.reason = message
        super().__init__(f"line {line}: {message}")


@dataclass(frozen=True, slots=True)
class Field:
    """``.a.b`` on dot (``names`` empty: dot itself)."""

    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Variable:
    """``$`` or ``$x``, with an optional field chain (``$x.a``)."""

    name: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Identifier:
    """A function name, e.g. ``printf``; with ``names`` a chain such as ``args.payment_link``."""

    name: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any


@dataclass(frozen=True, slots=True)
class Chain:
    """``(pipeline).a.b``."""

    node: Pipeline
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Command:
    args: tuple[Arg, ...]


@dataclass(frozen=True, slots=True)
class Pipeline:
    commands: tuple[Command, ...]
    decls: tuple[str, ...] = ()
    assign: bool = False  # ``=`` rather than ``:=``


Arg = Field | Variable | Identifier | Literal | Chain | Pipeline
"""One operand of a command; a parenthesised pipeline is one too."""


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Action:
    pipeline: Pipeline
    url: bool = False  # starts a href/src attribute value in an HTML template


@dataclass(frozen=True, slots=True)
class Branch:
    """``if``, ``with`` or ``range``: ``body`` when the pipeline is true, else ``orelse``."""

    kind: str
    pipeline: Pipeline
    body: tuple[Node, ...]
    orelse: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Loop:
    """``break`` or ``continue``."""

    kind: str


Node = Text | Action | Branch | Loop
