"""A line's normalizers give the same lines whichever way a member takes through them.

Empty modifier lists are left as the decoded tree holds them, and a combo normalized before is
looked up inside the line's own loop; the lines must be those of gobl's rules either way:
modifiers with nothing but zeros dropped, empty combos dropped, a negative price turned round
with its quantity, and combos served from the table equal to combos normalized afresh, with
maps of their own.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from facturo.gobl.addons.es_verifactu import tax as verifactu_tax
from facturo.gobl.bill.normalize import normalize_combo_chain, normalize_document
from facturo.gobl.num import Amount, Percentage

_EXTRA = (verifactu_tax.normalize_combo,)
_ZERO_PCT = Percentage.parse("0%")
_FIVE_PCT = Percentage.parse("5%")

MODIFIERS: list[tuple[Any, Any]] = [
    ([], []),
    ([{}], []),
    ([None], []),
    ([{"percent": _ZERO_PCT}], []),
    ([{"amount": Amount(0, 2)}], []),
    ([{"percent": _ZERO_PCT, "reason": "r"}], [{"percent": _ZERO_PCT, "reason": "r"}]),
    ([{"percent": _FIVE_PCT}], [{"percent": _FIVE_PCT}]),
    ([{}, {"percent": _FIVE_PCT}, None], [{"percent": _FIVE_PCT}]),
    (
        [{"percent": _FIVE_PCT, "ext": {"a": "", "b": "1"}}],
        [{"percent": _FIVE_PCT, "ext": {"b": "1"}}],
    ),
    ([{"code": "c", "ext": {"a": ""}}], [{"code": "c"}]),
    ("", []),
    ({}, []),
]


@pytest.mark.parametrize("key", ["discounts", "charges"])
@pytest.mark.parametrize(("given", "expected"), MODIFIERS, ids=[repr(m[0]) for m in MODIFIERS])
def test_modifier_lists_are_normalized_by_gobl_rules(key: str, given: Any, expected: Any) -> None:
    doc = {"lines": [{"i": 1, key: copy.deepcopy(given)}]}
    normalize_document(doc, combo_normalizers=_EXTRA)
    assert doc["lines"][0][key] == expected
    assert doc["lines"][0][key].__class__ is list


def test_a_modifier_list_of_texts_fails_as_before() -> None:
    doc = {"lines": [{"discounts": ["5%"]}]}
    with pytest.raises(AttributeError):
        normalize_document(doc, combo_normalizers=_EXTRA)


def _line(taxes: list[Any]) -> dict[str, Any]:
    return {
        "quantity": Amount(3, 0),
        "item": {"name": "  Item ", "price": Amount(-1095, 2)},
        "taxes": taxes,
    }


COMBOS: list[list[Any]] = [
    [{"cat": "VAT", "rate": "standard"}],
    [{"cat": "VAT", "rate": "reduced"}, {}, {"cat": "IRPF", "rate": "pro"}],
    [{"cat": "VAT", "rate": "exempt", "ext": {"es-verifactu-exempt": "E2"}}],
    [{"cat": "VAT", "percent": Percentage.parse("21.0%")}],
    [{"cat": "VAT", "key": "zero"}],
    [{"cat": "IGIC", "country": "FR", "rate": "standard"}],
    [{"cat": "VAT", "rate": "standard", "tags": ["x"]}],
]


@pytest.mark.parametrize("taxes", COMBOS, ids=[repr(c) for c in COMBOS])
def test_lines_normalized_twice_equal_lines_normalized_afresh(taxes: list[Any]) -> None:
    expected_taxes = []
    for combo in copy.deepcopy(taxes):
        if combo:
            normalize_combo_chain(combo, _EXTRA)
            expected_taxes.append(combo)
    for _ in range(3):  # later documents are served from what the first one kept
        doc = {"lines": [_line(copy.deepcopy(taxes)), _line(copy.deepcopy(taxes))]}
        normalize_document(doc, combo_normalizers=_EXTRA)
        for line in doc["lines"]:
            assert [list(c.items()) for c in line["taxes"]] == [
                list(c.items()) for c in expected_taxes
            ]
            assert line["item"] == {"name": "Item", "price": Amount(1095, 2)}
            assert line["quantity"] == Amount(-3, 0)
        first, second = (line["taxes"] for line in doc["lines"])
        for a, b in zip(first, second, strict=True):
            assert a is not b
            if "ext" in a:
                assert a["ext"] is not b["ext"]  # each combo has a map of its own
