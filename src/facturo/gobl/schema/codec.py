"""Reading and writing gobl JSON by schema: exact numbers in, gobl's field order out.

The rules are those of :mod:`facturo.gobl.schema.codec_reference` (struct order, ``omitempty``,
sorted maps, amounts as text that keeps its exponent). The reference interprets a schema node on
every value; documents are built thousands of times a second, so this module turns each node
into code once, as attrs, cattrs and pydantic do for their classes:

* an object's writer is Python source generated from its property list and compiled with
  ``exec``: one unrolled membership test per property in struct order (``k in value`` is an
  opcode, half the cost of a ``get`` call, and most properties are absent), with the
  ``omitempty`` test chosen by the property's kind (an amount always writes a non-empty
  string, a struct is kept even when empty, a plain string is kept when non-empty), the
  loops over arrays of structs (an empty one, and one of a single struct, as most lines'
  ``taxes`` are, without a loop) and maps of strings written inline, so no per-value dispatch
  remains, and a calculated amount with two decimals (most of them) formatted in place from
  its units and a table of cents, once when members share it (a line's total that is its
  sum, the totals' equal sums); a map of one or two strings (most ``ext`` maps: a combo's
  VERI*FACTU regime and operation class) is put in key order by one comparison, the one
  ``sorted`` would make, rather than by a call to it and a loop; :func:`writer_source`
  returns the generated text, to read it;
* readers and the other writers are closures made once per node and kept on it; a struct's
  reader reads its arrays of structs in a plain loop of its own (a comprehension is a function
  call of its own on Python 3.11, and every line has its taxes and discounts);
* the writer notes whether the output holds anything but strings, booleans and int64
  integers, so the digest can skip the type walk
  (:func:`facturo.gobl.c14n.canonical_json_plain`), and whether every number it wrote reads
  back, so a build may judge the calculated tree it wrote rather than read its output again.

The path of a value is only needed for an error message, so a failed fast read is repeated by
the reference to raise the error with the path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Final, NamedTuple

from facturo.gobl.errors import ErrorKey, GoblError
from facturo.gobl.num import Amount, InvalidAmount, Percentage
from facturo.gobl.num.amount import MAX_DIGITS
from facturo.gobl.schema.codec_reference import (
    ZERO_UUID,
    decode,
    encode,
    is_empty,
    is_json_type,
    plain_value,
)
from facturo.gobl.schema.registry import Node, node_for, schema_id

__all__ = [
    "ZERO_UUID",
    "Encoded",
    "decode",
    "decode_document",
    "encode",
    "encode_document",
    "encode_document_full",
    "writer_source",
]

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_AMOUNT_SAFE: Final = 10**18
# the two decimals of an amount of at least 1.00, by its remainder: the writers print such an
# amount as its whole units and these (the point included), with no slicing of its digits
_CENTS: Final = tuple(f".{i:02d}" for i in range(100))
_PARSED_MAX: Final = 4096

# Readers and writers are made once per node, on first use. A node's code is published only
# when every node it reaches has its own, so another thread never runs a half-made writer.
_COMPILING: Final = threading.Lock()

Writer = Callable[[Any, list[Any]], Any]


class _Unreadable(Exception):
    """A number was written as text that gobl's reader refuses (beyond 18 digits)."""


class Encoded(NamedTuple):
    """A document as gobl writes it, whether it is plain JSON, and whether it reads back."""

    out: dict[str, Any]
    plain: bool
    """Only dicts, lists, strings, booleans and int64 integers, no null members."""
    readable: bool
    """Every amount and percentage written reads back (false only beyond 18 digits)."""


# Reading ------------------------------------------------------------------------------------


def _copy(value: Any) -> Any:
    """Fresh containers for plain JSON values, so a decoded tree shares nothing mutable."""
    t = value.__class__
    if t is dict:
        return {k: _copy(v) for k, v in value.items()}
    if t is list:
        return [_copy(v) for v in value]
    return value


