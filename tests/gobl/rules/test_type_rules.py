"""Rules bound to a gobl type apply wherever that type appears (gobl ``rules.For``).

Each case edits a small valid ES invoice and states the fault (code and path) gobl reports for
it; codes and paths come from ``data/rules/{pay,org,currency,bill,tax}.json``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from facturo.gobl import GoblError, build, validate
from facturo.gobl.errors import ErrorKey

from .. import samples
from ..samples import U

Edit = Callable[[dict[str, Any]], None]


def invoice() -> dict[str, Any]:
    doc = samples.invoice()
    doc["lines"][0]["item"]["unit"] = "h"
    return doc


def faults_of(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(code, path) of every fault ``build`` reports; empty when the document is valid."""
    try:
        build(doc, uuid_factory=lambda: U)
    except GoblError as err:
        if err.key is not ErrorKey.VALIDATION:
            raise
        return {(f.code, p) for f in err.faults for p in f.paths}
    return set()


def payment(**over: Any) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc["payment"] = {
            "terms": {"key": "due-date", "due_dates": [{"date": "2024-12-31", "percent": "100%"}]},
            "advances": [{"key": "credit-transfer+sepa", "description": "Deposit", "amount": "5"}],
            "instructions": {"key": "online", "online": [{"url": "https://pay.example.com/1"}]},
            **over,
        }

    return edit


def put(*path: Any, value: Any) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value

    return edit


def test_rich_valid_invoice_has_no_faults() -> None:
    doc = invoice()
    payment()(doc)
    doc["customer"]["identities"] = [{"key": "passport", "code": "X123"}]
    doc["supplier"]["people"] = [{"name": {"given": "Ana"}}]
    doc["supplier"]["telephones"] = [{"num": "+34 600 000 000"}]
    doc["supplier"]["websites"] = [{"url": "https://example.com"}]
    doc["lines"][0]["item"]["unit"] = "KGM"  # a UN/ECE code is a unit too
    doc["lines"][0]["charges"] = [{"quantity": "2", "unit": "kg", "rate": "0.50", "amount": "1"}]
    doc["notes"] = [{"key": "legal", "text": "Something legal."}]
    doc["tax"] = {"point": "delivery"}
    assert faults_of(doc) == set()


