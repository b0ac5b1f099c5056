"""Rules of the other bill documents: payments, orders, deliveries and statuses.

Codes and paths are those of gobl's ``data/rules/bill.json``; each case edits a small valid
document and states the fault gobl reports.
"""

from __future__ import annotations

import copy
from typing import Any
from uuid import UUID

import pytest

from facturo.gobl import GoblError, build

U = UUID("0190f3a0-0000-7000-8000-000000000000")
SUPPLIER = {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}}
BASE = "https://gobl.org/draft-0/bill/"


def faults_of(doc: dict[str, Any]) -> set[tuple[str, str]]:
    try:
        build(doc, uuid_factory=lambda: U)
    except GoblError as err:
        return {(f.code, p) for f in err.faults for p in f.paths}
    return set()


def payment() -> dict[str, Any]:
    return {
        "$schema": BASE + "payment",
        "uuid": str(U),
        "issue_date": "2024-12-04",
        "supplier": copy.deepcopy(SUPPLIER),
        "lines": [
            {
                "document": {"code": "F-1", "issue_date": "2024-11-01"},
                "payable": "100.00",
                "advances": "20.00",
                "amount": "80.00",
            }
        ],
        "methods": [{"key": "credit-transfer"}],
    }


def order() -> dict[str, Any]:
    return {
        "$schema": BASE + "order",
        "uuid": str(U),
        "type": "purchase",
        "issue_date": "2024-12-04",
        "currency": "EUR",
        "supplier": copy.deepcopy(SUPPLIER),
        "lines": [{"quantity": "1", "item": {"name": "Thing", "price": "1.00"}}],
    }


def delivery() -> dict[str, Any]:
    doc = order()
    doc["$schema"] = BASE + "delivery"
    doc["type"] = "note"
    return doc


def status() -> dict[str, Any]:
    return {
        "$schema": BASE + "status",
        "uuid": str(U),
        "type": "response",
        "issue_date": "2024-12-04",
        "supplier": copy.deepcopy(SUPPLIER),
        "lines": [
            {
                "key": "rejected",
                "doc": {"code": "F-1"},
                "reasons": [{"key": "prices"}],
                "actions": [{"key": "reissue"}],
            }
        ],
    }


@pytest.mark.parametrize("make", [payment, order, delivery, status])
def test_valid_documents_have_no_faults(make: Any) -> None:
    assert faults_of(make()) == set()


