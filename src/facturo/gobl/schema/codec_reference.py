"""Reference codec: reading and writing gobl JSON by schema, one value at a time.

Reading turns every ``num.Amount``/``num.Percentage`` field into :class:`Amount` /
:class:`Percentage` (from the JSON text of the number, never a float). Writing walks the same
schema nodes and reproduces Go's ``encoding/json`` output of gobl structs:

* properties in struct (schema) order, unknown properties dropped (Go ignores them on read);
* empty values omitted as ``omitempty`` does: null, ``""``, ``false``, ``0``, empty arrays and
  maps. A present but empty struct is kept as ``{}`` (a non-nil pointer in Go);
* maps (``ext``, ``meta``) with sorted keys, as Go writes maps;
* amounts and percentages as strings that keep their exponent;
* a zero UUID omitted (gobl normalizes it away).

These functions interpret a schema node on every value. :mod:`facturo.gobl.schema.codec`
compiles the same rules into code per node for the hot path; this module stays the
definition the compiled code is tested against, and the fallback for its rare error paths.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from facturo.errors import Fault
from facturo.gobl.errors import ErrorKey, GoblError
from facturo.gobl.num import Amount, InvalidAmount, Percentage
from facturo.gobl.schema.registry import Node, node_for

ZERO_UUID: Final = "00000000-0000-0000-0000-000000000000"


def decode(value: Any, node: Node, path: str = "$") -> Any:
    """Typed copy of raw JSON: amounts and percentages become value objects.

    A value of the wrong JSON type for its field (an array where gobl has a struct, a number
    where it has text) is refused with a ``type`` fault at its path, as Go's ``encoding/json``
    refuses to read it into the struct. A member of a known type given as ``null`` is left
    out: Go reads ``null`` into a pointer, slice or map as nil and leaves any other field at
    its zero value (``num.Amount`` reads ``null`` as nothing), which in gobl's documents comes
    to the same as leaving it out.
    """
    kind = node.kind
    if kind == "object":
        if not isinstance(value, dict):
            raise wrong_type(path, "an object", value)
        props = node.props
        out: dict[str, Any] = {}
        for k, v in value.items():
            sub = props.get(k) or node.legacy.get(k)
            if sub is None:
                out[k] = v
            elif v is not None:
                out[k] = decode(v, sub, f"{path}.{k}")
        return out
    if kind == "array":
        if not isinstance(value, list):
            raise wrong_type(path, "an array", value)
        item = node.item
        assert item is not None
        return [decode(v, item, f"{path}[{i}]") for i, v in enumerate(value) if v is not None]
    if kind == "map":
        if not isinstance(value, dict):
            raise wrong_type(path, "an object", value)
        item = node.item
        assert item is not None
        return {k: decode(v, item, f"{path}.{k}") for k, v in value.items()}
    if kind == "amount":
        if isinstance(value, Amount):
            return value
        try:
            return Amount.parse(value)
        except (InvalidAmount, TypeError) as exc:
            raise _unreadable(path, exc) from exc
    if kind == "percentage":
        if isinstance(value, Percentage):
            return value
        try:
            return Percentage.parse(value)
        except (InvalidAmount, TypeError) as exc:
            raise _unreadable(path, exc) from exc
    if kind == "any" and isinstance(value, dict):
        sub_node = node_for(str(value.get("$schema", "")))
        if sub_node is not None:
            return decode(value, sub_node, path)
    if node.json and value is not None and not is_json_type(value, node.json):
        raise wrong_type(path, _EXPECTED[node.json], value)
    return value


_EXPECTED: Final = {
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
    "number": "a number",
}


def is_json_type(value: Any, json: str) -> bool:
    """Whether a plain value can be read into a field of this schema type, as Go reads it."""
    t = value.__class__
    if json == "string":
        return isinstance(value, str)
    if json == "integer":
        return t is int  # not true/false, and not 1.0: Go refuses both for an int field
    if json == "boolean":
        return t is bool
    return t is not bool and isinstance(value, int | float | Decimal)


def wrong_type(path: str, expected: str, value: Any) -> GoblError:
    """The ``input`` error for a value of the wrong JSON type, with a ``type`` fault."""
    message = f"expected {expected}, got {_json_kind(value)}"
    return GoblError(ErrorKey.INPUT, f"{path}: {message}", faults=[Fault("type", message, (path,))])


def _unreadable(path: str, exc: Exception) -> GoblError:
    """The ``input`` error for an amount or percentage that does not read, with a fault."""
    return GoblError(ErrorKey.INPUT, f"{path}: {exc}", faults=[Fault("format", str(exc), (path,))])


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if value is None:
        return "null"
    return type(value).__name__


def is_empty(v: Any) -> bool:
    """Whether Go's ``omitempty`` drops the written value (an empty struct is not empty)."""
    return v is None or v is False or v == "" or (v == 0 and type(v) is int) or v == [] or v == {}


def encode(value: Any, node: Node) -> Any:
    """gobl's JSON value for ``value`` (see the module docstring for the rules)."""
    kind = node.kind
    if kind == "object":
        if not isinstance(value, dict):
            return plain_value(value)
        out: dict[str, Any] = {}
        if "$schema" in value:
            out["$schema"] = value["$schema"]
        for k, sub in node.props.items():
            if k in value:
                v = encode(value[k], sub)
                if (v == {} and sub.kind == "object") or (
                    not is_empty(v) and not (k == "uuid" and v == ZERO_UUID)
                ):
                    out[k] = v
        return out
    if kind == "array":
        if not isinstance(value, list):
            return plain_value(value)
        item = node.item
        assert item is not None
        return [encode(v, item) for v in value if v is not None]
    if kind == "map":
        if not isinstance(value, dict):
            return plain_value(value)
        item = node.item
        assert item is not None
        res = {k: encode(value[k], item) for k in sorted(value)}
        return {k: v for k, v in res.items() if not is_empty(v)}
    if kind == "amount":
        return str(value) if isinstance(value, Amount) else str(Amount.parse(value))
    if kind == "percentage":
        return str(value) if isinstance(value, Percentage) else str(Percentage.parse(value))
    if kind == "any" and isinstance(value, dict):
        sub_node = node_for(str(value.get("$schema", "")))
        if sub_node is not None:
            return encode(value, sub_node)
    return plain_value(value)


def plain_value(value: Any) -> Any:
    """A value of no known gobl type, as Go would write what it read: numbers exact, maps sorted."""
    if isinstance(value, Amount | Percentage):
        return str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        # an object of a type this port has no schema for is a map to Go: sorted keys
        return {k: plain_value(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [plain_value(v) for v in value]
    return value
