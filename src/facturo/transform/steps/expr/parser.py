"""The parser: tokens → syntax tree, by precedence climbing.

Operators and their binding strength follow expr-lang/expr (Go) so an expression written for
Invopop groups the same way here (tightest last)::

    ? :                                      conditional (right)
    || or                                    10
    && and                                   15
    == != < > <= >= in contains matches
    startsWith endsWith  (each also "not …")  20
    + -                                      30
    ! not  (prefix)                          50
    * / %                                    60
    - +    (prefix)                          90
    ** ^                                     100 (right)
    ??                                       500
    . ?. [ ] ( )                             postfix: member, index, call

Everything is checked here, before any job runs: the syntax, the nesting depth, and that each
called function exists and gets a number of arguments it accepts. Errors carry the offset of
the token at fault.
"""

from __future__ import annotations

from dataclasses import dataclass

from facturo.transform.steps.expr.builtins import BUILTINS
from facturo.transform.steps.expr.errors import ExprSyntaxError, ExprTooLarge
from facturo.transform.steps.expr.limits import DEFAULT_LIMITS, Limits
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
    walk,
)
from facturo.transform.steps.expr.tokens import Kind, Token, tokenize


@dataclass(frozen=True, slots=True)
class _BinaryOp:
    canonical: str
    precedence: int
    right: bool = False


_BINARY = {
    "||": _BinaryOp("||", 10),
    "or": _BinaryOp("||", 10),
    "&&": _BinaryOp("&&", 15),
    "and": _BinaryOp("&&", 15),
    "==": _BinaryOp("==", 20),
    "!=": _BinaryOp("!=", 20),
    "<": _BinaryOp("<", 20),
    ">": _BinaryOp(">", 20),
    "<=": _BinaryOp("<=", 20),
    ">=": _BinaryOp(">=", 20),
    "in": _BinaryOp("in", 20),
    "contains": _BinaryOp("contains", 20),
    "matches": _BinaryOp("matches", 20),
    "startsWith": _BinaryOp("startsWith", 20),
    "endsWith": _BinaryOp("endsWith", 20),
    "+": _BinaryOp("+", 30),
    "-": _BinaryOp("-", 30),
    "*": _BinaryOp("*", 60),
    "/": _BinaryOp("/", 60),
    "%": _BinaryOp("%", 60),
    "**": _BinaryOp("**", 100, right=True),
    "^": _BinaryOp("**", 100, right=True),
    "??": _BinaryOp("??", 500),
}

# Word operators that may follow "not" to negate them: ``x not in list``.
_NEGATABLE = frozenset({"in", "contains", "matches", "startsWith", "endsWith"})

_UNARY = {"!": ("not", 50), "not": ("not", 50), "-": ("-", 90), "+": ("+", 90)}

_CONSTANTS: dict[str, bool | None] = {"true": True, "false": False, "nil": None}

# Words that cannot be names: they are operators or constants.
_RESERVED = frozenset({"and", "or", "not", "in", "contains", "matches", "startsWith", "endsWith"})


def parse(source: str, limits: Limits = DEFAULT_LIMITS) -> Node:
    """Parse ``source`` into a tree; raise :class:`ExprSyntaxError` with the offset if invalid."""
    if len(source) > limits.max_source:
        raise ExprTooLarge(
            f"the expression has {len(source)} characters; at most {limits.max_source}",
            limits.max_source,
        )
    parser = _Parser(tokenize(source), limits)
    if parser.peek.kind is Kind.END:
        raise ExprSyntaxError("the expression is empty", 0)
    node = parser.expression()
    rest = parser.tokens[parser.pos]
    if rest.kind is not Kind.END:
        raise ExprSyntaxError(f"unexpected {rest.text!r}", rest.offset)
    # Operator chains (``1 + 1 + …``) build depth in a loop, not by recursion, so the tree's depth
    # is checked as well: the evaluator recurses once per level.
    for sub, depth in walk(node):
        if depth > limits.max_depth:
            raise ExprTooLarge(f"nested deeper than {limits.max_depth} levels", sub.offset)
    return node


