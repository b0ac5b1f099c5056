"""Go template builtins, truth and printing for :mod:`facturo.mail.templates`. PURE.

Ported from Go's ``text/template/funcs.go`` and ``exec.go`` (truth) and ``fmt`` (printing), so a
template written against Invopop renders the same words here: ``and``/``or`` return an operand
and evaluate lazily (Go 1.18), ``print`` puts spaces only between operands that are not both
strings, ``len`` counts UTF-8 bytes, ``eq`` compares its first operand with each of the others,
and ``printf`` knows Go's verbs (``%s %v %d %f %.2f %q %x %t %c %%``) with Go's marks for a bad
verb (``%!d(string=x)``) or a missing operand (``%!s(MISSING)``).

Values are what JSON gives (str, int, Decimal, bool, None, list, dict) plus any object with a
``template_text()`` method, the counterpart of Go's ``fmt.Stringer`` (the job's faults use it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote, quote_plus


class TemplateError(ValueError):
    """A template met a value it cannot use (Go's execution errors)."""


@runtime_checkable
class Stringer(Protocol):
    """A value that prints itself, as Go's ``fmt.Stringer``."""

    def template_text(self) -> str: ...


def is_true(value: Any) -> bool:
    """Go's truth: false, 0, nil and empty strings, lists and maps are false."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return value != 0
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) > 0
    return True


def to_text(value: Any) -> str:
    """``fmt.Sprint`` of one value; None (a missing key or JSON null) prints nothing."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Stringer):
        return value.template_text()
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{to_text(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(to_text(v) for v in value) + "]"
    return str(value)


def _type_name(value: Any) -> str:
    names = {str: "string", bool: "bool", int: "int", Decimal: "float64", type(None): "<nil>"}
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, list | tuple):
        return "slice"
    return names.get(type(value), type(value).__name__)


# --- escaping -------------------------------------------------------------------------------

_HTML_TEXT = str.maketrans(
    {
        "\0": "\ufffd",
        '"': "&#34;",
        "&": "&amp;",
        "'": "&#39;",
        "+": "&#43;",
        "<": "&lt;",
        ">": "&gt;",
    }
)
_HTML_FUNC = str.maketrans(
    {"\0": "\ufffd", '"': "&#34;", "&": "&amp;", "'": "&#39;", "<": "&lt;", ">": "&gt;"}
)
_JS = str.maketrans(
    {
        "\\": "\\\\",
        "'": "\\'",
        '"': '\\"',
        "<": "\\u003C",
        ">": "\\u003E",
        "&": "\\u0026",
        "=": "\\u003D",
    }
)
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([^:/?#]*):")


def html_escape(text: str) -> str:
    """``html/template``'s escaper for text and quoted attribute values."""
    return text.translate(_HTML_TEXT)


def safe_url(text: str) -> str:
    """``html/template``'s URL filter and normaliser for a value that starts a href/src.

    A scheme other than http, https or mailto (``javascript:``) gives Go's ``#ZgotmplZ``.
    """
    match = _SCHEME.match(text)
    if match and match.group(1).lower() not in _SAFE_SCHEMES:
        return "#ZgotmplZ"
    return quote(text, safe="!#$%&'()*+,-./:;=?@[]_~")


def _js_escape(text: str) -> str:
    out = text.translate(_JS)
    return "".join(c if c.isprintable() or c in "\t\n" else f"\\u{ord(c):04X}" for c in out)


# --- printing -------------------------------------------------------------------------------


def _sprint(args: Sequence[Any]) -> str:
    out: list[str] = []
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(to_text(arg))
    return "".join(out)


def _sprintln(*args: Any) -> str:
    return " ".join(to_text(a) for a in args) + "\n"


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _format_one(flags: str, width: str, prec: str | None, verb: str, arg: Any) -> str:
    align = "<" if "-" in flags else ""
    sign = "+" if "+" in flags else (" " if " " in flags else "")
    zero = "0" if "0" in flags and not align else ""
    if verb in "sv" or (verb == "q" and isinstance(arg, str)):
        text = to_text(arg)
        if verb == "q":
            text = json.dumps(text, ensure_ascii=False)
        elif prec is not None and verb == "s":
            text = text[: int(prec or 0)]
        return f"{text:{align or '>'}{width}}"
    if verb == "t" and isinstance(arg, bool):
        return f"{to_text(arg):{align or '>'}{width}}"
    if verb in "dxXobc" and isinstance(arg, int) and not isinstance(arg, bool):
        if verb == "c":
            return chr(arg)
        return format(arg, f"{align}{sign}{'#' if '#' in flags else ''}{zero}{width}{verb}")
    if verb in "xX" and isinstance(arg, str):
        return arg.encode().hex() if verb == "x" else arg.encode().hex().upper()
    if verb in "fFeEgG" and _is_number(arg):
        precision = f".{prec or 0}" if prec is not None else (".6" if verb in "fFeE" else "")
        return format(Decimal(arg), f"{align}{sign}{zero}{width}{precision}{verb}")
    return f"%!{verb}({_type_name(arg)}={to_text(arg)})"


def _sprintf(pattern: str, *args: Any) -> str:
    if not isinstance(pattern, str):
        raise TemplateError("printf's first argument must be a string")
    out: list[str] = []
    used = 0
    pos = 0
    for match in _VERB.finditer(pattern):
        out.append(pattern[pos : match.start()])
        pos = match.end()
        flags, width, prec, verb = (
            match.group(1),
            match.group(2) or "",
            match.group(3),
            match.group(4),
        )
        if verb == "%":
            out.append("%")
            continue
        if used >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        out.append(_format_one(flags, width, prec, verb, args[used]))
        used += 1
    out.append(pattern[pos:])
    if used < len(args):
        extra = ", ".join(f"{_type_name(a)}={to_text(a)}" for a in args[used:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


# --- comparison and indexing ----------------------------------------------------------------


def _comparable(a: Any, b: Any, *, ordered: bool) -> None:
    if _is_number(a) and _is_number(b):
        return
    if type(a) is type(b) and isinstance(a, str | bool) and not (ordered and isinstance(a, bool)):
        return
    if not ordered and (a is None or b is None):
        return
    raise TemplateError(f"incompatible types for comparison: {_type_name(a)} and {_type_name(b)}")


def _eq(first: Any, *others: Any) -> bool:
    if not others:
        raise TemplateError("missing argument for comparison")
    for other in others:
        _comparable(first, other, ordered=False)
        if first == other:
            return True
    return False


def _ne(a: Any, b: Any) -> bool:
    return not _eq(a, b)


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        _comparable(a, b, ordered=True)
        return op(a, b)

    return compare


def _len(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, list | tuple | Mapping):
        return len(value)
    raise TemplateError(f"len of type {_type_name(value)}")


def _index(value: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(value, Mapping):
            value = value.get(key)
        elif isinstance(value, list | tuple | str) and _is_number(key):
            if not 0 <= int(key) < len(value):
                raise TemplateError(f"index out of range: {key}")
            value = value[int(key)]
        elif value is None:
            raise TemplateError("index of untyped nil")
        else:
            raise TemplateError(f"can't index item of type {_type_name(value)}")
    return value


def _slice(value: Any, *bounds: Any) -> Any:
    if not isinstance(value, list | tuple | str):
        raise TemplateError(f"can't slice item of type {_type_name(value)}")
    if len(bounds) > 2 or not all(_is_number(b) for b in bounds):
        raise TemplateError("slice takes at most two integer bounds")
    start = int(bounds[0]) if bounds else 0
    end = int(bounds[1]) if len(bounds) > 1 else len(value)
    if not 0 <= start <= end <= len(value):
        raise TemplateError(f"slice index out of range: {start}:{end}")
    return value[start:end]


def _not(value: Any) -> bool:
    return not is_true(value)


def _and(thunks: Sequence[Callable[[], Any]]) -> Any:
    if not thunks:
        raise TemplateError("wrong number of args for and: want at least 1")
    value: Any = None
    for thunk in thunks:
        value = thunk()
        if not is_true(value):
            return value
    return value


def _or(thunks: Sequence[Callable[[], Any]]) -> Any:
    if not thunks:
        raise TemplateError("wrong number of args for or: want at least 1")
    value: Any = None
    for thunk in thunks:
        value = thunk()
        if is_true(value):
            return value
    return value


def _one_arg(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if len(args) != 1:
            raise TemplateError(f"wrong number of args for {name}: want 1 got {len(args)}")
        return fn(args[0])

    return call


FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "eq": _eq,
    "ne": _ne,
    "lt": _ordered(lambda a, b: a < b),
    "le": _ordered(lambda a, b: a <= b),
    "gt": _ordered(lambda a, b: a > b),
    "ge": _ordered(lambda a, b: a >= b),
    "not": _one_arg(_not, "not"),
    "len": _one_arg(_len, "len"),
    "index": _index,
    "slice": _slice,
    "print": lambda *args: _sprint(args),
    "printf": _sprintf,
    "println": _sprintln,
    "html": lambda *args: _sprint(args).translate(_HTML_FUNC),
    "js": lambda *args: _js_escape(_sprint(args)),
    "urlquery": lambda *args: quote_plus(_sprint(args), safe=""),
}
"""Go's builtins that evaluate every operand first."""

LAZY_FUNCTIONS: Mapping[str, Callable[[Sequence[Callable[[], Any]]], Any]] = {
    "and": _and,
    "or": _or,
}
"""Builtins that receive thunks, so ``and .x (index .x 0)`` stops before the index fails."""