# Amounts and percentages are immutable, and a document repeats the same few texts ("1",
# "21%"), so parsed values are shared. The table is emptied when full rather than evicted
# entry by entry: the texts of one document fit many times over.
_AMOUNTS: dict[str, Amount] = {}
_PERCENTAGES: dict[str, Percentage] = {}


class _ReadAmount(Amount):
    """An amount read from text, with the text gobl writes for it made once.

    Quantities and prices usually reach the output unchanged (calculation only widens an
    exponent that is too small), and parsed amounts are shared between documents, so their
    text is written once per distinct input rather than once per document. Only amounts that
    the writer's fast path accepts (within 18 digits) are made so.
    """

    __slots__ = ("_text",)

    _text: str

    def __str__(self) -> str:
        return self._text


def _read_amount(text: str) -> Amount:
    a = Amount.parse(text)
    if not (-_AMOUNT_SAFE < a._value < _AMOUNT_SAFE and a._exp <= MAX_DIGITS):
        return a
    r = object.__new__(_ReadAmount)
    r._value = a._value
    r._exp = a._exp
    r._text = Amount.__str__(a)
    return r


def _dec_amount(value: Any) -> Any:
    if value.__class__ is str:
        a = _AMOUNTS.get(value)
        if a is None:
            a = _read_amount(value)
            if len(_AMOUNTS) >= _PARSED_MAX:
                _AMOUNTS.clear()
            _AMOUNTS[value] = a
        return a
    if isinstance(value, Amount):
        return value
    return Amount.parse(value)


def _dec_percentage(value: Any) -> Any:
    if value.__class__ is str:
        p = _PERCENTAGES.get(value)
        if p is None:
            p = Percentage.parse(value)
            if len(_PERCENTAGES) >= _PARSED_MAX:
                _PERCENTAGES.clear()
            _PERCENTAGES[value] = p
        return p
    if isinstance(value, Percentage):
        return value
    return Percentage.parse(value)


def _dec_any(value: Any) -> Any:
    if isinstance(value, dict):
        sub_node = node_for(str(value.get("$schema", "")))
        if sub_node is not None:
            return _decoder(sub_node)(value)
    return _copy(value)


def _decoder(node: Node) -> Callable[[Any], Any]:
    f = node.dec
    if f is None:
        with _COMPILING:
            f = node.dec
            if f is None:
                pending: dict[Node, Callable[[Any], Any]] = {}
                f = _compile_decoder(node, pending)
                for n, g in pending.items():
                    n.dec = g
    return f


def _pending_decoder(node: Node, pending: dict[Node, Callable[[Any], Any]]) -> Callable[[Any], Any]:
    f = node.dec or pending.get(node)
    if f is None:
        f = _compile_decoder(node, pending)
    return f