class _Parser:
    def __init__(self, tokens: list[Token], limits: Limits) -> None:
        self.tokens = tokens
        self.pos = 0
        self.limits = limits
        self.depth = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def _ahead(self, n: int = 1) -> Token:
        return self.tokens[min(self.pos + n, len(self.tokens) - 1)]

    def _advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind is not Kind.END:
            self.pos += 1
        return token

    def _is(self, text: str) -> bool:
        return self.peek.kind in (Kind.OP, Kind.NAME) and self.peek.text == text

    def _expect(self, text: str) -> Token:
        if not self._is(text):
            found = "the end" if self.peek.kind is Kind.END else repr(self.peek.text)
            raise ExprSyntaxError(f"expected {text!r}, found {found}", self.peek.offset)
        return self._advance()

    def _enter(self, offset: int) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise ExprTooLarge(f"nested deeper than {self.limits.max_depth} levels", offset)

    def expression(self) -> Node:
        """A full expression, with the conditional operator, which binds loosest."""
        self._enter(self.peek.offset)
        try:
            test = self._binary(0)
            if self._is("?"):
                self._advance()
                then = self.expression()
                self._expect(":")
                otherwise = self.expression()
                return Conditional(_offset(test), test, then, otherwise)
            return test
        finally:
            self.depth -= 1

    def _binary_op(self) -> tuple[_BinaryOp, int] | None:
        """The binary operator at the cursor and its token count, or None."""
        token = self.peek
        if token.kind is Kind.NAME and token.text == "not":
            following = self._ahead()
            if following.kind is Kind.NAME and following.text in _NEGATABLE:
                op = _BINARY[following.text]
                return _BinaryOp("not " + op.canonical, op.precedence), 2
            return None
        if token.kind in (Kind.OP, Kind.NAME) and token.text in _BINARY:
            return _BINARY[token.text], 1
        return None

    def _binary(self, min_precedence: int) -> Node:
        left = self._unary()
        while True:
            found = self._binary_op()
            if found is None:
                return left
            op, width = found
            if op.precedence < min_precedence:
                return left
            offset = self.peek.offset
            for _ in range(width):
                self._advance()
            self._enter(offset)
            try:
                right = self._binary(op.precedence if op.right else op.precedence + 1)
            finally:
                self.depth -= 1
            left = Binary(offset, op.canonical, left, right)

    def _unary(self) -> Node:
        token = self.peek
        if token.kind in (Kind.OP, Kind.NAME) and token.text in _UNARY:
            # "not" before a word operator belongs to that operator, handled in _binary.
            op, precedence = _UNARY[token.text]
            self._advance()
            self._enter(token.offset)
            try:
                operand = self._binary(precedence)
            finally:
                self.depth -= 1
            return Unary(token.offset, op, operand)
        return self._postfix(self._primary())

    def _primary(self) -> Node:
        token = self._advance()
        if token.kind is Kind.NUMBER or token.kind is Kind.STRING:
            return Literal(token.offset, token.value)
        if token.kind is Kind.NAME:
            if token.text in _CONSTANTS:
                return Literal(token.offset, _CONSTANTS[token.text])
            if token.text in _RESERVED:
                raise ExprSyntaxError(f"unexpected {token.text!r}", token.offset)
            if self._is("("):
                return self._call(token)
            return Name(token.offset, token.text)
        if token.text == "(":
            inner = self.expression()
            self._expect(")")
            return inner
        if token.text == "[":
            return ArrayLit(token.offset, tuple(self._items("]")))
        if token.text == "{":
            return self._map(token)
        if token.kind is Kind.END:
            raise ExprSyntaxError("the expression ends too early", token.offset)
        raise ExprSyntaxError(f"unexpected {token.text!r}", token.offset)

    def _items(self, close: str) -> list[Node]:
        items: list[Node] = []
        while not self._is(close):
            items.append(self.expression())
            if not self._is(close):
                self._expect(",")
        self._advance()
        return items

    def _map(self, opening: Token) -> MapLit:
        pairs: list[tuple[Node, Node]] = []
        while not self._is("}"):
            key_token = self._advance()
            if key_token.kind is Kind.NAME or key_token.kind is Kind.STRING:
                key: Node = Literal(key_token.offset, key_token.value or key_token.text)
            elif key_token.text == "(":
                key = self.expression()
                self._expect(")")
            else:
                raise ExprSyntaxError("a map key must be a name or a string", key_token.offset)
            self._expect(":")
            pairs.append((key, self.expression()))
            if not self._is("}"):
                self._expect(",")
        self._advance()
        return MapLit(opening.offset, tuple(pairs))

    def _call(self, name: Token) -> Call:
        builtin = BUILTINS.get(name.text)
        if builtin is None:
            raise ExprSyntaxError(f"unknown function {name.text}()", name.offset)
        self._advance()  # "("
        args = tuple(self._items(")"))
        if not builtin.min_args <= len(args) <= builtin.max_args:
            raise ExprSyntaxError(
                f"{name.text}() takes {builtin.arity_text}, not {len(args)}", name.offset
            )
        return Call(name.offset, name.text, args)

    def _postfix(self, base: Node) -> Node:
        links: list[Member | Index] = []
        while True:
            token = self.peek
            if token.text in (".", "?.") and token.kind is Kind.OP:
                self._advance()
                optional = token.text == "?."
                if optional and self._is("["):
                    self._advance()
                    links.append(Index(token.offset, self._index_key(), optional=True))
                    continue
                name = self._advance()
                if name.kind is not Kind.NAME:
                    raise ExprSyntaxError("expected a field name after '.'", name.offset)
                links.append(Member(token.offset, name.text, optional))
            elif token.text == "[" and token.kind is Kind.OP:
                self._advance()
                links.append(Index(token.offset, self._index_key(), optional=False))
            else:
                break
            if len(links) > self.limits.max_depth:
                raise ExprTooLarge(
                    f"chained deeper than {self.limits.max_depth} levels", token.offset
                )
        return Chain(_offset(base), base, tuple(links)) if links else base

    def _index_key(self) -> Node:
        key = self.expression()
        self._expect("]")
        return key


def _offset(node: Node) -> int:
    return node.offset
