"""Port of gobl c14n/c14n.go and c14n/models.go (7a4ad62): canonical JSON for digests.

gobl digests a document by writing it as JSON, reading that JSON back with numbers kept as text,
and writing it again in a canonical form (spec ``gobl.md`` §3.1):

* object members sorted by key, compared byte-wise as UTF-8; no whitespace;
* members whose value is ``null`` dropped, but the comma before a member is decided by the
  member's index in the sorted list, so a leading null member leaves ``{,`` behind;
* strings escape only ``"``, ``\\``, the short escapes ``\\n \\r \\t \\f \\b`` and other bytes
  below 0x20 as ``\\u00XX`` with *uppercase* hex; ``<``, ``>``, ``&``, U+2028 and all non-ASCII
  text stay raw UTF-8;
* integers that fit int64 are written as integers, every other number as Go's shortest ``'E'``
  float form with the exponent's ``+`` and leading zeros removed (``4.04168E1``) -- including the
  form Go produces for negative numbers, ``-3.7038`` -> ``-.03.7038E0``, which is what the code
  writes and therefore what every digest in the wild was made from;
* text that is not valid UTF-8 is an error.

Where Python differs from Go, and why:

* Two entry points (and :func:`canonical_json_plain`, the first one for callers that already
  know their tree holds plain JSON values). :func:`canonical_json` takes Python values that
  stand for a document as gobl would *output* it; :func:`canonical_json_text` takes JSON text,
  like gobl's ``CanonicalJSON``. They differ only in how a non-integer number is read: gobl's
  output writes a float64 field with ``json.Marshal``, so ``2.0`` there becomes ``2`` and then
  an integer. JSON *text*, on the other hand, is judged by its literal, so ``2.0`` in text
  stays a float (``2.0E0``). Python ``float`` and ``Decimal`` values get the first rule;
  number literals in text the second.
* Python strings cannot hold malformed UTF-8, only lone surrogates (from ``surrogateescape`` or
  a ``\\ud800`` escape); those are the error here. Go's decoder turns such input into U+FFFD
  first, and gobl versions differ on whether U+FFFD itself is then refused. U+FFFD is a valid
  code point and is written as content, as the newer gobl does.
* A number literal beyond float64 range becomes ``null`` in gobl (its decoder returns no value
  for it) and so disappears from its object; that is mirrored.
* Input must be exactly one JSON value. gobl returns nothing for empty input and ignores text
  after the first value; here both are errors, since neither is a document to digest.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any, Final

import orjson

from facturo.errors import Invalid

__all__ = ["C14nError", "canonical_json", "canonical_json_plain", "canonical_json_text"]

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1

# Control characters without a short escape: Python's encoder writes them as lowercase
# ``\u00xx``, gobl as uppercase, so strings holding them take the slow path.
_LONG_ESCAPED: Final = re.compile(r"[\x00-\x07\x0b\x0e-\x1f]")
_ESCAPED: Final = re.compile(r'[\x00-\x1f"\\]')
_SHORT: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\f": "\\f",
    "\b": "\\b",
}


class C14nError(Invalid):
    """The value cannot be written as canonical JSON: invalid UTF-8, or not JSON at all."""


class _Members(list[tuple[str, Any]]):
    """Object members read from JSON text, in input order, duplicates kept.

    gobl keeps an object as a list of attributes, so a repeated key is written twice (stable
    sort keeps the input order); a ``dict`` would keep only the last one.
    """


def canonical_json(obj: Any) -> bytes:
    """Canonical JSON bytes of a document given as Python values (dicts, lists, str, ...).

    Accepts ``Mapping`` with ``str`` keys, ``list``/``tuple``, ``str``, ``bool``, ``int``,
    ``float``, ``Decimal`` and ``None``. Raises :class:`C14nError` for anything else, for
    lone surrogates in strings, and for NaN or infinite floats (gobl cannot marshal them).
    """
    if _is_plain(obj):
        return canonical_json_plain(obj)
    return _exact(obj)


def canonical_json_plain(obj: Any) -> bytes:
    """:func:`canonical_json` of a tree the caller knows to be plain, without checking it.

    Plain means what :func:`_is_plain` accepts: ``dict`` (``str`` keys, no ``None`` members),
    ``list``/``tuple``, ``str``, ``bool`` and int64 ``int`` of exactly those types, ``None``
    only as an array item. The schema writer reports whether its output is plain
    (:func:`facturo.gobl.schema.codec.encode_document_full`), so a build digests its document
    without walking it twice. For such trees orjson's sorted output is gobl's canonical form
    (keys sorted by code point, which is UTF-8 byte order; only ``"``, ``\\`` and characters
    below 0x20 escaped; ``<``, ``>``, ``&``, U+2028 and non-ASCII text raw), with two
    exceptions that take the exact writer: orjson writes a control character without a short
    escape as lowercase ``\\u001f`` where gobl writes ``\\u001F`` (seen as ``\\u00`` in the
    output, which plain text can only otherwise hold as an escaped backslash before ``u00``),
    and it refuses lone surrogates, for which the exact writer raises the proper error.
    """
    try:
        data = _orjson_dumps(obj, option=_SORTED)
    except TypeError:
        return _exact(obj)
    # a search for one byte is a memchr; most documents hold no backslash at all
    if b"\\" in data and b"\\u00" in data:
        return _exact(obj)
    return data


_SORTED: Final = orjson.OPT_SORT_KEYS
_orjson_dumps: Final = orjson.dumps


def _exact(obj: Any) -> bytes:
    out: list[str] = []
    _write(obj, out, literal=False)
    return _encode(out)


def _is_plain(value: Any) -> bool:
    """Whether ``json.dumps`` writes ``value`` exactly as gobl's canonical form does.

    True for trees of ``dict`` (``str`` keys, no ``None`` members), ``list``/``tuple``,
    ``str``, ``bool`` and int64 ``int`` values, ``None`` only as an array item: exact types
    only, so subclasses with their own text take the exact writer. Floats and ``Decimal``
    (gobl's ``E`` form) and dropped null members are left to :func:`_write`.
    """
    t = type(value)
    if t is str or t is bool:
        return True
    if t is dict:
        for k, v in value.items():
            if type(k) is not str:
                return False
            tv = type(v)
            if tv is str or tv is bool:
                continue
            if tv is int:
                if not _INT64_MIN <= v <= _INT64_MAX:
                    return False
            elif not _is_plain(v):
                return False
        return True
    if t is list or t is tuple:
        for v in value:
            tv = type(v)
            if tv is str or tv is bool or v is None:
                continue
            if tv is int:
                if not _INT64_MIN <= v <= _INT64_MAX:
                    return False
            elif not _is_plain(v):
                return False
        return True
    if t is int:
        return bool(_INT64_MIN <= value <= _INT64_MAX)
    return False


def canonical_json_text(text: str | bytes) -> bytes:
    """Canonical JSON bytes of JSON text, as gobl's ``c14n.CanonicalJSON`` gives them.

    Numbers are never read as floats: integer literals become ``int`` and others ``Decimal``,
    so int64 values and decimal literals keep their exact value until they are written.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise C14nError(f"JSON text is not valid UTF-8: {exc}") from exc
    try:
        value = json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_Members,
        )
    except ValueError as exc:  # JSONDecodeError, and int literals over Python's digit limit
        raise C14nError(f"not valid JSON: {exc}") from exc
    out: list[str] = []
    _write(value, out, literal=True)
    return _encode(out)


