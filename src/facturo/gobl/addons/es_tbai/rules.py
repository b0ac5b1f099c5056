"""Port of gobl addons/es/tbai/bill.go and tax_combo.go rules (7a4ad62).

Codes are prefixed ``GOBL-ES-TBAI-``; messages are gobl's. TicketBAI needs the region of the
supplier's provincial treasury, a general note (it becomes the invoice description), a customer
unless the invoice is simplified, the corrected documents of corrections with their TicketBAI
correction code, and, from Bizkaia individuals, the activity code of their LROE register.
"""

from __future__ import annotations

import re
from typing import Any, Final

from facturo.gobl.addons.es_tbai.bill import BI_ACTIVITY, IDENTITY_TYPE, REGION
from facturo.gobl.addons.es_tbai.tax import EXEMPTION
from facturo.gobl.currency.rules import can_convert_to
from facturo.gobl.regimes.es.tax_identity import identity_kind
from facturo.gobl.rules.faults import Faults

P: Final = "GOBL-ES-TBAI-"
CORRECTION: Final = "es-tbai-correction"
# es.InvoiceCorrectionTypes, in gobl's order
CORRECTION_TYPES: Final = ("credit-note", "corrective", "debit-note")
# the pattern of es-tbai-bi-activity in the addon data: an LROE epígrafe
_BI_ACTIVITY: Final = re.compile(r"^\d{1,7}$")


def _customer(f: Faults, inv: dict[str, Any]) -> None:
    if "simplified" in (inv.get("$tags") or ()):
        return
    customer = inv.get("customer")
    if not customer:
        f.add(
            P + "BILL-INVOICE-03", "$.customer", "customer is required for non-simplified invoices"
        )
        return
    ids = customer.get("identities") or ()
    if not customer.get("tax_id") and not any(IDENTITY_TYPE in (i.get("ext") or {}) for i in ids):
        f.add(
            P + "BILL-INVOICE-08",
            "$.customer",
            "customer must have a tax_id or an identity with ext 'es-tbai-identity-type'",
        )


def _preceding(f: Faults, inv: dict[str, Any]) -> None:
    preceding = inv.get("preceding") or []
    if inv.get("type") in CORRECTION_TYPES and not preceding:
        f.add(
            P + "BILL-INVOICE-04",
            "$.preceding",
            "preceding documents are required for " + ", ".join(CORRECTION_TYPES) + " invoices",
        )
    for i, ref in enumerate(preceding):
        if not ref.get("issue_date"):
            f.add(
                P + "BILL-INVOICE-05",
                f"$.preceding[{i}].issue_date",
                "preceding issue date is required",
            )
        if CORRECTION not in (ref.get("ext") or {}):
            f.add(
                P + "BILL-INVOICE-06",
                f"$.preceding[{i}].ext",
                f"preceding ext '{CORRECTION}' is required",
            )


def _supplier(f: Faults, inv: dict[str, Any], region: str) -> None:
    supplier = inv.get("supplier")
    if not supplier:
        return
    ext = supplier.get("ext") or {}
    activity = ext.get(BI_ACTIVITY)
    tid = supplier.get("tax_id") or {}
    individual = identity_kind(tid.get("code") or "") != "org"
    if region == "BI" and inv.get("tax") and individual and not activity:
        f.add(
            P + "BILL-INVOICE-10",
            "$.supplier.ext",
            f"extension '{BI_ACTIVITY}' is required for Bizkaia individuals",
        )
    if activity and not _BI_ACTIVITY.match(activity):
        f.add(
            P + "BILL-INVOICE-11",
            "$.supplier.ext",
            f"extension '{BI_ACTIVITY}' must be a valid Bizkaia activity code (epígrafe)",
        )


def _combo(f: Faults, combo: dict[str, Any], path: str) -> None:
    exempt = combo.get("cat") in ("VAT", "IGIC") and combo.get("key") == "exempt"
    if exempt and EXEMPTION not in (combo.get("ext") or {}):
        f.add(
            P + "TAX-COMBO-01",
            f"{path}.ext",
            f"extension '{EXEMPTION}' is required for exempt tax combos",
        )


def check_invoice(f: Faults, inv: dict[str, Any]) -> None:
    if not can_convert_to(inv, "EUR"):
        f.add(
            P + "BILL-INVOICE-09",
            "$",
            "invoice must be in EUR or provide exchange rate for conversion",
        )
    tax = inv.get("tax")
    region = ((tax or {}).get("ext") or {}).get(REGION, "")
    if not tax:
        f.add(P + "BILL-INVOICE-01", "$.tax", "tax is required")
    elif not region:
        f.add(P + "BILL-INVOICE-02", "$.tax.ext", f"extension '{REGION}' is required")
    _customer(f, inv)
    _preceding(f, inv)
    if not any(n.get("key") == "general" for n in inv.get("notes") or ()):
        f.add(P + "BILL-INVOICE-07", "$.notes", "with key 'general' missing")
    _supplier(f, inv, region)
    for i, line in enumerate(inv.get("lines") or ()):
        for j, combo in enumerate(line.get("taxes") or ()):
            _combo(f, combo, f"$.lines[{i}].taxes[{j}]")
    for k in ("discounts", "charges"):
        for i, m in enumerate(inv.get(k) or ()):
            for j, combo in enumerate(m.get("taxes") or ()):
                _combo(f, combo, f"$.{k}[{i}].taxes[{j}]")
