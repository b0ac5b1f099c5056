"""Port of gobl addons/es/sii/bill.go (7a4ad62): invoice-level SII codes.

The correction type depends on the invoice type in a way scenarios cannot express, so it is set
here; the ``R1`` doc type is only a default that the user or a scenario (``R5``) may override.
A doc type given on a preceding document is moved up to the invoice.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.addons.es_sii.tax import PRODUCT

DOC_TYPE: Final = "es-sii-doc-type"
CORRECTION_TYPE: Final = "es-sii-correction-type"
THIRD_PARTY_ISSUER: Final = "es-sii-third-party-issuer"
IDENTITY_TYPE: Final = "es-sii-identity-type"

_CORRECTIONS: Final = {"credit-note": "I", "debit-note": "I", "corrective": "S"}
_IDENTITY_TYPES: Final = {"passport": "03", "foreign": "04", "resident": "05", "other": "06"}


def _merge_tax_ext(inv: dict[str, Any], values: dict[str, str]) -> None:
    tax = inv.setdefault("tax", {})
    tax["ext"] = {**(tax.get("ext") or {}), **values}


def normalize_line(line: dict[str, Any]) -> None:
    """gobl normalizeBillLine: product code from the item key (goods/services only)."""
    item = line.get("item")
    if not item:
        return
    vat = next((c for c in line.get("taxes") or () if c.get("cat") == "VAT"), None)
    key = item.get("key")
    if vat is not None and key in ("goods", "services"):
        vat["ext"] = {**(vat.get("ext") or {}), PRODUCT: key}


def normalize_invoice(inv: dict[str, Any]) -> None:
    for line in inv.get("lines") or ():
        normalize_line(line)
    for row in inv.get("preceding") or ():
        ext = row.get("ext")
        if ext and DOC_TYPE in ext:
            _merge_tax_ext(inv, {DOC_TYPE: ext.pop(DOC_TYPE)})
            if not ext:
                row.pop("ext")
    typ = inv.get("type")
    if typ in _CORRECTIONS:
        _merge_tax_ext(inv, {CORRECTION_TYPE: _CORRECTIONS[typ]})
        if inv["tax"]["ext"].get(DOC_TYPE) not in ("R2", "R3", "R4", "R5"):
            inv["tax"]["ext"][DOC_TYPE] = "R1"
    if "self-billed" in (inv.get("$tags") or ()):
        _merge_tax_ext(inv, {THIRD_PARTY_ISSUER: "S"})
    if (inv.get("ordering") or {}).get("issuer"):
        _merge_tax_ext(inv, {THIRD_PARTY_ISSUER: "S"})
    customer = inv.get("customer")
    if not customer:
        return
    tid = customer.get("tax_id") or {}
    if tid.get("country") == "ES" and tid.get("code"):
        return
    ids = customer.get("identities") or []
    if ids:
        code = _IDENTITY_TYPES.get(ids[0].get("key") or "")
        if code:
            ids[0]["ext"] = {**(ids[0].get("ext") or {}), IDENTITY_TYPE: code}
