"""Port of gobl addons/es/sii/bill.go and tax_combo.go rules (7a4ad62).

Codes are prefixed ``GOBL-ES-SII-``; messages are gobl's. The SII register needs the document
type and, for rectifying documents, the correction type; a customer identified by tax ID or an
identity unless the invoice is simplified (``F2``/``R5``); the corrected invoices of a
corrective with their tax summary; and one regime for the whole invoice.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.addons.es_reporting import check_preceding
from facturo.gobl.addons.es_sii.bill import CORRECTION_TYPE, DOC_TYPE, IDENTITY_TYPE
from facturo.gobl.addons.es_sii.tax import EXEMPT, OUTSIDE_SCOPE, PRODUCT, REGIME
from facturo.gobl.currency.rules import can_convert_to
from facturo.gobl.rules.faults import Faults

P: Final = "GOBL-ES-SII-"
_SIMPLIFIED: Final = ("F2", "R5")
_RECTIFYING: Final = ("R1", "R2", "R3", "R4", "R5")
_CORRECTIONS: Final = ("corrective", "credit-note", "debit-note")


def _combo(f: Faults, combo: dict[str, Any], path: str) -> None:
    if combo.get("cat") not in ("VAT", "IGIC"):
        return
    ext = combo.get("ext") or {}
    p = f"{path}.ext"
    if REGIME not in ext:
        f.add(P + "TAX-COMBO-01", p, f"extension '{REGIME}' is required")
    if OUTSIDE_SCOPE in ext and EXEMPT in ext:
        f.add(
            P + "TAX-COMBO-03",
            p,
            f"extension '{EXEMPT}' must not be set when '{OUTSIDE_SCOPE}' is set",
        )
    if ext.get(REGIME) == "01" and ext.get(EXEMPT) in ("E2", "E3"):
        f.add(P + "TAX-COMBO-04", p, f"exempt codes E2 and E3 not allowed with '{REGIME}' 01")
    if combo.get("percent") is not None and EXEMPT in ext:
        f.add(P + "TAX-COMBO-02", p, f"extension '{EXEMPT}' must not be set when percent is set")


def _customer(f: Faults, inv: dict[str, Any], doc_type: str) -> None:
    if doc_type in _SIMPLIFIED:
        return
    customer = inv.get("customer")
    if not customer:
        f.add(P + "BILL-INVOICE-04", "$.customer", "customer is required")
        return
    tid = customer.get("tax_id")
    ids = customer.get("identities") or ()
    if not tid and not any(IDENTITY_TYPE in (i.get("ext") or {}) for i in ids):
        f.add(
            P + "BILL-INVOICE-05",
            "$.customer",
            f"must have a tax_id, or an identity with ext '{IDENTITY_TYPE}'",
        )
    if tid and not tid.get("code"):
        f.add(P + "BILL-INVOICE-06", "$.customer.tax_id.code", "customer tax ID must have a code")


def _vat_igic(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for ln in lines for c in ln.get("taxes") or () if c.get("cat") in ("VAT", "IGIC")]


def check_invoice(f: Faults, inv: dict[str, Any]) -> None:
    if not can_convert_to(inv, "EUR"):
        f.add(
            P + "BILL-INVOICE-15",
            "$",
            "invoice must be in EUR or provide exchange rate for conversion",
        )
    check_preceding(f, inv, P, "preceding issue date is required")
    typ = inv.get("type")
    tax = inv.get("tax")
    ext = (tax or {}).get("ext") or {}
    doc_type = ext.get(DOC_TYPE, "")
    _customer(f, inv, doc_type)
    if not tax:
        f.add(P + "BILL-INVOICE-07", "$.tax", "tax object is required with extensions")
    else:
        if not doc_type:
            f.add(P + "BILL-INVOICE-08", "$.tax.ext", f"tax extension '{DOC_TYPE}' is required")
        elif doc_type in _RECTIFYING and CORRECTION_TYPE not in ext:
            f.add(
                P + "BILL-INVOICE-09",
                "$.tax.ext",
                f"tax extension '{CORRECTION_TYPE}' is required",
            )
        if doc_type and typ == "standard" and doc_type not in ("F1", "F2", "F3"):
            f.add(
                P + "BILL-INVOICE-10",
                "$.tax.ext",
                f"tax extension '{DOC_TYPE}' for standard invoices must be F1, F2, or F3",
            )
        if doc_type and typ in _CORRECTIONS and doc_type not in _RECTIFYING:
            f.add(
                P + "BILL-INVOICE-11",
                "$.tax.ext",
                "doc type extension for corrective invoices must be R1, R2, R3, R4, or R5",
            )
    for i, n in enumerate(inv.get("notes") or ()):
        if n.get("key") == "general" and len(n.get("text") or "") > 500:
            f.add(
                P + "BILL-INVOICE-12",
                f"$.notes[{i}].text",
                "general note text must be 500 characters or less",
            )
    lines = inv.get("lines") or []
    combos = _vat_igic(lines)
    if combos:
        if len({PRODUCT in (c.get("ext") or {}) for c in combos}) > 1:
            f.add(
                P + "BILL-INVOICE-13",
                "$.lines",
                f"'{PRODUCT}' must be present in all tax combos or none",
            )
        if len({(c.get("ext") or {}).get(REGIME, "") for c in combos}) > 1:
            f.add(
                P + "BILL-INVOICE-14", "$.lines", f"'{REGIME}' must be the same in all tax combos"
            )
    for i, line in enumerate(lines):
        for j, combo in enumerate(line.get("taxes") or ()):
            _combo(f, combo, f"$.lines[{i}].taxes[{j}]")
    for k in ("discounts", "charges"):
        for i, m in enumerate(inv.get(k) or ()):
            for j, combo in enumerate(m.get("taxes") or ()):
                _combo(f, combo, f"$.{k}[{i}].taxes[{j}]")