def _compile_decoder(node: Node, pending: dict[Node, Callable[[Any], Any]]) -> Callable[[Any], Any]:
    kind = node.kind
    if kind == "object":
        # plain-value properties read like unknown ones (a copy), so only the others are listed
        subs: dict[str, Callable[[Any], Any]] = {}

        def dec_object(value: Any) -> Any:
            if value.__class__ is not dict and not isinstance(value, dict):
                raise TypeError("not an object")  # the reference reader names the path
            out: dict[str, Any] = {}
            for k, v in value.items():
                if k not in subs:
                    if v.__class__ is str:
                        out[k] = v
                    elif k not in props:
                        out[k] = _copy(v)  # a member gobl does not know, kept as given
                    elif v is None:
                        continue
                    elif k in texts and not isinstance(v, str):
                        raise TypeError("not text")
                    else:
                        out[k] = _copy(v)
                elif v is None:
                    continue
                elif k in items and v.__class__ is list:
                    f = items[k]
                    o = []
                    for x in v:
                        if x is not None:
                            o.append(f(x))
                    out[k] = o
                else:
                    out[k] = subs[k](v)
            return out

        # arrays of structs: their items' readers, looped over here
        items: dict[str, Callable[[Any], Any]] = {}
        members = {**node.props, **node.legacy}
        props = frozenset(members)
        texts = frozenset(k for k, sub in members.items() if sub.json == "string")
        pending[node] = dec_object  # before the members' readers: schemas are recursive
        subs.update(
            {
                k: _pending_decoder(sub, pending)
                for k, sub in members.items()
                if sub.kind != "value" or sub.json not in ("", "string")
            }
        )
        for k, sub in node.props.items():
            if _objects(sub):
                assert sub.item is not None
                items[k] = _pending_decoder(sub.item, pending)
        return dec_object
    if kind in ("array", "map"):
        assert node.item is not None
        cell: list[Callable[[Any], Any]] = []

        # plain values read as themselves when they are text (``ext``, ``meta``, ``$tags``)
        strings = node.item.kind == "value" and node.item.json in ("", "string")

        def dec_array(value: Any) -> Any:
            if value.__class__ is not list and not isinstance(value, list):
                raise TypeError("not an array")
            f = cell[0]
            out = []
            for v in value:
                if strings and v.__class__ is str:
                    out.append(v)
                elif v is not None:
                    out.append(f(v))
            return out

        def dec_map(value: Any) -> Any:
            if value.__class__ is not dict and not isinstance(value, dict):
                raise TypeError("not an object")
            f = cell[0]
            out = {}
            for k, v in value.items():
                out[k] = v if strings and v.__class__ is str else f(v)
            return out

        fn = dec_array if kind == "array" else dec_map
        pending[node] = fn
        cell.append(_pending_decoder(node.item, pending))
        return fn
    readers = {"amount": _dec_amount, "percentage": _dec_percentage, "any": _dec_any}
    leaf = readers.get(kind) or (_plain_reader(node.json) if node.json else _copy)
    pending[node] = leaf
    return leaf


def _plain_reader(json: str) -> Callable[[Any], Any]:
    """A reader for a plain value of a JSON type: the value itself, or a TypeError."""

    def dec_plain(value: Any) -> Any:
        if value is None or is_json_type(value, json):
            return _copy(value)
        raise TypeError(f"not {json}")

    return dec_plain


def decode_document(doc: dict[str, Any], path: str = "$") -> dict[str, Any]:
    """Typed copy of a document (see :func:`decode`), in fresh containers throughout.

    ``path`` is where the document sits, for the paths of input errors (``$.doc`` in an
    envelope, as validation faults have it).
    """
    node = node_for(str(doc.get("$schema", "")))
    if node is None:
        raise GoblError(ErrorKey.UNKNOWN_SCHEMA, f"unknown schema '{doc.get('$schema', '')}'")
    try:
        out: dict[str, Any] = _decoder(node)(doc)
    except (InvalidAmount, TypeError):
        decode(doc, node, path)  # raises the error with the path of the value
        raise
    return out


# Writing ------------------------------------------------------------------------------------


def _noted(value: Any, bad: list[Any]) -> Any:
    """``value`` as written, noting in ``bad`` when canonical JSON needs the exact writer."""
    t = value.__class__
    if t is str or t is bool or value is None:
        return value  # a None is never kept: members and map values drop it, arrays skip it
    if t is int and _INT64_MIN <= value <= _INT64_MAX:
        return value
    bad.append(value)
    return value


def _keep(v: Any, k: str, object_kind: bool) -> bool:
    """``omitempty`` for a written member of any type (a struct is kept even when empty)."""
    t = v.__class__
    if t is str:
        return bool(v) and not (k == "uuid" and v == ZERO_UUID)
    if t is dict:
        return bool(v) or object_kind
    if t is list:
        return bool(v)
    return (v == {} and object_kind) or (not is_empty(v) and not (k == "uuid" and v == ZERO_UUID))


def _enc_plain(value: Any, bad: list[Any]) -> Any:
    return _noted(plain_value(value), bad)


def _enc_amount(value: Any, bad: list[Any]) -> Any:
    a = value if isinstance(value, Amount) else Amount.parse(value)
    text = str(a)
    if not (-_AMOUNT_SAFE < a.value < _AMOUNT_SAFE and a.exp <= MAX_DIGITS):
        _readable(Amount.parse, text)
    return text


