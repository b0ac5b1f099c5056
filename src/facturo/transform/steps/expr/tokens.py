"""The tokenizer: expression source → tokens with their offsets.

The lexical rules follow expr-lang/expr (Go), the language Invopop's ``silo.if`` and
``silo.modify`` expressions are written in: identifiers may start with ``$`` (``$schema``,
``$env``), strings take double or single quotes with backslash escapes or backticks for raw text,
numbers may have ``_`` separators, and ``//`` and ``/* */`` are comments. Keywords (``and``,
``in``, ``endsWith`` …) are read as names; the parser gives them meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from facturo.transform.steps.expr.errors import ExprSyntaxError


class Kind(StrEnum):
    """What a token is."""

    NUMBER = "number"  # value is a Decimal
    STRING = "string"  # value is the decoded text
    NAME = "name"  # identifiers and keywords
    OP = "operator"  # punctuation and symbolic operators
    END = "end"  # end of the source


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    offset: int
    value: Decimal | str | None = None


# Longest first, so "?." is never read as "?" then ".".
_OPERATORS = (
    "?.",
    "??",
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "**",
    ".",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ",",
    ":",
    "?",
    "!",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
)

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "0": "\0",
    "\\": "\\",
    '"': '"',
    "'": "'",
    "/": "/",
}


def _is_name_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_$"


def _is_name_part(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an ``END`` token."""
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end + 1
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            if end < 0:
                raise ExprSyntaxError("unterminated comment", i)
            i = end + 2
        elif ch.isdigit():
            i = _number(source, i, tokens)
        elif _is_name_start(ch):
            start = i
            while i < n and _is_name_part(source[i]):
                i += 1
            tokens.append(Token(Kind.NAME, source[start:i], start))
        elif ch in "\"'":
            i = _quoted(source, i, tokens)
        elif ch == "`":
            end = source.find("`", i + 1)
            if end < 0:
                raise ExprSyntaxError("unterminated string", i)
            text = source[i + 1 : end]
            tokens.append(Token(Kind.STRING, source[i : end + 1], i, text))
            i = end + 1
        else:
            op = next((o for o in _OPERATORS if source.startswith(o, i)), None)
            if op is None:
                raise ExprSyntaxError(f"unexpected character {ch!r}", i)
            tokens.append(Token(Kind.OP, op, i))
            i += len(op)
    tokens.append(Token(Kind.END, "", n))
    return tokens


def _number(source: str, i: int, tokens: list[Token]) -> int:
    start, n = i, len(source)
    while i < n and (source[i].isdigit() or source[i] == "_"):
        i += 1
    # A dot starts a fraction only when a digit follows (``1.5``), not a member access.
    if i + 1 < n and source[i] == "." and source[i + 1].isdigit():
        i += 1
        while i < n and (source[i].isdigit() or source[i] == "_"):
            i += 1
    if i < n and source[i] in "eE":
        j = i + 1
        if j < n and source[j] in "+-":
            j += 1
        if j < n and source[j].isdigit():
            i = j
            while i < n and source[i].isdigit():
                i += 1
    text = source[start:i]
    if i < n and _is_name_part(source[i]):
        raise ExprSyntaxError(f"invalid number {source[start : i + 1]!r}", start)
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        raise ExprSyntaxError(f"invalid number {text!r}", start) from None
    tokens.append(Token(Kind.NUMBER, text, start, value))
    return i


def _quoted(source: str, i: int, tokens: list[Token]) -> int:
    quote, start, n = source[i], i, len(source)
    i += 1
    out: list[str] = []
    while True:
        if i >= n:
            raise ExprSyntaxError("unterminated string", start)
        ch = source[i]
        if ch == quote:
            break
        if ch == "\n":
            raise ExprSyntaxError("newline in string", i)
        if ch == "\\":
            if i + 1 >= n:
                raise ExprSyntaxError("unterminated string", start)
            esc = source[i + 1]
            if esc == "u":
                digits = source[i + 2 : i + 6]
                if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                    raise ExprSyntaxError("invalid \\u escape", i)
                out.append(chr(int(digits, 16)))
                i += 6
                continue
            if esc not in _ESCAPES:
                raise ExprSyntaxError(f"invalid escape \\{esc}", i)
            out.append(_ESCAPES[esc])
            i += 2
            continue
        out.append(ch)
        i += 1
    tokens.append(Token(Kind.STRING, source[start : i + 1], start, "".join(out)))
    return i + 1
