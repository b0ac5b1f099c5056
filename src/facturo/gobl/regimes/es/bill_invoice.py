"""Port of gobl regimes/es/bill_invoices.go and the ES tax identity rule (7a4ad62).

Only applies when the invoice's ``$regime`` is ES. Tax identities are checked by their own
country, wherever they appear (supplier or customer).

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

from typing import Any

from facturo.gobl.regimes.es.tax_identity import is_valid_code
from facturo.gobl.rules.faults import Faults

# A supplier's code is checked on every invoice it issues; the answer depends on the text only.
_CHECKED: dict[str, bool] = {}


def is_valid_tax_code(code: str) -> bool:
    """:func:`is_valid_code`, remembered per code."""
    ok = _CHECKED.get(code)
    if ok is None:
        ok = is_valid_code(code)
        if len(_CHECKED) >= 4096:
            _CHECKED.clear()
        _CHECKED[code] = ok
    return ok


def check_es_tax_identity(f: Faults, tid: dict[str, Any] | None, path: str) -> None:
    if not tid or tid.get("country") != "ES":
        return
    code = tid.get("code")
    if code and not (is_valid_tax_code(code) if code.__class__ is str else is_valid_code(code)):
        f.add(
            "GOBL-ES-TAX-IDENTITY-01",
            f"{path}.code",
            "invalid Spanish VAT identity code format or checksum",
        )


def check_invoice(f: Faults, inv: dict[str, Any]) -> None:
    supplier = inv.get("supplier")
    if not supplier:
        f.add("GOBL-ES-BILL-INVOICE-01", "$.supplier", "invoice supplier in Spain is required")
    else:
        tid = supplier.get("tax_id")
        if not tid:
            f.add(
                "GOBL-ES-BILL-INVOICE-02",
                "$.supplier.tax_id",
                "invoice supplier tax ID in Spain is required",
            )
        elif not tid.get("code"):
            f.add(
                "GOBL-ES-BILL-INVOICE-03",
                "$.supplier.tax_id.code",
                "invoice supplier tax ID code in Spain is required",
            )
    for who in ("supplier", "customer"):
        party = inv.get(who) or {}
        check_es_tax_identity(f, party.get("tax_id"), f"$.{who}.tax_id")