def _enc_percentage(value: Any, bad: list[Any]) -> Any:
    p = value if isinstance(value, Percentage) else Percentage.parse(value)
    text = str(p)
    v = p.value
    if not (p.exp >= 2 and p.exp <= MAX_DIGITS + 2 and -_AMOUNT_SAFE < v < _AMOUNT_SAFE):
        _readable(Percentage.parse, text)
    return text


def _readable(parse: Callable[[str], object], text: str) -> None:
    """Raise :class:`_Unreadable` when the written ``text`` of a number does not read back.

    Within 18 digits (the writers' own test) it always does; beyond, gobl's reader may refuse
    what was written, and the document then takes the reference path, whose reading back
    reports the error with its path.
    """
    try:
        parse(text)
    except InvalidAmount as exc:
        raise _Unreadable from exc


def _enc_any(value: Any, bad: list[Any]) -> Any:
    if isinstance(value, dict):
        sub_node = node_for(str(value.get("$schema", "")))
        if sub_node is not None:
            return _encoder(sub_node)(value, bad)
    return _enc_plain(value, bad)


def _enc_value(value: Any, bad: list[Any]) -> Any:
    if value.__class__ is str:
        return value
    return _enc_plain(value, bad)


def _encoder(node: Node) -> Writer:
    f = node.enc
    if f is None:
        with _COMPILING:
            f = node.enc
            if f is None:
                pending: dict[Node, Writer] = {}
                f = _compile_encoder(node, pending)
                for n, g in pending.items():
                    n.enc = g
    return f


def _pending_encoder(node: Node, pending: dict[Node, Writer]) -> Writer:
    f = node.enc or pending.get(node)
    if f is None:
        f = _compile_encoder(node, pending)
    return f


# The body written for a member, by the kind of its node. ``{k}`` is the key's literal, ``{f}``
# the name of the member's writer; ``v`` holds the member's value.
_MEMBER: Final = {
    "amount": """
        c = v.__class__
        if c is ReadAmount:
            out[{k}] = v._text
        elif c is Amount and v._exp == 2 and 100 <= (n := v._value) < SAFE:
            out[{k}] = str(n // 100) + CENTS[n % 100]
        elif c is Amount and -SAFE < v._value < SAFE and v._exp <= MAXD:
            out[{k}] = v.__str__()
        else:
            out[{k}] = {f}(v, bad)""",
    # an amount member of a struct with several: the same (immutable) amount written by the
    # member before, as a line's total without modifiers is its sum, reuses that text
    "amounts": """
        c = v.__class__
        if c is ReadAmount:
            out[{k}] = v._text
        elif c is Amount and v is last:
            out[{k}] = text
        elif c is Amount and v._exp == 2 and 100 <= (n := v._value) < SAFE:
            out[{k}] = text = str(n // 100) + CENTS[n % 100]
            last = v
        elif c is Amount and -SAFE < v._value < SAFE and v._exp <= MAXD:
            out[{k}] = text = v.__str__()
            last = v
        else:
            out[{k}] = {f}(v, bad)""",
    "object": """
        if v.__class__ is dict:
            out[{k}] = {f}(v, bad)
        else:
            v = {f}(v, bad)
            if keep(v, {k}, True):
                out[{k}] = v""",
    "value": """
        t = v.__class__
        if t is str:
            if v{uuid}:
                out[{k}] = v
        elif t is int:
            if v:
                if not INT64_MIN <= v <= INT64_MAX:
                    bad.append(v)
                out[{k}] = v
        elif t is bool:
            if v:
                out[{k}] = v
        else:
            v = {f}(v, bad)
            if keep(v, {k}, False):
                out[{k}] = v""",
    "objects": """
        if v.__class__ is list:
            if len(v) == 1:
                x = v[0]
                if x is not None:
                    out[{k}] = [{item}(x, bad)]
            elif v:
                o = [{item}(x, bad) for x in v if x is not None]
                if o:
                    out[{k}] = o
        else:
            v = {f}(v, bad)
            if keep(v, {k}, False):
                out[{k}] = v""",
    "array": """
        v = {f}(v, bad)
        if v.__class__ is list:
            if v:
                out[{k}] = v
        elif keep(v, {k}, False):
            out[{k}] = v""",
    "strings": """
        o = None
        if v.__class__ is dict:
            n = len(v)
            if n == 2:
                x, y = v
                if y < x:
                    x, y = y, x
                a = v[x]
                b = v[y]
                if a.__class__ is str and b.__class__ is str:
                    if a:
                        o = {{x: a, y: b}} if b else {{x: a}}
                    else:
                        o = {{y: b}} if b else {{}}
            elif n == 1:
                for x, a in v.items():
                    if a.__class__ is str:
                        o = {{x: a}} if a else {{}}
            else:
                o = {{}}
                for x in sorted(v):
                    y = v[x]
                    if y.__class__ is not str:
                        o = None
                        break
                    if y:
                        o[x] = y
        if o is None:
            v = {f}(v, bad)
            if keep(v, {k}, False):
                out[{k}] = v
        elif o:
            out[{k}] = o""",
    "map": """
        v = {f}(v, bad)
        if v.__class__ is dict:
            if v:
                out[{k}] = v
        elif keep(v, {k}, False):
            out[{k}] = v""",
    # a percentage keeps its text once made (regime rates are shared by every line)
    "percentage": """
        if v.__class__ is Percentage and 2 <= (a := v._amount)._exp <= MAXD + 2 and (
            -SAFE < a._value < SAFE
        ):
            try:
                out[{k}] = v._text
            except AttributeError:
                out[{k}] = v.__str__()
        else:
            out[{k}] = {f}(v, bad)""",
    "other": """
        v = {f}(v, bad)
        if keep(v, {k}, False):
            out[{k}] = v""",
}


