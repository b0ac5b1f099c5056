"""gobl's ``cbc.Code`` normalization, applied to every code of a calculated document.

gobl normalizes each ``cbc.Code`` of a document as it calculates it (``cbc.NormalizeCode``: NFC,
non-printable characters dropped, trimmed), whatever struct holds it. The schema says which
members are codes (``$ref`` to ``cbc/code``; :data:`~facturo.gobl.schema.registry.CODE_NODE`).

The members a usual invoice holds are normalized where the bill normalizer already reads them
(series and code, combos, modifiers, notes, parties' tax IDs); :func:`normalize_codes` walks
any other part by its schema, and runs only where such a part is present. Reading a document
never normalizes: ``validate`` judges codes as given, as gobl does.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from facturo.gobl.schema.registry import CODE_NODE, Node, node_for


def normalize_code(text: str) -> str:
    """``cbc.Code`` normalization: NFC, printable characters only, trimmed."""
    if text.isascii() and text.isprintable():  # already NFC and printable: only the trim
        return text.strip()
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch.isprintable()).strip()


# An object node's plan: its code members, and the members whose values hold codes below them
# (with whether the member is an array of structs). Made once per node.
_Plan = tuple[tuple[str, ...], tuple[tuple[str, Node, bool], ...]]
_PLANS: dict[int, _Plan] = {}
_HOLDS: dict[int, bool] = {}


def _holds_codes(node: Node) -> bool:
    """Whether values of ``node`` can hold a code anywhere below."""
    found = _HOLDS.get(id(node))
    if found is None:
        found = _HOLDS[id(node)] = _reaches_code(node, set())
    return found


def _reaches_code(node: Node, seen: set[int]) -> bool:
    """A search of the schema below ``node`` for a code (each node once: schemas are recursive).

    Maps and ``any`` members are not followed.
    """
    if node is CODE_NODE:
        return True
    if id(node) in seen:
        return False
    seen.add(id(node))
    if node.kind == "object":
        return any(_reaches_code(sub, seen) for sub in node.props.values())
    if node.kind == "array" and node.item is not None:
        return _reaches_code(node.item, seen)
    return False


def _plan(node: Node) -> _Plan:
    plan = _PLANS.get(id(node))
    if plan is None:
        codes = tuple(k for k, sub in node.props.items() if sub is CODE_NODE)
        children: list[tuple[str, Node, bool]] = []
        for k, sub in node.props.items():
            if sub.kind == "object" and _holds_codes(sub):
                children.append((k, sub, False))
            elif (
                sub.kind == "array"
                and sub.item is not None
                and sub.item.kind == "object"
                and _holds_codes(sub.item)
            ):
                children.append((k, sub.item, True))
        plan = _PLANS[id(node)] = (codes, tuple(children))
    return plan


def normalize_codes(value: Any, node: Node) -> None:
    """Normalize every code member of ``value`` (a typed struct of ``node``) and below it.

    Values of other types than the schema's are left for validation to report.
    """
    if value.__class__ is not dict:
        return
    codes, children = _plan(node)
    for k in codes:
        v = value.get(k)
        if v.__class__ is str:
            value[k] = normalize_code(v)
    for k, sub, many in children:
        v = value.get(k)
        if v is None:
            continue
        if many:
            if v.__class__ is list:
                for x in v:
                    normalize_codes(x, sub)
        else:
            normalize_codes(v, sub)


def code_members(node: Node) -> frozenset[str]:
    """The members of ``node`` that are codes or hold codes below them."""
    codes, children = _plan(node)
    return frozenset((*codes, *(k for k, _, _ in children)))


def code_children(node: Node) -> tuple[tuple[str, Node, bool], ...]:
    """The members of ``node`` that hold codes below them: (key, struct node, is an array)."""
    return _plan(node)[1]


def normalize_document_codes(doc: dict[str, Any]) -> None:
    """Every code of a document, by a walk of all of it: for the types that are few (payments,
    statuses); invoices, orders and deliveries have theirs read where their normalizer reads
    them."""
    node = node_for(str(doc.get("$schema", "")))
    if node is not None:
        normalize_codes(doc, node)
