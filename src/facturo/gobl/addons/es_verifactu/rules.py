"""Port of gobl addons/es/verifactu/bill.go and tax.go rules (7a4ad62).

Codes and messages from ``data/rules/es-verifactu.json``; each code is prefixed
``GOBL-ES-VERIFACTU-``. Extension values are not checked against their code lists: gobl does
not at this version.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.addons.es_reporting import check_preceding
from facturo.gobl.addons.es_verifactu.bill import CORRECTION_TYPE, DOC_TYPE, IDENTITY_TYPE
from facturo.gobl.addons.es_verifactu.tax import EXEMPT, OP_CLASS, REGIME
from facturo.gobl.currency.rules import can_convert_to
from facturo.gobl.rules.faults import Faults

P: Final = "GOBL-ES-VERIFACTU-"
SIMPLIFIED: Final = ("F2", "R5")
CORRECTIONS: Final = ("corrective", "credit-note", "debit-note")
STANDARD_DOC_TYPES: Final = ("F1", "F2", "F3")
CORRECTION_DOC_TYPES: Final = ("R1", "R2", "R3", "R4", "R5")
NOTE_MAX: Final = 500  # characters of a general note


def _combo(f: Faults, combo: dict[str, Any], holder: str, i: int, j: int) -> None:
    """Rules of one VAT or IGIC combo of ``$.<holder>[i].taxes[j]``.

    The path is only written for a fault; the caller picks the combos by category.
    """
    ext = combo.get("ext") or {}
    if REGIME not in ext:
        f.add(
            P + "TAX-COMBO-01",
            f"$.{holder}[{i}].taxes[{j}].ext",
            "extension 'es-verifactu-regime' is required",
        )
    elif ext[REGIME] == "01" and ext.get(EXEMPT) in ("E2", "E3"):
        f.add(
            P + "TAX-COMBO-02",
            f"$.{holder}[{i}].taxes[{j}].ext",
            "exempt codes E2 and E3 not allowed with 'es-verifactu-regime' 01",
        )
    if OP_CLASS in ext and EXEMPT in ext:
        f.add(
            P + "TAX-COMBO-03",
            f"$.{holder}[{i}].taxes[{j}].ext",
            "cannot use both 'es-verifactu-op-class' and 'es-verifactu-exempt' at the same time",
        )
    if combo.get("percent") is not None and OP_CLASS not in ext:
        f.add(
            P + "TAX-COMBO-04",
            f"$.{holder}[{i}].taxes[{j}].ext",
            "extension 'es-verifactu-op-class' is required for taxed operations",
        )


def _customer(f: Faults, inv: dict[str, Any], doc_type: str) -> None:
    customer = inv.get("customer")
    if doc_type in SIMPLIFIED:
        if customer and customer.get("tax_id"):
            f.add(
                P + "BILL-INVOICE-04",
                "$.customer.tax_id",
                "customer tax ID must not be set for simplified invoices",
            )
        if customer and any(
            IDENTITY_TYPE in (i.get("ext") or {}) for i in customer.get("identities") or ()
        ):
            f.add(
                P + "BILL-INVOICE-05",
                "$.customer",
                "customer identity type extension not allowed for simplified invoices",
            )
        return
    if not customer:
        f.add(P + "BILL-INVOICE-06", "$.customer", "customer is required")
        return
    tid = customer.get("tax_id")
    ids = customer.get("identities") or ()
    if not tid and not any(IDENTITY_TYPE in (i.get("ext") or {}) for i in ids):
        f.add(
            P + "BILL-INVOICE-07",
            "$.customer",
            "must have a tax_id or an identity with ext 'es-verifactu-identity-type'",
        )
    if tid and not tid.get("code"):
        f.add(P + "BILL-INVOICE-08", "$.customer.tax_id.code", "tax ID must have a code")


def check_invoice(f: Faults, inv: dict[str, Any]) -> None:
    if not can_convert_to(inv, "EUR"):
        f.add(
            P + "BILL-INVOICE-16",
            "$",
            "invoice must be in EUR or provide exchange rate for conversion",
        )
    check_preceding(f, inv, P, "issue date is required")
    typ = inv.get("type")
    tax = inv.get("tax")
    ext = (tax or {}).get("ext") or {}
    doc_type = ext.get(DOC_TYPE, "")
    _customer(f, inv, doc_type)
    customer = inv.get("customer") or {}
    for i, ident in enumerate(customer.get("identities") or ()):
        it = (ident.get("ext") or {}).get(IDENTITY_TYPE)
        if it and it != "02" and not ident.get("country"):
            f.add(
                P + "BILL-INVOICE-17",
                f"$.customer.identities[{i}].country",
                "country is required when ext 'es-verifactu-identity-type' is not 02 (NIF-VAT)",
            )
    if not tax:
        f.add(P + "BILL-INVOICE-09", "$.tax", "tax is required")
    elif not doc_type:
        f.add(P + "BILL-INVOICE-10", "$.tax.ext", "doc type is required")
    else:
        if doc_type.startswith("R") and CORRECTION_TYPE not in ext:
            f.add(P + "BILL-INVOICE-13", "$.tax.ext", "correction type extension is required")
        if typ == "standard" and doc_type not in STANDARD_DOC_TYPES:
            f.add(
                P + "BILL-INVOICE-11",
                "$.tax.ext",
                "doc type extension for standard invoices must be F1, F2, or F3",
            )
        if typ in CORRECTIONS and doc_type not in CORRECTION_DOC_TYPES:
            f.add(
                P + "BILL-INVOICE-12",
                "$.tax.ext",
                "doc type extension for corrective invoices must be R1, R2, R3, R4, or R5",
            )
    for i, n in enumerate(inv.get("notes") or ()):
        if n.get("key") == "general" and len(n.get("text") or "") > NOTE_MAX:
            f.add(
                P + "BILL-INVOICE-14",
                f"$.notes[{i}].text",
                "general note text must be 500 characters or less",
            )
    for i, line in enumerate(inv.get("lines") or ()):
        # one pass: only VAT and IGIC combos have rules, and both are main taxes, so a line
        # without a main tax has no combo faults to come before rule 15's
        main = False
        for j, combo in enumerate(line.get("taxes") or ()):
            cat = combo.get("cat")
            if cat == "VAT" or cat == "IGIC":
                main = True
                _combo(f, combo, "lines", i, j)
            elif cat == "IPSI":
                main = True
        if not main:
            f.add(
                P + "BILL-INVOICE-15",
                f"$.lines[{i}].taxes",
                "must include at least one of VAT, IGIC, or IPSI",
            )
    for k in ("discounts", "charges"):
        for i, m in enumerate(inv.get(k) or ()):
            for j, combo in enumerate(m.get("taxes") or ()):
                cat = combo.get("cat")
                if cat == "VAT" or cat == "IGIC":
                    _combo(f, combo, k, i, j)
