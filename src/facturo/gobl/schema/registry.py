"""Shapes of gobl documents, compiled from the JSON Schemas shipped as package data.

gobl (Go) gets its JSON shape from struct declarations; the published schemas list the
properties in struct order, which is the order gobl writes them. Rather than re-declare ~90
structs by hand, the port compiles each schema into a small :class:`Node` tree that says, per
field, whether it is an object (with ordered properties), an array, a map (written with sorted
keys, like Go's ``encoding/json``), an amount, a percentage, or a plain value. The codec uses it to
read numbers exactly and to write documents in gobl's order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

GOBL_BASE: Final = "https://gobl.org/draft-0/"
_AMOUNT: Final = GOBL_BASE + "num/amount"
_PERCENTAGE: Final = GOBL_BASE + "num/percentage"
_OBJECT: Final = GOBL_BASE + "schema/object"
_CODE: Final = GOBL_BASE + "cbc/code"

Kind = Literal["object", "array", "map", "amount", "percentage", "value", "any"]


class Node:
    """How one JSON value of a gobl type is read and written."""

    __slots__ = ("dec", "enc", "item", "json", "kind", "legacy", "name", "props")

    def __init__(self, kind: Kind, name: str = "", json: str = "") -> None:
        self.kind: Kind = kind
        self.name = name
        self.json = json
        """For a plain value, the JSON type its schema gives (``string``, ``integer``,
        ``boolean``, ``number``), which is the Go type it is read into; "" for any."""
        self.props: dict[str, Node] = {}
        self.legacy: dict[str, Node] = {}
        """Members gobl still reads into the struct, to migrate them, but never writes."""
        self.item: Node | None = None
        # the codec's compiled reader and writer for this node, made on first use
        self.dec: Callable[[Any], Any] | None = None
        self.enc: Callable[[Any, list[Any]], Any] | None = None

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.name})"


_VALUE: Final = Node("value")
_PLAIN: Final = {t: Node("value", json=t) for t in ("string", "integer", "boolean", "number")}
_AMOUNT_NODE: Final = Node("amount")
_PERCENT_NODE: Final = Node("percentage")
_ANY: Final = Node("any")
# a ``cbc.Code`` member: text, which a calculation normalizes (NFC, printable, trimmed)
CODE_NODE: Final = Node("value", "cbc.Code", json="string")


def schema_id(path: str) -> str:
    """``bill/invoice`` → ``https://gobl.org/draft-0/bill/invoice``."""
    return GOBL_BASE + path


@cache
def _file(url: str) -> dict[str, Any] | None:
    if not url.startswith(GOBL_BASE):
        return None
    rel = url[len(GOBL_BASE) :]
    path = resources.files("facturo.gobl.data").joinpath("schemas", *(rel + ".json").split("/"))
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


_compiled: dict[tuple[str, str], Node] = {}

# Old input forms gobl's structs still read (``UnmarshalJSON`` into an unexported field, then
# migrated) and the published schemas no longer list: read with their type checked, never
# written. ``tax.tags`` became the document's ``$tags``.
_LEGACY: Final[dict[str, dict[str, dict[str, Any]]]] = {
    "bill.Tax": {"tags": {"type": "array", "items": {"type": "string"}}},
}


# schema URL -> its node, for the URLs found: every build asks for its document's node when
# reading, writing and validating it
_by_url: dict[str, Node] = {}


def node_for(url: str) -> Node | None:
    """The node of the document type a ``$schema`` URL names, or None if unknown."""
    found = _by_url.get(url)
    if found is not None:
        return found
    data = _file(url)
    if data is None:
        return None
    ref = data.get("$ref", "")
    node = _by_url[url] = _def_node(url, ref[len("#/$defs/") :])
    return node


def _def_node(url: str, name: str) -> Node:
    key = (url, name)
    found = _compiled.get(key)
    if found is not None:
        return found
    data = _file(url)
    spec = (data or {}).get("$defs", {}).get(name, {})
    return _spec_node(url, spec, name, key)


def _ref_node(url: str, ref: str) -> Node:
    if ref == _AMOUNT:
        return _AMOUNT_NODE
    if ref == _PERCENTAGE:
        return _PERCENT_NODE
    if ref == _OBJECT:
        return _ANY
    if ref == _CODE:
        return CODE_NODE
    if ref.startswith("#/$defs/"):
        return _def_node(url, ref[len("#/$defs/") :])
    if ref.startswith(GOBL_BASE):
        target = node_for(ref)
        return target if target is not None else _VALUE
    return _VALUE


def _spec_node(
    url: str, spec: dict[str, Any], name: str = "", key: tuple[str, str] | None = None
) -> Node:
    if "$ref" in spec:
        return _ref_node(url, spec["$ref"])
    typ = spec.get("type")
    if typ == "array":
        node = Node("array", name)
        node.item = _spec_node(url, spec.get("items", {}))
        return node
    if "properties" in spec:
        node = Node("object", name)
        if key is not None:
            _compiled[key] = node  # registered before children: schemas are recursive
        for prop, sub in spec["properties"].items():
            node.props[prop] = _spec_node(url, sub)
        for prop, sub in _LEGACY.get(name, {}).items():
            if prop not in node.props:
                node.legacy[prop] = _spec_node(url, sub)
        return node
    pattern = spec.get("patternProperties") or spec.get("additionalProperties")
    if typ == "object" and isinstance(pattern, dict):
        node = Node("map", name)
        sub = next(iter(pattern.values())) if "patternProperties" in spec else pattern
        node.item = _spec_node(url, sub)
        return node
    if typ == "object":
        return _ANY
    return _PLAIN.get(typ, _VALUE) if isinstance(typ, str) else _VALUE