def _reject_constant(name: str) -> Any:
    raise C14nError(f"not valid JSON: {name} is not a JSON value")


def _encode(out: list[str]) -> bytes:
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise C14nError(f"text is not valid UTF-8: {exc.reason} at {exc.start}") from exc


def _write(value: Any, out: list[str], *, literal: bool) -> None:
    """Append the canonical form of ``value``; a number that reads as null appends ``null``."""
    if isinstance(value, str):
        out.append(_quote(value))
    elif isinstance(value, Mapping | _Members):
        _write_object(value, out, literal=literal)
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, literal=literal)
        out.append("]")
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    else:
        number = _number(value, literal=literal)
        out.append("null" if number is None else number)


def _write_object(value: Mapping[Any, Any] | _Members, out: list[str], *, literal: bool) -> None:
    members = list(value) if isinstance(value, _Members) else list(value.items())
    for key, _ in members:
        if not isinstance(key, str):
            raise C14nError(f"object keys must be strings, not {type(key).__name__}")
    # Code-point order equals UTF-8 byte order for every valid scalar value, and lone
    # surrogates fail when the output is encoded, so sorting the str keys is byte-wise.
    members.sort(key=_key)
    out.append("{")
    for i, (key, item) in enumerate(members):
        if item is None:
            continue
        if not isinstance(item, str | bool | Mapping | _Members | list | tuple):
            number = _number(item, literal=literal)
            if number is None:
                continue
            if i:
                out.append(",")
            out.append(_quote(key))
            out.append(":")
            out.append(number)
            continue
        if i:
            out.append(",")
        out.append(_quote(key))
        out.append(":")
        _write(item, out, literal=literal)
    out.append("}")


