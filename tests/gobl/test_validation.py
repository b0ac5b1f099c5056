"""Fault codes and paths for the situations of the spec's §9 table (never message text)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from facturo.errors import Fault
from facturo.gobl import GoblError, build, calculate, validate
from facturo.gobl.errors import ErrorKey
from facturo.gobl.validate import document_faults, envelope_faults

from .samples import U
from .samples import verifactu_invoice as invoice


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for p in path[:-1]:
            node = node[p]
        if value is _DEL:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return edit


_DEL = object()

CASES = [
    (
        "bad NIF",
        _set(["supplier", "tax_id", "code"], "B98602643"),
        "GOBL-ES-TAX-IDENTITY-01",
        "$.doc.supplier.tax_id.code",
    ),
    (
        "bad customer NIF",
        _set(["customer", "tax_id", "code"], "93471790A"),
        "GOBL-ES-TAX-IDENTITY-01",
        "$.doc.customer.tax_id.code",
    ),
    (
        "no supplier name",
        _set(["supplier", "name"], _DEL),
        "GOBL-BILL-INVOICE-06",
        "$.doc.supplier.name",
    ),
    (
        "customer without name",
        _set(["customer", "name"], _DEL),
        "GOBL-BILL-INVOICE-07",
        "$.doc.customer.name",
    ),
    (
        "no supplier tax id",
        _set(["supplier", "tax_id"], _DEL),
        "GOBL-ES-BILL-INVOICE-02",
        "$.doc.supplier.tax_id",
    ),
    (
        "no price",
        _set(["lines", 0, "item", "price"], _DEL),
        "GOBL-BILL-INVOICE-08",
        "$.doc.lines[0].item.price",
    ),
    (
        "no item name",
        _set(["lines", 0, "item", "name"], _DEL),
        "GOBL-ORG-ITEM-01",
        "$.doc.lines[0].item.name",
    ),
    ("no lines", _set(["lines"], _DEL), "GOBL-BILL-INVOICE-10", "$.doc.lines"),
    ("invalid type", _set(["type"], "bogus"), "GOBL-BILL-INVOICE-02", "$.doc.type"),
    (
        "bad email",
        _set(["supplier", "emails"], [{"addr": "nope"}]),
        "GOBL-ORG-EMAIL-02",
        "$.doc.supplier.emails[0].addr",
    ),
    (
        "two VAT combos",
        _set(
            ["lines", 0, "taxes"],
            [{"cat": "VAT", "rate": "standard"}, {"cat": "VAT", "rate": "reduced"}],
        ),
        "GOBL-TAX-SET-01",
        "$.doc.lines[0].taxes",
    ),
    (
        "VAT without rate or percent",
        _set(["lines", 0, "taxes"], [{"cat": "VAT"}]),
        "GOBL-TAX-COMBO-04",
        "$.doc.lines[0].taxes[0]",
    ),
    (
        "discount base without percent",
        _set(["discounts"], [{"base": "10.00", "amount": "1.00"}]),
        "GOBL-BILL-DISCOUNT-01",
        "$.doc.discounts[0].percent",
    ),
    (
        "verifactu customer missing",
        _set(["customer"], _DEL),
        "GOBL-ES-VERIFACTU-BILL-INVOICE-06",
        "$.doc.customer",
    ),
    (
        "verifactu simplified with tax id",
        _set(["$tags"], ["simplified"]),
        "GOBL-ES-VERIFACTU-BILL-INVOICE-04",
        "$.doc.customer.tax_id",
    ),
    (
        "verifactu line without VAT",
        _set(["lines", 0, "taxes"], []),
        "GOBL-ES-VERIFACTU-BILL-INVOICE-15",
        "$.doc.lines[0].taxes",
    ),
    (
        "verifactu USD without EUR rate",
        _set(["currency"], "USD"),
        "GOBL-ES-VERIFACTU-BILL-INVOICE-16",
        "$.doc",
    ),
]


def test_valid_invoice_builds() -> None:
    env = build(invoice(), uuid_factory=lambda: U)
    assert env.doc["totals"]["payable"] == "24.20"


@pytest.mark.parametrize(
    ("edit", "code", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_fault(edit: Callable[[dict[str, Any]], None], code: str, path: str) -> None:
    doc = invoice()
    edit(doc)
    with pytest.raises(GoblError) as info:
        build(doc, uuid_factory=lambda: U)
    err = info.value
    assert err.key is ErrorKey.VALIDATION
    assert err.has_code(code), [f.code for f in err.faults]
    assert any(f.code == code and path in f.paths for f in err.faults)


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (_set(["lines", 0, "taxes"], [{"cat": "XYZ"}]), "invalid-category: 'XYZ'"),
        (_set(["lines", 0, "taxes"], [{"cat": "VAT", "rate": "foo"}]), "'foo' rate not defined"),
        (_set(["$tags"], ["foo"]), "$tags: 'foo' undefined"),
        (_set(["lines", 0, "item", "currency"], "USD"), "no exchange rate found from 'USD'"),
    ],
)
def test_calculation_errors(edit: Callable[[dict[str, Any]], None], needle: str) -> None:
    doc = invoice()
    edit(doc)
    with pytest.raises(GoblError) as info:
        calculate(doc)
    assert info.value.key is ErrorKey.CALCULATION
    assert needle in info.value.message


def test_edited_envelope_fails_digest() -> None:
    env = build(invoice(), uuid_factory=lambda: U).to_json()
    tampered = copy.deepcopy(env)
    tampered["doc"]["code"] = "2"
    validate(env)
    with pytest.raises(GoblError) as info:
        validate(tampered)
    assert info.value.has_code("GOBL-ENVELOPE-11")


def test_head_ignore_suppresses_fault() -> None:
    env = build(invoice(), uuid_factory=lambda: U).to_json()
    env["doc"]["code"] = "2"
    env["head"]["ignore"] = ["GOBL-ENVELOPE-11"]
    validate(env)


def test_build_keeps_uuids_and_uses_factory_only_when_missing() -> None:
    doc = invoice()
    del doc["uuid"]
    made = iter([UUID(int=1 << 76 | 7), UUID(int=2 << 76 | 7)])
    env = build(doc, uuid_factory=lambda: next(made))
    assert env.doc["uuid"] == str(UUID(int=1 << 76 | 7))
    assert env.head["uuid"] == str(UUID(int=2 << 76 | 7))


@pytest.mark.parametrize("edit", ["none", "code", "line price", "supplier name"])
def test_envelope_faults_are_the_documents_then_the_digests(edit: str) -> None:
    """The document is read once for both; the answer is its faults, then the digest's."""
    env = build(invoice(), uuid_factory=lambda: U).to_json()
    doc = env["doc"]
    if edit == "code":
        doc["code"] = "2"
    elif edit == "line price":
        doc["lines"][0]["item"]["price"] = "-1.00"
    elif edit == "supplier name":
        doc["supplier"]["name"] = ""
    expected = document_faults(doc, prefix="$.doc")
    if edit != "none":
        expected.append(
            Fault("GOBL-ENVELOPE-11", "envelope digest does not match document contents", ("$",))
        )
    assert envelope_faults(env) == expected