def _object_source(node: Node) -> str:
    lines = [
        "def enc_object(value, bad):",
        "    if value.__class__ is not dict and not isinstance(value, dict):",
        "        return plain(value, bad)",
        "    out = {}",
        "    if '$schema' in value:",
        "        out['$schema'] = value['$schema']",
    ]
    several = sum(sub.kind == "amount" for sub in node.props.values()) > 1
    if several:
        lines.append("    last = None")
    for i, (key, sub) in enumerate(node.props.items()):
        k = repr(key)
        kind: str = "objects" if _objects(sub) else "strings" if _strings(sub) else sub.kind
        if kind == "amount" and several:
            kind = "amounts"
        body = _MEMBER.get(kind, _MEMBER["other"])
        uuid = f" and v != {ZERO_UUID!r}" if key == "uuid" else ""
        lines.append(f"    if {k} in value:")
        lines.append(f"        v = value[{k}]")
        member = body.format(k=k, f=f"w{i}", item=f"i{i}", uuid=uuid)
        lines.append(member[1:])
    lines.append("    return out")
    return "\n".join(lines) + "\n"


def _strings(node: Node) -> bool:
    """A map of plain values (``ext``, ``meta``): string-only maps are written inline."""
    return node.kind == "map" and node.item is not None and node.item.kind == "value"


def _objects(node: Node) -> bool:
    """An array of structs: its loop is written inline in the parent's writer."""
    return node.kind == "array" and node.item is not None and node.item.kind == "object"


