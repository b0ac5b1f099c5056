"""Codes and tax identities normalized inline equal their general normalizers.

``normalize_document`` trims a plain ASCII ``series``/``code`` itself and hands any other text
to ``normalize_code``; ``normalize_party`` reads a Spanish tax code's kept normalization
itself and hands any other identity to ``normalize_tax_identity``. Each value is normalized
both ways and compared.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from facturo.gobl.bill.normalize import (
    normalize_code,
    normalize_document,
    normalize_party,
    normalize_tax_identity,
)


class _Text(str):
    """A text of another class: left to the general normalizer (codes of this class are left
    as they are, as before)."""


_CODES: list[Any] = [
    "B",
    " 42 ",
    "",
    "FAC-2024/001",
    "caf\u00e9",
    "cafe\u0301",
    "a\tb",
    "\u00a0x\u00a0",
    "x\u200by",
    _Text(" t "),
    5,
    None,
]


@pytest.mark.parametrize("value", _CODES, ids=repr)
def test_document_codes_equal_normalize_code(value: Any) -> None:
    doc: dict[str, Any] = {"series": value, "code": value}
    normalize_document(doc, combo_normalizers=())
    expected = normalize_code(value) if type(value) is str else value  # as before: texts only
    assert doc == {"series": expected, "code": expected}
    assert type(doc["code"]) is type(expected)


_IDENTITIES: list[dict[str, Any]] = [
    {"country": "ES", "code": "B98602642"},
    {"country": "ES", "code": "es b-98602642"},
    {"country": "ES", "code": " 54387763p "},
    {"country": "ES", "code": "x\u00f1 12"},
    {"country": "ES", "code": ""},
    {"country": "ES", "code": 12},
    {"country": "ES", "code": None},
    {"country": "ES", "code": _Text("b98602642")},
    {"country": "ES"},
    {"country": "PT", "code": "pt 501-234-567"},
    {"country": "", "code": "abc"},
    {"code": "es-b98602642"},
    {"country": 5, "code": "abc"},
]


@pytest.mark.parametrize("tid", _IDENTITIES, ids=repr)
def test_party_tax_identities_equal_normalize_tax_identity(tid: dict[str, Any]) -> None:
    party: dict[str, Any] = {"name": " n ", "tax_id": copy.deepcopy(tid)}
    expected = copy.deepcopy(tid)
    normalize_tax_identity(expected)
    for _ in range(2):  # the second time from the kept normalization
        normalize_party(party)
        assert party["tax_id"] == expected
        assert [type(v) for v in party["tax_id"].values()] == [type(v) for v in expected.values()]
        party["tax_id"] = copy.deepcopy(tid)
