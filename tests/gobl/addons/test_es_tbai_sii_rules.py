"""es-tbai-v1 and es-sii-v1: what their normalizers set and the faults their rules report.

Each case edits a small valid invoice using the addon and states gobl's code and path
(``GOBL-ES-TBAI-…`` / ``GOBL-ES-SII-…``, from gobl's addons/es/tbai and addons/es/sii).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from facturo.gobl import GoblError, build, validate

from .. import samples
from ..samples import U

Edit = Callable[[dict[str, Any]], None]


def invoice(addon: str) -> dict[str, Any]:
    doc = samples.invoice(addon)
    if addon == "es-tbai-v1":
        doc["supplier"]["addresses"] = [
            {"street": "Kalea", "locality": "Bilbo", "region": "Bizkaia", "country": "ES"}
        ]
        doc["notes"] = [{"key": "general", "text": "Development services"}]
    return doc


def faults_of(doc: dict[str, Any]) -> set[tuple[str, str]]:
    try:
        build(doc, uuid_factory=lambda: U)
    except GoblError as err:
        return {(f.code, p) for f in err.faults for p in f.paths}
    return set()


def put(*path: Any, value: Any = None) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for p in path[:-1]:
            node = node[p]
        if value is None:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return edit


@pytest.mark.parametrize("addon", ["es-tbai-v1", "es-sii-v1"])
def test_valid_invoice_has_no_faults(addon: str) -> None:
    assert faults_of(invoice(addon)) == set()


# TicketBAI ---------------------------------------------------------------------------------


def test_tbai_simplified_tag_sets_the_simplified_flag() -> None:
    doc = invoice("es-tbai-v1")
    doc["$tags"] = ["simplified"]
    del doc["customer"]
    out = build(doc, uuid_factory=lambda: U).doc
    assert out["tax"]["ext"] == {"es-tbai-region": "BI", "es-tbai-simplified": "S"}


def test_tbai_regime_default_reaches_discounts_and_charges() -> None:
    doc = invoice("es-tbai-v1")
    vat = [{"cat": "VAT", "rate": "standard"}]
    doc["charges"] = [{"reason": "Handling", "amount": "1.00", "taxes": copy.deepcopy(vat)}]
    doc["discounts"] = [{"reason": "Loyalty", "amount": "0.50", "taxes": copy.deepcopy(vat)}]
    out = build(doc, uuid_factory=lambda: U).doc
    assert out["charges"][0]["taxes"][0]["ext"] == {"es-tbai-regime": "01"}
    assert out["discounts"][0]["taxes"][0]["ext"] == {"es-tbai-regime": "01"}


def test_tbai_customer_rates_to_a_foreign_customer_is_not_subject() -> None:
    doc = invoice("es-tbai-v1")
    doc["$tags"] = ["customer-rates"]
    doc["customer"] = {"name": "Klant", "tax_id": {"country": "NL", "code": "000099995B57"}}
    doc["lines"][0]["taxes"] = [{"cat": "VAT", "country": "NL", "rate": "standard"}]
    doc["charges"] = [{"amount": "1.00", "taxes": [{"cat": "VAT", "rate": "standard"}]}]
    out = build(doc, uuid_factory=lambda: U).doc
    # an EU country's combo keeps IE; any other VAT combo of the invoice gets RL
    assert out["lines"][0]["taxes"][0]["ext"]["es-tbai-exemption"] == "IE"
    assert out["charges"][0]["taxes"][0]["ext"]["es-tbai-exemption"] == "RL"


def _bizkaia_individual(doc: dict[str, Any]) -> None:
    doc["supplier"]["tax_id"]["code"] = "54387763P"


def _bizkaia_individual_with(activity: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        _bizkaia_individual(doc)
        doc["supplier"]["ext"] = {"es-tbai-bi-activity": activity}

    return edit


def _tbai_credit_note(ext: dict[str, str] | None) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc["type"] = "credit-note"
        ref: dict[str, Any] = {"code": "0", "issue_date": "2024-01-01"}
        if ext is not None:
            ref["ext"] = ext
        doc["preceding"] = [ref]

    return edit


def _no_region(doc: dict[str, Any]) -> None:
    doc["supplier"]["addresses"][0]["region"] = "Madrid"


TBAI: list[tuple[str, Edit, str, str]] = [
    ("no region", _no_region, "GOBL-ES-TBAI-BILL-INVOICE-01", "$.doc.tax"),
    ("no customer", put("customer"), "GOBL-ES-TBAI-BILL-INVOICE-03", "$.doc.customer"),
    (
        "customer without tax id or identity type",
        put("customer", value={"name": "X", "identities": [{"key": "club", "code": "9"}]}),
        "GOBL-ES-TBAI-BILL-INVOICE-08",
        "$.doc.customer",
    ),
    (
        "credit note without preceding",
        put("type", value="credit-note"),
        "GOBL-ES-TBAI-BILL-INVOICE-04",
        "$.doc.preceding",
    ),
    (
        "preceding without correction code",
        _tbai_credit_note(None),
        "GOBL-ES-TBAI-BILL-INVOICE-06",
        "$.doc.preceding[0].ext",
    ),
    ("no general note", put("notes"), "GOBL-ES-TBAI-BILL-INVOICE-07", "$.doc.notes"),
    (
        "USD without a EUR rate",
        put("currency", value="USD"),
        "GOBL-ES-TBAI-BILL-INVOICE-09",
        "$.doc",
    ),
    (
        "Bizkaia individual without activity",
        _bizkaia_individual,
        "GOBL-ES-TBAI-BILL-INVOICE-10",
        "$.doc.supplier.ext",
    ),
    (
        "activity that is not an epígrafe",
        _bizkaia_individual_with("12345678"),
        "GOBL-ES-TBAI-BILL-INVOICE-11",
        "$.doc.supplier.ext",
    ),
]


@pytest.mark.parametrize(("edit", "code", "path"), [c[1:] for c in TBAI], ids=[c[0] for c in TBAI])
def test_tbai_fault(edit: Edit, code: str, path: str) -> None:
    doc = invoice("es-tbai-v1")
    edit(doc)
    assert (code, path) in faults_of(doc)


def test_tbai_corrections_with_their_code_and_bizkaia_companies_pass() -> None:
    doc = invoice("es-tbai-v1")
    _tbai_credit_note({"es-tbai-correction": "R1"})(doc)
    assert faults_of(doc) == set()
    doc = invoice("es-tbai-v1")
    _bizkaia_individual_with("722300")(doc)
    assert faults_of(doc) == set()


def _validate_edited(addon: str, edit: Edit) -> set[tuple[str, str]]:
    """Faults of a built document edited afterwards (validation alone, no normalizing)."""
    doc = build(invoice(addon), uuid_factory=lambda: U).to_json()["doc"]
    edit(doc)
    try:
        validate(doc)
    except GoblError as err:
        return {(f.code, p) for f in err.faults for p in f.paths}
    return set()


def test_tbai_exempt_combo_needs_its_cause() -> None:
    def exempt(doc: dict[str, Any]) -> None:
        doc["lines"][0]["taxes"][0] = {"cat": "VAT", "key": "exempt"}

    assert ("GOBL-ES-TBAI-TAX-COMBO-01", "$.lines[0].taxes[0].ext") in _validate_edited(
        "es-tbai-v1", exempt
    )


# SII ---------------------------------------------------------------------------------------


def _second_line(ext: dict[str, str], key: str | None = None) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        item: dict[str, Any] = {"name": "Other", "price": "1.00"}
        if key:
            item["key"] = key
        doc["lines"].append(
            {
                "quantity": "1",
                "item": item,
                "taxes": [{"cat": "VAT", "rate": "standard", "ext": ext}],
            }
        )

    return edit


SII: list[tuple[str, Edit, str, str]] = [
    ("no customer", put("customer"), "GOBL-ES-SII-BILL-INVOICE-04", "$.doc.customer"),
    (
        "customer without tax id or identity type",
        put("customer", value={"name": "X"}),
        "GOBL-ES-SII-BILL-INVOICE-05",
        "$.doc.customer",
    ),
    (
        "customer tax id without code",
        put("customer", value={"name": "X", "tax_id": {"country": "FR"}}),
        "GOBL-ES-SII-BILL-INVOICE-06",
        "$.doc.customer.tax_id.code",
    ),
    (
        "corrective without preceding",
        put("type", value="corrective"),
        "GOBL-ES-SII-BILL-INVOICE-01",
        "$.doc.preceding",
    ),
    (
        "corrective preceding without tax",
        lambda d: d.update(type="corrective", preceding=[{"code": "0"}]),
        "GOBL-ES-SII-BILL-INVOICE-03",
        "$.doc.preceding[0].tax",
    ),
    (
        "preceding without issue date",
        put("preceding", value=[{"code": "0"}]),
        "GOBL-ES-SII-BILL-INVOICE-02",
        "$.doc.preceding[0].issue_date",
    ),
    (
        "long general note",
        put("notes", value=[{"key": "general", "text": "x" * 501}]),
        "GOBL-ES-SII-BILL-INVOICE-12",
        "$.doc.notes[0].text",
    ),
    (
        "product on some combos only",
        _second_line({}, key="goods"),
        "GOBL-ES-SII-BILL-INVOICE-13",
        "$.doc.lines",
    ),
    (
        "two regimes",
        _second_line({"es-sii-regime": "02"}),
        "GOBL-ES-SII-BILL-INVOICE-14",
        "$.doc.lines",
    ),
    (
        "USD without a EUR rate",
        put("currency", value="USD"),
        "GOBL-ES-SII-BILL-INVOICE-15",
        "$.doc",
    ),
]


@pytest.mark.parametrize(("edit", "code", "path"), [c[1:] for c in SII], ids=[c[0] for c in SII])
def test_sii_fault(edit: Edit, code: str, path: str) -> None:
    doc = invoice("es-sii-v1")
    edit(doc)
    assert (code, path) in faults_of(doc)


def test_sii_rules_on_edited_codes() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["tax"] = {"ext": {"es-sii-doc-type": "R1"}}
        doc["lines"][0]["taxes"][0]["ext"] = {
            "es-sii-exempt": "E2",
            "es-sii-outside-scope": "location",
        }

    got = _validate_edited("es-sii-v1", edit)
    assert {
        ("GOBL-ES-SII-BILL-INVOICE-09", "$.tax.ext"),
        ("GOBL-ES-SII-BILL-INVOICE-10", "$.tax.ext"),
        ("GOBL-ES-SII-TAX-COMBO-01", "$.lines[0].taxes[0].ext"),
        ("GOBL-ES-SII-TAX-COMBO-02", "$.lines[0].taxes[0].ext"),
        ("GOBL-ES-SII-TAX-COMBO-03", "$.lines[0].taxes[0].ext"),
    } <= got


def test_sii_export_codes_need_their_regime() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["lines"][0]["taxes"][0] = {
            "cat": "VAT",
            "key": "export",
            "ext": {"es-sii-exempt": "E2", "es-sii-regime": "01"},
        }

    assert ("GOBL-ES-SII-TAX-COMBO-04", "$.lines[0].taxes[0].ext") in _validate_edited(
        "es-sii-v1", edit
    )