CASES: list[tuple[str, Edit, str, str]] = [
    (
        "unknown terms key",
        payment(terms={"key": "soon"}),
        "GOBL-PAY-TERMS-01",
        "$.doc.payment.terms.key",
    ),
    (
        "due date without a date",
        payment(terms={"key": "due-date", "due_dates": [{"percent": "100%"}]}),
        "GOBL-PAY-DUEDATE-01",
        "$.doc.payment.terms.due_dates[0].date",
    ),
    (
        "due date with nothing due",
        payment(terms={"key": "due-date", "due_dates": [{"date": "2024-12-31"}]}),
        "GOBL-PAY-DUEDATE-02",
        "$.doc.payment.terms.due_dates[0].amount",
    ),
    (
        "instructions without a key",
        payment(instructions={"detail": "Pay soon"}),
        "GOBL-PAY-INSTRUCTIONS-01",
        "$.doc.payment.instructions.key",
    ),
    (
        "instructions with an unknown key",
        payment(instructions={"key": "barter"}),
        "GOBL-PAY-INSTRUCTIONS-02",
        "$.doc.payment.instructions.key",
    ),
    (
        "online instruction without a URL",
        payment(instructions={"key": "online", "online": [{"label": "Pay here"}]}),
        "GOBL-PAY-ONLINE-01",
        "$.doc.payment.instructions.online[0].url",
    ),
    (
        "advance with an unknown method",
        payment(advances=[{"key": "barter", "description": "Goats", "amount": "5"}]),
        "GOBL-PAY-RECORD-01",
        "$.doc.payment.advances[0].key",
    ),
    (
        "identity with key and type",
        put("customer", "identities", value=[{"key": "passport", "type": "PP", "code": "X1"}]),
        "GOBL-ORG-IDENTITY-03",
        "$.doc.customer.identities[0]",
    ),
    (
        "identity without a code",
        put("customer", "identities", value=[{"key": "passport"}]),
        "GOBL-ORG-IDENTITY-01",
        "$.doc.customer.identities[0].code",
    ),
    (
        "identity with an unknown scope",
        put("customer", "identities", value=[{"scope": "moral", "code": "X1"}]),
        "GOBL-ORG-IDENTITY-02",
        "$.doc.customer.identities[0].scope",
    ),
    (
        "note without text",
        put("notes", value=[{"key": "general"}]),
        "GOBL-ORG-NOTE-01",
        "$.doc.notes[0].text",
    ),
    (
        "note with an unknown key",
        put("notes", value=[{"key": "gossip", "text": "Psst"}]),
        "GOBL-ORG-NOTE-02",
        "$.doc.notes[0].key",
    ),
    (
        "item with an unknown unit",
        put("lines", 0, "item", "unit", value="furlong"),
        "GOBL-ORG-UNIT-01",
        "$.doc.lines[0].item.unit",
    ),
    (
        "preceding document without a code",
        put("preceding", value=[{"issue_date": "2024-01-01"}]),
        "GOBL-ORG-DOCUMENTREF-01",
        "$.doc.preceding[0].code",
    ),
    (
        "person without a name",
        put("supplier", "people", value=[{"role": "Manager"}]),
        "GOBL-ORG-PERSON-01",
        "$.doc.supplier.people[0].name",
    ),
    (
        "name without given name or surname",
        put("supplier", "people", value=[{"name": {"prefix": "Dr"}}]),
        "GOBL-ORG-NAME-01",
        "$.doc.supplier.people[0].name.given",
    ),
    (
        "telephone without a number",
        put("supplier", "telephones", value=[{"label": "Office"}]),
        "GOBL-ORG-TELEPHONE-01",
        "$.doc.supplier.telephones[0].num",
    ),
    (
        "website that is not a URL",
        put("supplier", "websites", value=[{"url": "example dot com"}]),
        "GOBL-ORG-WEBSITE-01",
        "$.doc.supplier.websites[0].url",
    ),
    (
        "inbox with code and email",
        put("supplier", "inboxes", value=[{"code": "0088:1", "email": "in@example.com"}]),
        "GOBL-ORG-INBOX-03",
        "$.doc.supplier.inboxes[0]",
    ),
    (
        "exchange rate without a target",
        put("exchange_rates", value=[{"from": "USD", "amount": "0.9"}]),
        "GOBL-CURRENCY-EXCHANGERATE-02",
        "$.doc.exchange_rates[0].to",
    ),
    (
        "negative exchange rate",
        put("exchange_rates", value=[{"from": "USD", "to": "EUR", "amount": "-0.9"}]),
        "GOBL-CURRENCY-EXCHANGERATE-04",
        "$.doc.exchange_rates[0].amount",
    ),
    (
        "line charge with percent and quantity",
        put("lines", 0, "charges", value=[{"percent": "5%", "quantity": "1", "rate": "1"}]),
        "GOBL-BILL-LINECHARGE-02",
        "$.doc.lines[0].charges[0].quantity",
    ),
    (
        "line charge with percent and rate",
        put("lines", 0, "charges", value=[{"percent": "5%", "rate": "1", "amount": "1"}]),
        "GOBL-BILL-LINECHARGE-03",
        "$.doc.lines[0].charges[0].rate",
    ),
    (
        "line charge with unit but no quantity",
        put("lines", 0, "charges", value=[{"unit": "kg", "amount": "1.00"}]),
        "GOBL-BILL-LINECHARGE-04",
        "$.doc.lines[0].charges[0].unit",
    ),
    (
        "line charge with quantity but no rate",
        put("lines", 0, "charges", value=[{"quantity": "2", "amount": "1.00"}]),
        "GOBL-BILL-LINECHARGE-05",
        "$.doc.lines[0].charges[0].rate",
    ),
    (
        "unknown tax point",
        put("tax", value={"point": "later"}),
        "GOBL-BILL-TAX-02",
        "$.doc.tax.point",
    ),
    (
        "tax note without text",
        put("tax", value={"notes": [{"cat": "VAT", "key": "exempt"}]}),
        "GOBL-TAX-NOTE-01",
        "$.doc.tax.notes[0].text",
    ),
]