def _key(member: tuple[str, Any]) -> str:
    return member[0]


def _quote(s: str) -> str:
    if _LONG_ESCAPED.search(s) is None:
        return encode_basestring(s)
    return '"' + _ESCAPED.sub(_escape, s) + '"'


def _escape(match: re.Match[str]) -> str:
    c = match.group()
    return _SHORT.get(c) or f"\\u{ord(c):04X}"


def _number(value: Any, *, literal: bool) -> str | None:
    """The canonical text of a number, or ``None`` where gobl reads it as null."""
    if isinstance(value, int):  # bool was handled before
        if _INT64_MIN <= value <= _INT64_MAX:
            return str(value)
        try:  # gobl falls back to float64 when the literal does not fit int64
            return _float_text(float(value))
        except OverflowError:
            return None
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise C14nError(f"{value} is not a JSON number")
        if literal:  # a literal with a fraction or exponent never parses as int64 in Go
            x = float(value)
            return None if math.isinf(x) else _float_text(x)
        return _marshalled_float(float(value))
    if isinstance(value, float):
        return _marshalled_float(value)
    raise C14nError(f"{type(value).__name__} is not a JSON value")


def _marshalled_float(x: float) -> str:
    """A float64 as gobl's output carries it: ``json.Marshal`` text, then read back.

    ``json.Marshal`` writes 1e-6 <= |x| < 1e21 with ``'f'`` and the shortest digits, so an
    integral value comes out without a decimal point and reads back as an integer when it
    fits int64; everything else stays a float.
    """
    if math.isnan(x) or math.isinf(x):
        raise C14nError(f"{x} is not a JSON number")
    if x.is_integer() and abs(x) < 1e21:
        digits = int(Decimal(repr(x)))  # shortest digits padded with zeros, as 'f' prints
        if _INT64_MIN <= digits <= _INT64_MAX:
            return str(digits)
    return _float_text(x)


def _float_text(x: float) -> str:
    """gobl's ``Float.MarshalJSON``: Go ``'E'`` shortest form, then gobl's clean-up.

    The clean-up inserts ``.0`` when the second byte is not a dot -- meant for ``5E+00`` but
    applied to every negative number too -- then drops the exponent's ``+`` and leading zeros.
    """
    num = _strconv_e(x)
    if num[1] != ".":
        num = num[:3] + num[1:]
        num = num[0] + ".0" + num[3:]
    mantissa, _, exp = num.partition("E")
    sign = "-" if exp.startswith("-") else ""
    return f"{mantissa}E{sign}{exp.lstrip('+-').lstrip('0') or '0'}"


def _strconv_e(x: float) -> str:
    """Go ``strconv.FormatFloat(x, 'E', -1, 64)``: shortest digits, ``d.dddE±dd``."""
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if x == 0:
        return f"{sign}0E+00"
    # repr gives the shortest digits that round-trip, as Go's formatter does.
    _, digits, exponent = Decimal(repr(abs(x))).as_tuple()
    if not isinstance(exponent, int):  # only NaN and infinities have a str exponent
        raise C14nError(f"{x} is not a JSON number")
    text = "".join(map(str, digits))
    e10 = len(text) - 1 + exponent
    text = text.rstrip("0")
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{sign}{mantissa}E{'-' if e10 < 0 else '+'}{abs(e10):02d}"
