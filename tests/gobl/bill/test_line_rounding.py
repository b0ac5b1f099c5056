"""When line amounts are rounded: as each line is calculated, but only in documents with totals.

Lines are rounded to their price's decimals right after their exact totals are taken. gobl
rounds at the end of a calculation that produced totals, so a document without any priced
line keeps the exact amounts of priced sub-lines.
"""

from __future__ import annotations

from typing import Any

from facturo.gobl import calculate


def _invoice(lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "currency": "EUR",
        "issue_date": "2024-12-04",
        "supplier": {"name": "S", "tax_id": {"country": "ES", "code": "B98602642"}},
        "lines": lines,
    }


def _substituting() -> dict[str, Any]:
    return {
        "quantity": "1",
        "item": {"name": "set"},
        "substituted": [{"quantity": "3", "item": {"name": "part", "price": "2.105"}}],
    }


def test_sub_lines_stay_exact_in_a_document_without_totals() -> None:
    out = calculate(_invoice([_substituting()]))
    assert "totals" not in out
    assert out["lines"][0]["substituted"][0]["sum"] == "6.3150"


def test_sub_lines_are_rounded_in_a_document_with_totals() -> None:
    priced = {
        "quantity": "3",
        "item": {"name": "x", "price": "2.105"},
        "taxes": [{"cat": "VAT", "rate": "general"}],
    }
    out = calculate(_invoice([_substituting(), priced]))
    assert out["lines"][0]["substituted"][0]["sum"] == "6.315"
    assert (out["lines"][1]["sum"], out["lines"][1]["total"]) == ("6.315", "6.315")
    assert out["totals"]["sum"] == "6.32"