def _compile_object_encoder(node: Node, pending: dict[Node, Writer]) -> Writer:
    scope: dict[str, Any] = {
        "Amount": Amount,
        "ReadAmount": _ReadAmount,
        "Percentage": Percentage,
        "SAFE": _AMOUNT_SAFE,
        "CENTS": _CENTS,
        "MAXD": MAX_DIGITS,
        "INT64_MIN": _INT64_MIN,
        "INT64_MAX": _INT64_MAX,
        "keep": _keep,
        "plain": _enc_plain,
    }
    exec(compile(_object_source(node), f"<gobl writer {node.name or 'object'}>", "exec"), scope)  # noqa: S102 - source built above from schema keys, each written with repr()
    fn: Writer = scope["enc_object"]
    pending[node] = fn  # before the members' writers: schemas are recursive
    for i, sub in enumerate(node.props.values()):
        scope[f"w{i}"] = _pending_encoder(sub, pending)
        if _objects(sub):
            assert sub.item is not None
            scope[f"i{i}"] = _pending_encoder(sub.item, pending)
    return fn


def _compile_encoder(node: Node, pending: dict[Node, Writer]) -> Writer:
    """``(value, bad) -> written``; ``bad`` collects values that are not plain."""
    kind = node.kind
    if kind == "object":
        return _compile_object_encoder(node, pending)
    if kind in ("array", "map"):
        assert node.item is not None
        cell: list[Writer] = []
        strings = node.item.kind == "value"

        def enc_array(value: Any, bad: list[Any]) -> Any:
            if value.__class__ is not list and not isinstance(value, list):
                return _enc_plain(value, bad)
            f = cell[0]
            out: list[Any] = []
            for v in value:
                if strings and v.__class__ is str:
                    out.append(v)
                elif v is not None:
                    out.append(f(v, bad))
            return out

        def enc_map(value: Any, bad: list[Any]) -> Any:
            if value.__class__ is not dict and not isinstance(value, dict):
                return _enc_plain(value, bad)
            f = cell[0]
            out: dict[str, Any] = {}
            for k in sorted(value):
                v = value[k]
                if strings and v.__class__ is str:
                    if v:
                        out[k] = v
                    continue
                v = f(v, bad)
                if not is_empty(v):
                    out[k] = v
            return out

        fn = enc_array if kind == "array" else enc_map
        pending[node] = fn
        cell.append(_pending_encoder(node.item, pending))
        return fn
    writers = {"amount": _enc_amount, "percentage": _enc_percentage, "any": _enc_any}
    leaf = writers.get(kind, _enc_value)
    pending[node] = leaf
    return leaf


def writer_source(schema: str) -> str:
    """The Python source of the writers generated for a document type, to read.

    ``schema`` is a ``$schema`` URL or its path (``bill/invoice``). Every struct the type
    reaches has a writer, listed once, with what each ``wN``/``iN`` it calls stands for: the
    member's writer, and for an array of structs its items' writer.
    """
    root = node_for(schema if "://" in schema else schema_id(schema))
    if root is None:
        raise GoblError(ErrorKey.UNKNOWN_SCHEMA, f"unknown schema '{schema}'")
    parts: list[str] = []
    seen: set[int] = set()
    queue = [root]
    while queue:
        node = queue.pop(0)
        if id(node) in seen:
            continue
        seen.add(id(node))
        queue += [*node.props.values(), *([node.item] if node.item is not None else [])]
        if node.kind != "object":
            continue
        names = [
            f"# w{i} = {sub.kind} {sub.name}".rstrip()
            + (f"; i{i} = {sub.item.kind} {sub.item.name}" if _objects(sub) and sub.item else "")
            for i, sub in enumerate(node.props.values())
        ]
        parts.append("\n".join([f"# <gobl writer {node.name or 'object'}>", *names]))
        parts.append(_object_source(node))
    return "\n".join(parts)


def encode_document_full(doc: dict[str, Any]) -> Encoded:
    """The document as gobl writes it, whether it is plain, and whether it reads back."""
    node = node_for(str(doc.get("$schema", "")))
    if node is None:
        raise GoblError(ErrorKey.UNKNOWN_SCHEMA, f"unknown schema '{doc.get('$schema', '')}'")
    bad: list[Any] = []
    try:
        out = _encoder(node)(doc, bad)
    except _Unreadable:
        return Encoded(encode(doc, node), False, False)
    return Encoded(out, not bad, True)


def encode_document(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as gobl writes it, ``$schema`` first."""
    return encode_document_full(doc).out
