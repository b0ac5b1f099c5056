"""Tokenizer, lexer and parser of Go templates (Go's ``text/template/parse``). PURE.

Errors are :class:`TemplateSyntaxError` with the line, raised for everything Go's parser refuses
that e-mail fields can contain (unknown functions, undefined variables, unbalanced blocks,
``break`` outside ``range``), so a workflow with a broken template is refused when it is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from facturo.mail.template_funcs import FUNCTIONS, LAZY_FUNCTIONS
from facturo.mail.template_nodes import (
    Action,
    Arg,
    Branch,
    Chain,
    Command,
    Field,
    Identifier,
    Literal,
    Loop,
    Node,
    Pipeline,
    TemplateSyntaxError,
    Text,
    Variable,
)

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<declare>:=)
  | (?P<punct>[()|,=])
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?))
  | (?P<variable>\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "0": "\0"}
_SPACES = " \t\r\n"
_KEYWORDS = {
    "if",
    "else",
    "end",
    "range",
    "with",
    "break",
    "continue",
    "define",
    "template",
    "block",
}
_URL_ATTR = re.compile(r"""(?:href|src|action)\s*=\s*["']?$""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    line: int


def _unquote(text: str, line: int) -> str:
    out: list[str] = []
    i = 1
    while i < len(text) - 1:
        ch = text[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in "uUx":
            width = {"u": 4, "U": 8, "x": 2}[nxt]
            digits = text[i + 2 : i + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise TemplateSyntaxError(f"bad escape \\{nxt}{digits} in string", line)
            out.append(chr(int(digits, 16)))
            i += 2 + width
        else:
            raise TemplateSyntaxError(f"unknown escape \\{nxt} in string", line)
    return "".join(out)


def _tokens(source: str, line: int) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            raise TemplateSyntaxError(f"unexpected {source[pos]!r} in action", line)
        kind, text = match.lastgroup or "", match.group()
        if kind == "space":
            line += text.count("\n")
        elif kind == "field" and toks and toks[-1].kind == "punct" and toks[-1].text == ")":
            toks.append(_Tok("chainfield", text, line))  # (pipeline).field
        else:
            toks.append(_Tok(kind, text, line))
        pos = match.end()
    return toks


# ---------------------------------------------------------------------------------------------
# Lexer: text and actions, with trim markers applied and comments dropped


@dataclass(frozen=True, slots=True)
class _Item:
    text: str | None  # a text chunk, or None for an action
    toks: tuple[_Tok, ...]
    line: int


def _skip_space(source: str, pos: int) -> tuple[int, int]:
    """Position after the whitespace at ``pos``, and how many newlines were skipped."""
    end = pos
    while end < len(source) and source[end] in " \t\r\n":
        end += 1
    return end, source.count("\n", pos, end)


def _find_close(source: str, start: int, line: int) -> int:
    """The ``}}`` that ends the action starting at ``start``; one inside a string does not."""
    quote = ""
    i = start
    while i < len(source):
        ch = source[i]
        if quote:
            if ch == "\\" and quote != "`":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif source.startswith("}}", i):
            return i
        i += 1
    raise TemplateSyntaxError("unclosed action", line)


def _lex(source: str) -> list[_Item]:
    items: list[_Item] = []
    pos, line = 0, 1
    while True:
        start = source.find("{{", pos)
        if start < 0:
            if pos < len(source):
                items.append(_Item(source[pos:], (), line))
            return items
        text = source[pos:start]
        inner = start + 2
        if source[inner : inner + 1] == "-" and source[inner + 1 : inner + 2] in _SPACES:
            text, inner = text.rstrip(_SPACES), inner + 1
        if text:
            items.append(_Item(text, (), line))
        line += source.count("\n", pos, start)
        body_start, _ = _skip_space(source, inner)
        if source.startswith("/*", body_start):
            end = source.find("*/", body_start + 2)
            if end < 0:
                raise TemplateSyntaxError("unclosed comment", line)
            close, _ = _skip_space(source, end + 2)
            trim = source.startswith("-}}", close)
            if not (trim or source.startswith("}}", close)):
                raise TemplateSyntaxError("comment ends before closing delimiter", line)
            close += 1 if trim else 0
        else:
            close = _find_close(source, inner, line)
            trim = re.search(r"[ \t\r\n]-$", source[inner:close]) is not None
            body = source[inner : close - 1 if trim else close]
            items.append(_Item(None, tuple(_tokens(body, line)), line))
        line += source.count("\n", inner, close)
        pos = close + 2
        if trim:
            pos, skipped = _skip_space(source, pos)
            line += skipped


# ---------------------------------------------------------------------------------------------
# Parser


class _Parser:
    def __init__(self, items: list[_Item], *, html: bool) -> None:
        self.items = items
        self.at = 0
        self.html = html
        self.scope: list[str] = ["$"]
        self.loops = 0  # how many range bodies enclose the current node
        self.last_text = ""

    def parse(self) -> tuple[Node, ...]:
        nodes, end = self.list_until(())
        if end is not None:
            raise TemplateSyntaxError(f"unexpected {{{{{end[0]}}}}}", end[1])
        return nodes

    def list_until(
        self, stop: tuple[str, ...]
    ) -> tuple[tuple[Node, ...], tuple[str, int, tuple[_Tok, ...]] | None]:
        """Nodes up to an ``end``/``else`` named in ``stop`` (returned with its rest) or EOF."""
        nodes: list[Node] = []
        while self.at < len(self.items):
            item = self.items[self.at]
            self.at += 1
            if item.text is not None:
                nodes.append(Text(item.text))
                self.last_text = item.text
                continue
            toks, line = item.toks, item.line
            if not toks:
                raise TemplateSyntaxError("missing value for command", line)
            word = toks[0].text if toks[0].kind == "ident" and toks[0].text in _KEYWORDS else ""
            if word in ("end", "else"):
                if word not in stop:
                    raise TemplateSyntaxError(f"unexpected {{{{{word}}}}}", line)
                return tuple(nodes), (word, line, toks[1:])
            if word in ("if", "with", "range"):
                nodes.append(self.branch(word, toks[1:], line))
            elif word in ("break", "continue"):
                if len(toks) > 1:
                    raise TemplateSyntaxError(f"unexpected {toks[1].text!r} in {word}", line)
                if not self.loops:
                    raise TemplateSyntaxError(f"{{{{{word}}}}} outside {{{{range}}}}", line)
                nodes.append(Loop(word))
            elif word:
                raise TemplateSyntaxError(
                    f"{{{{{word}}}}} is not supported: an e-mail field is one template", line
                )
            else:
                url = self.html and bool(_URL_ATTR.search(self.last_text))
                nodes.append(Action(self.pipeline(toks, line), url=url))
            self.last_text = ""
        return tuple(nodes), None

    def branch(self, kind: str, toks: tuple[_Tok, ...], line: int) -> Branch:
        mark = len(self.scope)
        pipe = self.pipeline(toks, line, range_decl=kind == "range")
        self.loops += kind == "range"
        body, end = self.list_until(("end", "else"))
        self.loops -= kind == "range"
        if end is None:
            raise TemplateSyntaxError(f"unexpected EOF: {{{{{kind}}}}} has no {{{{end}}}}", line)
        orelse: tuple[Node, ...] = ()
        word, end_line, rest = end
        if word == "else" and rest:
            inner = rest[0].text if rest[0].kind == "ident" else ""
            if inner not in ("if", "with") or kind == "range":
                raise TemplateSyntaxError("expected {{end}} or {{else if ...}}", end_line)
            orelse = (self.branch(inner, rest[1:], end_line),)
        elif word == "else":
            orelse, end = self.list_until(("end",))
            if end is None:
                raise TemplateSyntaxError(
                    f"unexpected EOF: {{{{{kind}}}}} has no {{{{end}}}}", line
                )
            if end[2]:
                raise TemplateSyntaxError("unexpected text after {{end}}", end[1])
        elif rest:
            raise TemplateSyntaxError("unexpected text after {{end}}", end_line)
        del self.scope[mark:]
        return Branch(kind, pipe, body, orelse)

    def pipeline(self, toks: tuple[_Tok, ...], line: int, *, range_decl: bool = False) -> Pipeline:
        decls: tuple[str, ...] = ()
        assign = False
        if len(toks) >= 2 and toks[0].kind == "variable" and "." not in toks[0].text:
            if toks[1].kind == "declare" or toks[1].text == "=":
                decls, assign, toks = (toks[0].text,), toks[1].text == "=", toks[2:]
            elif (
                range_decl
                and len(toks) >= 4
                and toks[1].text == ","
                and toks[2].kind == "variable"
                and toks[3].kind == "declare"
            ):
                decls, toks = (toks[0].text, toks[2].text), toks[4:]
        commands = self.commands(list(toks), line)
        for name in decls:
            if assign and name not in self.scope:
                raise TemplateSyntaxError(f"undefined variable: {name}", line)
            if not assign:
                self.scope.append(name)
        return Pipeline(tuple(commands), decls, assign)

    def commands(self, toks: list[_Tok], line: int) -> list[Command]:
        commands: list[Command] = []
        args: list[Arg] = []
        i = 0
        while i <= len(toks):
            if i == len(toks) or (toks[i].kind == "punct" and toks[i].text == "|"):
                if not args:
                    raise TemplateSyntaxError("missing value for command", line)
                if len(args) > 1 and not isinstance(args[0], Identifier):
                    raise TemplateSyntaxError("can't give argument to non-function", line)
                if commands and not isinstance(args[0], Identifier):
                    raise TemplateSyntaxError("non executable command in pipeline stage", line)
                commands.append(Command(tuple(args)))
                args = []
                i += 1
                continue
            arg, i = self.operand(toks, i, line)
            args.append(arg)
        return commands

    def operand(self, toks: list[_Tok], i: int, line: int) -> tuple[Arg, int]:
        tok = toks[i]
        if tok.kind == "punct" and tok.text == "(":
            depth, j = 1, i + 1
            while j < len(toks) and depth:
                if toks[j].kind == "punct":
                    depth += {"(": 1, ")": -1}.get(toks[j].text, 0)
                j += 1
            if depth:
                raise TemplateSyntaxError("unclosed left paren", line)
            inner = self.pipeline(tuple(toks[i + 1 : j - 1]), line)
            if j < len(toks) and toks[j].kind == "chainfield":
                return Chain(inner, _names(toks[j].text)), j + 1
            return inner, j
        if tok.kind == "field":
            return Field(_names(tok.text)), i + 1
        if tok.kind == "variable":
            name, _, rest = tok.text.partition(".")
            if name not in self.scope:
                raise TemplateSyntaxError(f"undefined variable: {name}", line)
            return Variable(name, _names("." + rest) if rest else ()), i + 1
        if tok.kind == "ident":
            name, _, rest = tok.text.partition(".")
            names = _names("." + rest) if rest else ()
            if name in ("true", "false", "nil") and not names:
                return Literal({"true": True, "false": False, "nil": None}[name]), i + 1
            if name in _KEYWORDS:
                raise TemplateSyntaxError(f"unexpected {name!r} in operand", line)
            if name != "args" and name not in FUNCTIONS and name not in LAZY_FUNCTIONS:
                raise TemplateSyntaxError(f'function "{name}" not defined', line)
            return Identifier(name, names), i + 1
        if tok.kind in ("string", "raw", "char", "number"):
            return Literal(_literal(tok, line)), i + 1
        raise TemplateSyntaxError(f"unexpected {tok.text!r} in operand", line)


def _names(chain: str) -> tuple[str, ...]:
    return tuple(part for part in chain.split(".") if part)


def _literal(tok: _Tok, line: int) -> Any:
    if tok.kind == "string":
        return _unquote(tok.text, line)
    if tok.kind == "raw":
        return tok.text[1:-1]
    if tok.kind == "char":
        text = _unquote(tok.text, line)
        if len(text) != 1:
            raise TemplateSyntaxError(f"malformed character constant: {tok.text}", line)
        return ord(text)
    text = tok.text.replace("_", "")
    try:
        if text.lstrip("+-")[:2].lower() == "0x":
            return int(text, 16)
        if any(c in text for c in ".eE"):
            return Decimal(text)
        return int(text)
    except (ValueError, ArithmeticError):
        raise TemplateSyntaxError(f"bad number syntax: {tok.text}", line) from None


def parse_nodes(source: str, *, html: bool) -> tuple[Node, ...]:
    """The nodes of ``source``; ``html`` marks actions that start a href/src attribute."""
    return _Parser(_lex(source), html=html).parse()
