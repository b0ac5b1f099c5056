"""Table tests for bill/payment calculation: line index, totals, method amounts, migration."""

from __future__ import annotations

from typing import Any

import pytest

from facturo.gobl.bill.payment import calculate_payment
from facturo.gobl.num import Amount, Percentage


def _doc(lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"$regime": "ES", "lines": lines, **extra}


@pytest.mark.parametrize(
    ("amounts", "refunds", "total"),
    [
        (["1630.00"], [False], "1630.00"),
        (["100", "20.5"], [False, False], "120.50"),
        (["100.00", "30.00"], [False, True], "70.00"),
    ],
)
def test_total_and_index(amounts: list[str], refunds: list[bool], total: str) -> None:
    lines = [
        {"amount": Amount.parse(a), "refund": r} for a, r in zip(amounts, refunds, strict=True)
    ]
    doc = _doc(lines, methods=[{"key": "cash"}])
    calculate_payment(doc)
    assert [ln["i"] for ln in doc["lines"]] == list(range(1, len(amounts) + 1))
    assert str(doc["total"]) == total
    assert str(doc["methods"][0]["amount"]) == total
    assert doc["currency"] == "EUR"
    assert doc["type"] == "receipt"


@pytest.mark.parametrize(
    ("methods", "expected"),
    [
        ([{"key": "cash", "amount": Amount.parse("10.00")}], ["10.00"]),
        ([{"key": "cash"}, {"key": "card"}], [None, None]),
    ],
)
def test_method_amounts(methods: list[dict[str, Any]], expected: list[str | None]) -> None:
    doc = _doc([{"amount": Amount.parse("50.00")}], methods=methods)
    calculate_payment(doc)
    got = [str(m["amount"]) if m.get("amount") is not None else None for m in doc["methods"]]
    assert got == expected


def test_legacy_method_migrated() -> None:
    doc = _doc([{"amount": Amount.parse("5.00")}], method={"key": "credit-transfer"})
    calculate_payment(doc)
    assert "method" not in doc
    assert doc["methods"][0]["key"] == "credit-transfer"
    assert str(doc["methods"][0]["amount"]) == "5.00"


@pytest.mark.parametrize(
    ("base", "percent", "amount"),
    [("1630.00", "21.0%", "342.30"), ("10.00", "10%", "1.00"), ("0.05", "21%", "0.01")],
)
def test_document_tax(base: str, percent: str, amount: str) -> None:
    rate = {"base": Amount.parse(base), "percent": Percentage.parse(percent)}
    doc = _doc(
        [
            {
                "amount": Amount.parse("1.00"),
                "document": {"tax": {"categories": [{"code": "VAT", "rates": [rate]}]}},
            }
        ]
    )
    calculate_payment(doc)
    tax = doc["lines"][0]["document"]["tax"]
    assert str(rate["amount"]) == amount
    assert str(tax["categories"][0]["amount"]) == amount
    assert str(tax["sum"]) == amount
