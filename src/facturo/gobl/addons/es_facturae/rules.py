"""Port of gobl addons/es/facturae/bill_invoice.go rules (7a4ad62).

Codes are prefixed ``GOBL-ES-FACTURAE-``; messages are gobl's. A FacturaE document states its
type and class (set by the addon's scenarios), identifies Spanish customers by their full NIF,
and a rectifying invoice names the invoices it corrects, when they were issued and the FacturaE
correction reason.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.currency.rules import can_convert_to
from facturo.gobl.rules.faults import Faults

P: Final = "GOBL-ES-FACTURAE-"
DOC_TYPE: Final = "es-facturae-doc-type"
INVOICE_CLASS: Final = "es-facturae-invoice-class"
CORRECTION: Final = "es-facturae-correction"
# es.InvoiceCorrectionTypes, in gobl's order
CORRECTION_TYPES: Final = ("credit-note", "corrective", "debit-note")


def check_invoice(f: Faults, inv: dict[str, Any]) -> None:
    if not can_convert_to(inv, "EUR"):
        f.add(
            P + "BILL-INVOICE-07",
            "$",
            "invoice must be in EUR or provide exchange rate for conversion",
        )
    tid = (inv.get("customer") or {}).get("tax_id") or {}
    if tid.get("country") == "ES" and not tid.get("code"):
        f.add(
            P + "BILL-INVOICE-01",
            "$.customer.tax_id.code",
            "customer tax ID code is required for Spanish customers",
        )
    tax = inv.get("tax")
    if not tax:
        f.add(
            P + "BILL-INVOICE-02",
            "$.tax",
            "tax object is required with ext document type and invoice classes",
        )
    else:
        ext = tax.get("ext") or {}
        if DOC_TYPE not in ext or INVOICE_CLASS not in ext:
            f.add(
                P + "BILL-INVOICE-03",
                "$.tax.ext",
                f"tax ext require '{DOC_TYPE}' and '{INVOICE_CLASS}' extensions",
            )
    if inv.get("type") not in CORRECTION_TYPES:
        return
    preceding = inv.get("preceding") or []
    if not preceding:
        f.add(
            P + "BILL-INVOICE-04",
            "$.preceding",
            "preceding document reference is required for "
            + ", ".join(CORRECTION_TYPES)
            + " invoices",
        )
    for i, ref in enumerate(preceding):
        if not ref.get("issue_date"):
            f.add(
                P + "BILL-INVOICE-05",
                f"$.preceding[{i}].issue_date",
                "preceding document issue date is required",
            )
        if CORRECTION not in (ref.get("ext") or {}):
            f.add(
                P + "BILL-INVOICE-06",
                f"$.preceding[{i}].ext",
                f"preceding document ext require '{CORRECTION}' extension",
            )