def _edit(doc: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    node = doc
    for p in path[:-1]:
        node = node[p]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


CASES: list[tuple[str, Any, list[Any], Any, str, str]] = [
    ("payment type", payment, ["type"], "bill", "GOBL-BILL-PAYMENT-02", "$.doc.type"),
    ("payment methods", payment, ["methods"], None, "GOBL-BILL-PAYMENT-03", "$.doc.methods"),
    (
        "payment method key",
        payment,
        ["methods"],
        [{"key": "cash", "amount": "40.00"}, {"amount": "40.00"}],
        "GOBL-BILL-PAYMENT-09",
        "$.doc.methods[1].key",
    ),
    ("payment lines", payment, ["lines"], None, "GOBL-BILL-PAYMENT-07", "$.doc.lines"),
    (
        "methods do not add up",
        payment,
        ["methods"],
        [{"key": "cash", "amount": "10.00"}, {"key": "card", "amount": "5.00"}],
        "GOBL-BILL-PAYMENT-08",
        "$.doc",
    ),
    (
        "advances above payable",
        payment,
        ["lines", 0, "advances"],
        "120.00",
        "GOBL-BILL-PAYMENTLINE-11",
        "$.doc.lines[0]",
    ),
    (
        "amount above what is left",
        payment,
        ["lines", 0, "amount"],
        "90.00",
        "GOBL-BILL-PAYMENTLINE-12",
        "$.doc.lines[0]",
    ),
    (
        "installment out of range",
        payment,
        ["lines", 0, "installment"],
        1000,
        "GOBL-BILL-PAYMENTLINE-01",
        "$.doc.lines[0].installment",
    ),
    (
        "negative payable",
        payment,
        ["lines", 0, "payable"],
        "-100.00",
        "GOBL-BILL-PAYMENTLINE-02",
        "$.doc.lines[0].payable",
    ),
    ("order type", order, ["type"], "rental", "GOBL-BILL-ORDER-02", "$.doc.type"),
    ("order lines", order, ["lines"], None, "GOBL-BILL-ORDER-06", "$.doc.lines"),
    ("delivery type", delivery, ["type"], "parcel", "GOBL-BILL-DELIVERY-02", "$.doc.type"),
    ("delivery supplier", delivery, ["supplier"], None, "GOBL-BILL-DELIVERY-04", "$.doc.supplier"),
    ("status type", status, ["type"], "opinion", "GOBL-BILL-STATUS-02", "$.doc.type"),
    ("status lines", status, ["lines"], None, "GOBL-BILL-STATUS-04", "$.doc.lines"),
    (
        "status line key",
        status,
        ["lines", 0, "key"],
        "meh",
        "GOBL-BILL-STATUSLINE-02",
        "$.doc.lines[0].key",
    ),
    (
        "reason key",
        status,
        ["lines", 0, "reasons"],
        [{"description": "No reason given"}],
        "GOBL-BILL-REASON-01",
        "$.doc.lines[0].reasons[0].key",
    ),
    (
        "action key",
        status,
        ["lines", 0, "actions"],
        [{"key": "pray"}],
        "GOBL-BILL-ACTION-02",
        "$.doc.lines[0].actions[0].key",
    ),
    (
        "fault code",
        status,
        ["lines", 0, "reasons"],
        [{"key": "prices", "faults": [{"message": "too dear"}]}],
        "GOBL-BILL-FAULT-01",
        "$.doc.lines[0].reasons[0].faults[0].code",
    ),
]


@pytest.mark.parametrize(
    ("make", "path", "value", "code", "fault_path"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_fault(make: Any, path: list[Any], value: Any, code: str, fault_path: str) -> None:
    assert (code, fault_path) in faults_of(_edit(make(), path, value))


def test_methods_in_another_currency_count_at_the_exchange_rate() -> None:
    doc = payment()
    doc["exchange_rates"] = [{"from": "USD", "to": "EUR", "amount": "0.5"}]
    doc["methods"] = [
        {"key": "cash", "amount": "50.00"},
        {"key": "card", "currency": "USD", "amount": "60.00"},
    ]
    assert faults_of(doc) == set()
    doc["methods"][1]["amount"] = "40.00"
    assert ("GOBL-BILL-PAYMENT-08", "$.doc") in faults_of(doc)


def test_line_payable_comes_from_the_document_and_due_is_what_is_left() -> None:
    doc = payment()
    line = doc["lines"][0]
    del line["payable"]
    line["document"]["payable"] = "100.00"
    out = build(doc, uuid_factory=lambda: U).doc
    assert out["lines"][0]["payable"] == "100.00"
    assert out["lines"][0]["due"] == "0.00"  # 100.00 - 20.00 advanced - 80.00 paid now


def test_document_in_another_currency_is_restated_at_the_rate() -> None:
    doc = payment()
    line = doc["lines"][0]
    del line["payable"], line["advances"]
    line["document"].update(currency="USD", payable="200.00")
    with pytest.raises(GoblError) as info:
        build(doc, uuid_factory=lambda: U)
    assert "missing exchange rate from USD to EUR" in info.value.message
    doc["exchange_rates"] = [{"from": "USD", "to": "EUR", "amount": "0.5"}]
    out = build(doc, uuid_factory=lambda: U).doc
    assert (out["lines"][0]["payable"], out["lines"][0]["due"]) == ("100.00", "20.00")


def test_any_amount_exceeds_a_payable_fully_covered_by_advances() -> None:
    doc = payment()
    doc["lines"][0]["advances"] = "100.00"
    assert ("GOBL-BILL-PAYMENTLINE-12", "$.doc.lines[0]") in faults_of(doc)


def test_advances_above_the_payable_are_blamed_on_the_advances() -> None:
    doc = payment()
    doc["lines"][0]["advances"] = "120.00"
    got = faults_of(doc)
    assert ("GOBL-BILL-PAYMENTLINE-11", "$.doc.lines[0]") in got
    assert ("GOBL-BILL-PAYMENTLINE-12", "$.doc.lines[0]") not in got
