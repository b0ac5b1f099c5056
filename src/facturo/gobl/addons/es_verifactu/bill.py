"""Port of gobl addons/es/verifactu/bill.go (7a4ad62): invoice-level VERI*FACTU codes.

Scenarios run later and may overwrite ``doc-type`` (F1/F2/F3/R5); this normalizer only sets
what scenarios cannot express: correction type, the R1 default for corrections, issuer type and
the customer's identity type.
"""

from __future__ import annotations

from typing import Any, Final

DOC_TYPE: Final = "es-verifactu-doc-type"
CORRECTION_TYPE: Final = "es-verifactu-correction-type"
ISSUER_TYPE: Final = "es-verifactu-issuer-type"
IDENTITY_TYPE: Final = "es-verifactu-identity-type"

_CORRECTIONS: Final = {"credit-note": "I", "debit-note": "I", "corrective": "S"}
_IDENTITY_TYPES: Final = {"passport": "03", "foreign": "04", "resident": "05", "other": "06"}


def normalize_invoice(inv: dict[str, Any]) -> None:
    typ = inv.get("type")
    if typ in _CORRECTIONS:
        tax = inv.setdefault("tax", {})
        ext = dict(tax.get("ext") or {})
        ext[CORRECTION_TYPE] = _CORRECTIONS[typ]
        if ext.get(DOC_TYPE) not in ("R2", "R3", "R4", "R5"):
            ext[DOC_TYPE] = "R1"
        tax["ext"] = ext
    issuer = ""
    if "self-billed" in (inv.get("$tags") or ()):
        issuer = "D"
    if (inv.get("ordering") or {}).get("issuer"):
        issuer = "T"
    if issuer:
        tax = inv.setdefault("tax", {})
        tax["ext"] = {**(tax.get("ext") or {}), ISSUER_TYPE: issuer}
    customer = inv.get("customer")
    if customer:
        tid = customer.get("tax_id") or {}
        if not (tid.get("country") == "ES" and tid.get("code")):
            ids = customer.get("identities") or []
            if ids:
                code = _IDENTITY_TYPES.get(ids[0].get("key", ""))
                if code:
                    ids[0]["ext"] = {**(ids[0].get("ext") or {}), IDENTITY_TYPE: code}
