"""Reading and writing gobl JSON by schema: exact numbers in, gobl's field order out.

Reading turns every ``num.Amount``/``num.Percentage`` field into :class:`Amount` /
:class:`Percentage` (from the JSON text of the number, never a float). Writing walks the same
schema nodes and reproduces Go's ``encoding/json`` output of gobl structs:

* properties in struct (schema) order, unknown properties dropped (Go ignores them on read);
* empty values omitted as ``omitempty`` does: null, ``""``, ``false``, ``0``, empty arrays and
  maps. A present but empty struct is kept as ``{}`` (a non-nil pointer in Go);
* maps (``ext``, ``meta``) with sorted keys, as Go writes maps;
* amounts and percentages as strings that keep their exponent;
* a zero UUID omitted (gobl normalizes it away).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from facturo.gobl.errors import ErrorKey, GoblError
from facturo.gobl.num import Amount, InvalidAmount, Percentage
from facturo.gobl.num.amount import MAX_DIGITS
from facturo.gobl.schema.registry import Node, node_for

ZERO_UUID: Final = "00000000-0000-0000-0000-000000000000"


def decode(value: Any, node: Node, path: str = "$") -> Any:
    """Typed copy of raw JSON: amounts and percentages become value objects."""
    kind = node.kind
    if kind == "object":
        if not isinstance(value, dict):
            return value
        props = node.props
        out: dict[str, Any] = {}
        for k, v in value.items():
            sub = props.get(k)
            out[k] = v if sub is None or v is None else decode(v, sub, f"{path}.{k}")
        return out
    if kind == "array":
        if not isinstance(value, list):
            return value
        item = node.item
        assert item is not None
        return [decode(v, item, f"{path}[{i}]") for i, v in enumerate(value) if v is not None]
    if kind == "map":
        if not isinstance(value, dict):
            return value
        item = node.item
        assert item is not None
        return {k: decode(v, item, f"{path}.{k}") for k, v in value.items()}
    if kind == "amount":
        if isinstance(value, Amount):
            return value
        try:
            return Amount.parse(value)
        except (InvalidAmount, TypeError) as exc:
            raise GoblError(ErrorKey.INPUT, f"{path}: {exc}") from exc
    if kind == "percentage":
        if isinstance(value, Percentage):
            return value
        try:
            return Percentage.parse(value)
        except (InvalidAmount, TypeError) as exc:
            raise GoblError(ErrorKey.INPUT, f"{path}: {exc}") from exc
    if kind == "any" and isinstance(value, dict):
        sub_node = node_for(str(value.get("$schema", "")))
        if sub_node is not None:
            return decode(value, sub_node, path)
    return value


def _empty(v: Any) -> bool:
    return v is None or v is False or v == "" or (v == 0 and type(v) is int) or v == [] or v == {}


def encode(value: Any, node: Node) -> Any:
    """gobl's JSON value for ``value`` (see the module docstring for the rules)."""
    kind = node.kind
    if kind == "object":
        if not isinstance(value, dict):
            return _plain(value)
        out: dict[str, Any] = {}
        if "$schema" in value:
            out["$schema"] = value["$schema"]
        for k, sub in node.props.items():
            if k in value:
                v = encode(value[k], sub)
                if (v == {} and sub.kind == "object") or (
                    not _empty(v) and not (k == "uuid" and v == ZERO_UUID)
                ):
                    out[k] = v
        return out
    if kind == "array":
        if not isinstance(value, list):
            return _plain(value)
        item = node.item
        assert item is not None
        return [encode(v, item) for v in value if v is not None]
    if kind == "map":
        if not isinstance(value, dict):
            return _plain(value)
        item = node.item
        assert item is not None
        res = {k: encode(value[k], item) for k in sorted(value)}
        return {k: v for k, v in res.items() if not _empty(v)}
    if kind == "amount":
        return str(value) if isinstance(value, Amount) else str(Amount.parse(value))
    if kind == "percentage":
        return str(value) if isinstance(value, Percentage) else str(Percentage.parse(value))
    if kind == "any" and isinstance(value, dict):
        sub_node = node_for(str(value.get("$schema", "")))
        if sub_node is not None:
            return encode(value, sub_node)
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Amount | Percentage):
        return str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        # an object of a type this port has no schema for is a map to Go: sorted keys
        return {k: _plain(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# Compiled codec -----------------------------------------------------------------------------
#
# ``decode`` and ``encode`` above are the reference: they interpret a node on every value and
# build a path string for every member. The functions below give the same results from a
# closure per node, made once and kept on the node. The path is only needed for an error
# message, so a failed fast read is repeated by ``decode`` to raise the error it gives.


class _Typed(dict[str, Any]):
    """A typed tree made by :func:`encode_document_typed`; reading it again is a no-op."""


class _NoTwin(Exception):
    """The typed twin of an output value needs ``decode``'s error handling."""


_AMOUNT_SAFE: Final = 10**18


def _copy(value: Any) -> Any:
    """Fresh containers for plain JSON values, so a decoded tree shares nothing mutable."""
    t = type(value)
    if t is dict:
        return {k: _copy(v) for k, v in value.items()}
    if t is list:
        return [_copy(v) for v in value]
    return value


def _decoder(node: Node) -> Any:
    f = node.dec
    if f is None:
        f = _compile_decoder(node)
    return f


def _compile_decoder(node: Node) -> Any:
    kind = node.kind
    if kind == "object":
        subs: dict[str, Any] = {}

        def dec_object(value: Any) -> Any:
            if not isinstance(value, dict):
                return _copy(value)
            out: dict[str, Any] = {}
            for k, v in value.items():
                f = subs.get(k)
                out[k] = _copy(v) if f is None or v is None else f(v)
            return out

        node.dec = dec_object
        subs.update({k: _decoder(sub) for k, sub in node.props.items()})
        return dec_object
    if kind in ("array", "map"):
        assert node.item is not None
        cell: list[Any] = []

        def dec_array(value: Any) -> Any:
            if not isinstance(value, list):
                return _copy(value)
            f = cell[0]
            return [f(v) for v in value if v is not None]

        def dec_map(value: Any) -> Any:
            if not isinstance(value, dict):
                return _copy(value)
            f = cell[0]
            return {k: f(v) for k, v in value.items()}

        fn = dec_array if kind == "array" else dec_map
        node.dec = fn
        cell.append(_decoder(node.item))
        return fn
    if kind == "amount":
        node.dec = _dec_amount
        return _dec_amount
    if kind == "percentage":
        node.dec = _dec_percentage
        return _dec_percentage
    if kind == "any":
        node.dec = _dec_any
        return _dec_any
    node.dec = _copy
    return _copy


def _dec_amount(value: Any) -> Any:
    if isinstance(value, Amount):
        return value
    return Amount.parse(value)


def _dec_percentage(value: Any) -> Any:
    if isinstance(value, Percentage):
        return value
    return Percentage.parse(value)


def _dec_any(value: Any) -> Any:
    if isinstance(value, dict):
        sub_node = node_for(str(value.get("$schema", "")))
        if sub_node is not None:
            return _decoder(sub_node)(value)
    return _copy(value)


def decode_document(doc: dict[str, Any]) -> dict[str, Any]:
    """Typed copy of a document (see :func:`decode`), in fresh containers throughout.

    A tree from :func:`encode_document_typed` is already typed and is returned as it is.
    """
    if type(doc) is _Typed:
        return doc
    node = node_for(str(doc.get("$schema", "")))
    if node is None:
        raise GoblError(ErrorKey.UNKNOWN_SCHEMA, f"unknown schema '{doc.get('$schema', '')}'")
    try:
        out: dict[str, Any] = _decoder(node)(doc)
    except (InvalidAmount, TypeError):
        decode(doc, node)  # raises the error with the path of the value
        raise
    return out


def _encoder(node: Node) -> Any:
    f = node.enc
    if f is None:
        f = _compile_encoder(node)
    return f


def _keep(v: Any, k: str, object_kind: bool) -> bool:
    return (v == {} and object_kind) or (not _empty(v) and not (k == "uuid" and v == ZERO_UUID))


def _compile_encoder(node: Node) -> Any:
    """``value -> (encode(value, node), decode(that, node))`` without a second walk."""
    kind = node.kind
    if kind == "object":
        props: dict[str, tuple[int, Any, bool]] = {}
        position = {k: i for i, k in enumerate(node.props)}.__getitem__

        def enc_object(value: Any) -> tuple[Any, Any]:
            if not isinstance(value, dict):
                plain = _plain(value)
                return plain, plain
            out: dict[str, Any] = {}
            twin: dict[str, Any] = {}
            if "$schema" in value:
                out["$schema"] = twin["$schema"] = value["$schema"]
            present = [k for k in value if k in props]
            present.sort(key=position)  # struct order
            for k in present:
                _, f, object_kind = props[k]
                v, tv = f(value[k])
                t = type(v)
                if t is str:
                    if not v or (v == ZERO_UUID and k == "uuid"):
                        continue
                elif t is dict:
                    if not v and not object_kind:
                        continue
                elif t is list:
                    if not v:
                        continue
                elif not _keep(v, k, object_kind):
                    continue
                out[k] = v
                twin[k] = tv
            return out, twin

        node.enc = enc_object
        props.update(
            (k, (i, _encoder(sub), sub.kind == "object"))
            for i, (k, sub) in enumerate(node.props.items())
        )
        return enc_object
    if kind in ("array", "map"):
        assert node.item is not None
        cell: list[Any] = []

        def enc_array(value: Any) -> tuple[Any, Any]:
            if not isinstance(value, list):
                plain = _plain(value)
                return plain, plain
            f = cell[0]
            pairs = [f(v) for v in value if v is not None]
            return [p[0] for p in pairs], [p[1] for p in pairs]

        def enc_map(value: Any) -> tuple[Any, Any]:
            if not isinstance(value, dict):
                plain = _plain(value)
                return plain, plain
            f = cell[0]
            out: dict[str, Any] = {}
            twin: dict[str, Any] = {}
            for k in sorted(value):
                v, tv = f(value[k])
                if not _empty(v):
                    out[k] = v
                    twin[k] = tv
            return out, twin

        fn = enc_array if kind == "array" else enc_map
        node.enc = fn
        cell.append(_encoder(node.item))
        return fn
    fns = {"amount": _enc_amount, "percentage": _enc_percentage, "any": _enc_any}
    fn2 = fns.get(kind, _enc_value)
    node.enc = fn2
    return fn2


def _enc_amount(value: Any) -> tuple[Any, Any]:
    a = value if isinstance(value, Amount) else Amount.parse(value)
    text = str(a)
    if -_AMOUNT_SAFE < a.value < _AMOUNT_SAFE and a.exp <= MAX_DIGITS:
        return text, a  # reading ``text`` gives back this very value and exponent
    try:
        return text, Amount.parse(text)
    except InvalidAmount as exc:
        raise _NoTwin from exc


def _enc_percentage(value: Any) -> tuple[Any, Any]:
    p = value if isinstance(value, Percentage) else Percentage.parse(value)
    text = str(p)
    v = p.value
    if p.exp >= 2 and p.exp <= MAX_DIGITS + 2 and -_AMOUNT_SAFE < v < _AMOUNT_SAFE:
        return text, p  # "v x 10^-(exp-2) %" reads back as exactly p
    try:
        return text, Percentage.parse(text)
    except InvalidAmount as exc:
        raise _NoTwin from exc


def _enc_any(value: Any) -> tuple[Any, Any]:
    if isinstance(value, dict):
        sub_node = node_for(str(value.get("$schema", "")))
        if sub_node is not None:
            out, twin = _encoder(sub_node)(value)
            return out, twin
    plain = _plain(value)
    return plain, plain


def _enc_value(value: Any) -> tuple[Any, Any]:
    if type(value) is str:
        return value, value
    plain = _plain(value)
    return plain, plain


def encode_document_typed(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """:func:`encode_document`, and the output read back as :func:`decode_document` would.

    The second value is ``None`` when reading the output back would fail; it is a private
    dict type that :func:`decode_document` returns unchanged.
    """
    node = node_for(str(doc.get("$schema", "")))
    if node is None:
        raise GoblError(ErrorKey.UNKNOWN_SCHEMA, f"unknown schema '{doc.get('$schema', '')}'")
    try:
        out, twin = _encoder(node)(doc)
    except _NoTwin:
        return encode(doc, node), None
    return out, _Typed(twin)


def encode_document(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as gobl writes it, ``$schema`` first."""
    return encode_document_typed(doc)[0]
