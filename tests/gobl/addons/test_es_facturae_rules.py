"""es-facturae-v3 rules: codes and paths of gobl's addons/es/facturae (``GOBL-ES-FACTURAE-…``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from facturo.gobl import GoblError, build, validate

from .. import samples
from ..samples import U

Edit = Callable[[dict[str, Any]], None]


def invoice() -> dict[str, Any]:
    return samples.invoice("es-facturae-v3")


def faults_of(doc: dict[str, Any]) -> set[tuple[str, str]]:
    try:
        build(doc, uuid_factory=lambda: U)
    except GoblError as err:
        return {(f.code, p) for f in err.faults for p in f.paths}
    return set()


def _credit_note(ref: dict[str, Any] | None) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc["type"] = "credit-note"
        if ref is not None:
            doc["preceding"] = [ref]

    return edit


def test_valid_invoice_and_correction_have_no_faults() -> None:
    assert faults_of(invoice()) == set()
    doc = invoice()
    ref = {"code": "0", "issue_date": "2024-01-01", "ext": {"es-facturae-correction": "01"}}
    _credit_note(ref)(doc)
    assert faults_of(doc) == set()


CASES: list[tuple[str, Edit, str, str]] = [
    (
        "Spanish customer without NIF",
        lambda d: d["customer"]["tax_id"].pop("code"),
        "GOBL-ES-FACTURAE-BILL-INVOICE-01",
        "$.doc.customer.tax_id.code",
    ),
    (
        "credit note without preceding",
        _credit_note(None),
        "GOBL-ES-FACTURAE-BILL-INVOICE-04",
        "$.doc.preceding",
    ),
    (
        "preceding without issue date",
        _credit_note({"code": "0", "ext": {"es-facturae-correction": "01"}}),
        "GOBL-ES-FACTURAE-BILL-INVOICE-05",
        "$.doc.preceding[0].issue_date",
    ),
    (
        "preceding without correction reason",
        _credit_note({"code": "0", "issue_date": "2024-01-01"}),
        "GOBL-ES-FACTURAE-BILL-INVOICE-06",
        "$.doc.preceding[0].ext",
    ),
    (
        "USD without a EUR rate",
        lambda d: d.update(currency="USD"),
        "GOBL-ES-FACTURAE-BILL-INVOICE-07",
        "$.doc",
    ),
]


@pytest.mark.parametrize(
    ("edit", "code", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_fault(edit: Edit, code: str, path: str) -> None:
    doc = invoice()
    edit(doc)
    assert (code, path) in faults_of(doc)


def test_document_type_and_class_are_required() -> None:
    doc = build(invoice(), uuid_factory=lambda: U).to_json()["doc"]
    doc["tax"]["ext"].pop("es-facturae-invoice-class")
    with pytest.raises(GoblError) as info:
        validate(doc)
    assert any(
        f.code == "GOBL-ES-FACTURAE-BILL-INVOICE-03" and "$.tax.ext" in f.paths
        for f in info.value.faults
    )
