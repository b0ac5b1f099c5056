"""The generated writers' short ways give the reference codec's output and read-back.

Small ``ext`` maps are ordered by one comparison, arrays of one struct are written without a
loop, and an amount shared by two members of a struct is formatted once. Each row is written by
the generated writer and by the reference, and the two must agree exactly: members, their
order, whether the output reads back, and the error when there is one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from facturo.gobl.errors import GoblError
from facturo.gobl.num import Amount, Percentage
from facturo.gobl.num.amount import make_amount
from facturo.gobl.schema.codec import decode, decode_document, encode, encode_document_full
from facturo.gobl.schema.registry import Node, node_for, schema_id

from .member_order import ordered

INVOICE = schema_id("bill/invoice")


def _written(doc: dict[str, Any]) -> tuple[str, Any]:
    try:
        enc = encode_document_full(doc)
    except Exception as exc:  # the class of the error is what must match
        return ("error", type(exc))
    return ("ok", (enc.out, ordered(enc.out), enc.readable))


def _reference(doc: dict[str, Any]) -> tuple[str, Any]:
    node = node_for(INVOICE)
    assert node is not None
    try:
        out = encode(doc, node)
    except Exception as exc:
        return ("error", type(exc))
    return ("ok", (out, ordered(out), _numbers_read_back(out, node)))


def _numbers_read_back(value: Any, node: Node) -> bool:
    """What ``Encoded.readable`` says: every amount and percentage written reads back.

    Members of another JSON type than their field's are the reader's other refusal, and no
    concern of the writer's flag (a build only writes what it read), so they are not judged.
    """
    if node.kind in ("amount", "percentage"):
        try:
            decode(value, node)
        except GoblError:
            return False
        return True
    if isinstance(value, dict) and node.kind == "object":
        return all(
            _numbers_read_back(v, node.props[k]) for k, v in value.items() if k in node.props
        )
    if isinstance(value, dict) and node.kind == "map" and node.item is not None:
        return all(_numbers_read_back(v, node.item) for v in value.values())
    if isinstance(value, list) and node.kind == "array" and node.item is not None:
        return all(_numbers_read_back(v, node.item) for v in value)
    return True


def _check(doc: dict[str, Any]) -> dict[str, Any]:
    got, want = _written(doc), _reference(doc)
    assert got == want
    return got[1][0] if got[0] == "ok" else {}


class _Text(str):
    """Text of a subclass: not plain ``str``, so the writers take their general way."""


EXT_MAPS: list[dict[Any, Any]] = [
    {},
    {"b": "2"},
    {"b": ""},
    {"b": 2},
    {"b": None},
    {"b": _Text("x")},
    {"a": "1", "b": "2"},
    {"b": "2", "a": "1"},
    {"b": "", "a": "1"},
    {"b": "2", "a": ""},
    {"a": "", "b": ""},
    {"b": "2", "a": 1},
    {"b": 2, "a": "1"},
    {"b": ["x"], "a": "1"},
    {"a": "1", "b": {"c": "d"}},
    {"b": _Text("2"), "a": "1"},
    {"c": "3", "a": "1", "b": "2"},
    {"c": "3", "a": "", "b": 2},
    {"es-verifactu-regime": "01", "es-verifactu-op-class": "S1"},
]


@pytest.mark.parametrize("ext", EXT_MAPS, ids=[repr(e) for e in EXT_MAPS])
def test_ext_maps_of_any_size_are_written_as_the_reference_writes_them(
    ext: dict[Any, Any],
) -> None:
    doc = decode_document(
        {
            "$schema": INVOICE,
            "lines": [{"i": 1, "item": {"name": "A", "price": "1.00"}, "taxes": [{"cat": "VAT"}]}],
        }
    )
    line = doc["lines"][0]
    line["taxes"][0]["ext"] = dict(ext)
    line["item"]["ext"] = dict(ext)
    line["ext"] = dict(ext)
    _check(doc)


def test_an_ext_map_with_keys_that_do_not_compare_fails_as_the_reference_does() -> None:
    doc = decode_document({"$schema": INVOICE, "tax": {}})
    doc["tax"]["ext"] = {"a": "1", 2: "2"}
    got = _written(doc)
    assert got == _reference(doc)
    assert got == ("error", TypeError)


COMBOS: list[Any] = [
    [],
    [None],
    [{"cat": "VAT"}],
    [None, {"cat": "VAT"}],
    [{"cat": "VAT"}, None],
    [{"cat": "VAT", "rate": "general"}, {"cat": "IRPF", "percent": "15%"}],
    [{}],
    ["text"],
    [["nested"]],
    [{"cat": "VAT", "percent": "x%"}],
]


@pytest.mark.parametrize("taxes", COMBOS, ids=[repr(c) for c in COMBOS])
def test_arrays_of_zero_one_or_more_structs_match_the_reference(taxes: list[Any]) -> None:
    doc: dict[str, Any] = {"$schema": INVOICE, "lines": [{"i": 1}]}
    typed = decode_document(doc)
    typed["lines"][0]["taxes"] = taxes
    typed["lines"][0]["discounts"] = list(taxes)
    _check(typed)


def _amounts() -> list[Any]:
    return [
        make_amount(1095, 2),
        make_amount(100, 2),
        make_amount(101, 2),
        make_amount(199, 2),
        make_amount(1000, 2),
        make_amount(99, 2),
        make_amount(0, 2),
        make_amount(10**18 - 1, 2),
        make_amount(12345678901234567, 2),
        make_amount(5, 2),
        make_amount(-1095, 2),
        make_amount(109500, 4),
        make_amount(7, 0),
        make_amount(10**18, 2),
        Amount.parse("3.50"),
        decode_document({"$schema": INVOICE, "lines": [{"quantity": "12.5"}]})["lines"][0][
            "quantity"
        ],
        "4.20",
        Decimal("1.5"),
        None,
    ]


@pytest.mark.parametrize("a", _amounts(), ids=repr)
@pytest.mark.parametrize("shared", [True, False])
def test_an_amount_written_by_two_members_is_written_the_same_each_time(
    a: Any, shared: bool
) -> None:
    b = a if shared else make_amount(99, 2)
    doc = decode_document({"$schema": INVOICE})
    doc["lines"] = [{"i": 1, "sum": a, "total": b}, {"i": 2, "total": a, "sum": a}]
    doc["totals"] = {"sum": a, "total": a, "tax": b, "total_with_tax": a, "payable": a}
    out = _check(doc)
    if out and isinstance(a, Amount):
        assert out["lines"][0]["sum"] == str(a)
        assert out["totals"]["payable"] == str(a)


def test_a_percentage_member_is_not_taken_for_the_amount_before_it() -> None:
    a = make_amount(21, 2)
    doc = decode_document({"$schema": INVOICE})
    doc["lines"] = [{"i": 1, "sum": a, "discounts": [{"percent": Percentage(21, 2)}]}]
    doc["lines"][0]["discounts"][0]["amount"] = a
    out = _check(doc)
    assert out["lines"][0]["discounts"][0] == {"percent": "21%", "amount": "0.21"}