@pytest.mark.parametrize(
    ("edit", "code", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_fault(edit: Edit, code: str, path: str) -> None:
    doc = invoice()
    edit(doc)
    assert (code, path) in faults_of(doc)


def test_negative_item_price_is_reported_when_validating_without_calculation() -> None:
    # calculation turns a negative price into a negative quantity; validation alone does not
    doc = build(invoice(), uuid_factory=lambda: U).to_json()
    edited = copy.deepcopy(doc["doc"])
    edited["lines"][0]["item"]["price"] = "-10.00"
    with pytest.raises(GoblError) as info:
        validate(edited)
    assert any(
        f.code == "GOBL-ORG-ITEM-02" and "$.lines[0].item.price" in f.paths
        for f in info.value.faults
    )


def test_old_advance_description_is_kept() -> None:
    doc = invoice()
    payment(advances=[{"desc": "Deposit paid upfront", "amount": "5.00"}])(doc)
    out = build(doc, uuid_factory=lambda: U).doc
    assert out["payment"]["advances"] == [{"description": "Deposit paid upfront", "amount": "5.00"}]


def _validated(edit: Edit) -> set[tuple[str, str]]:
    """Faults of a built invoice edited afterwards and validated as given (no calculation)."""
    doc = build(invoice(), uuid_factory=lambda: U).to_json()["doc"]
    edit(doc)
    try:
        validate(doc)
    except GoblError as err:
        return {(f.code, p) for f in err.faults for p in f.paths}
    return set()


def _combo(**combo: Any) -> Edit:
    return put("lines", 0, "taxes", value=[combo])


AS_GIVEN: list[tuple[str, Edit, str, str]] = [
    (
        "unknown category",
        _combo(cat="XYZ", percent="1%"),
        "GOBL-TAX-COMBO-01",
        "$.lines[0].taxes[0]",
    ),
    (
        "key the category lacks",
        _combo(cat="VAT", key="half", percent="5%"),
        "GOBL-TAX-COMBO-02",
        "$.lines[0].taxes[0]",
    ),
    (
        "rate the key lacks",
        _combo(cat="VAT", key="standard", rate="tiny", percent="1%"),
        "GOBL-TAX-COMBO-03",
        "$.lines[0].taxes[0]",
    ),
    (
        "surcharge without percent",
        _combo(cat="VAT", key="exempt", surcharge="5.2%"),
        "GOBL-TAX-COMBO-05",
        "$.lines[0].taxes[0]",
    ),
    (
        "tax id scheme that is not a code",
        put("customer", "tax_id", value={"country": "ES", "code": "54387763P", "scheme": "V A T!"}),
        "GOBL-TAX-IDENTITY-03",
        "$.customer.tax_id.scheme",
    ),
    (
        "unregistered addon",
        put("$addons", value=["xx-nothing-v1"]),
        "GOBL-TAX-ADDONS-01",
        "$.$addons[0]",
    ),
    ("line without index", put("lines", 0, "i", value=0), "GOBL-BILL-LINE-01", "$.lines[0].i"),
    (
        "priced line without sum",
        lambda d: d["lines"][0].pop("sum"),
        "GOBL-BILL-LINE-04",
        "$.lines[0].sum",
    ),
    (
        "priced line without total",
        lambda d: d["lines"][0].pop("total"),
        "GOBL-BILL-LINE-05",
        "$.lines[0].total",
    ),
    (
        "value date with a tax point",
        lambda d: d.update(value_date="2024-12-01", tax={"point": "delivery"}),
        "GOBL-BILL-INVOICE-11",
        "$.value_date",
    ),
    ("undefined currency", put("currency", value="XXY"), "GOBL-CURRENCY-CODE-01", "$.currency"),
]


@pytest.mark.parametrize(
    ("edit", "code", "path"), [c[1:] for c in AS_GIVEN], ids=[c[0] for c in AS_GIVEN]
)
def test_fault_when_validated_as_given(edit: Edit, code: str, path: str) -> None:
    assert (code, path) in _validated(edit)


def test_sub_line_rules_apply_to_breakdowns() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["lines"][0]["breakdown"] = [{"quantity": "1", "item": {"name": "Part", "price": "1"}}]

    got = _validated(edit)
    assert ("GOBL-BILL-SUBLINE-01", "$.lines[0].breakdown[0].i") in got
    assert ("GOBL-BILL-SUBLINE-04", "$.lines[0].breakdown[0].sum") in got
