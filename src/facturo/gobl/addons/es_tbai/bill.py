"""Port of gobl addons/es/tbai/bill.go (7a4ad62): invoice-level TicketBAI codes.

Runs after the children are normalized, as gobl's engine does: the product code of each line's
VAT combo (gobl's line normalizer), the region from the supplier's first address, the
simplified-invoice flag from the ``simplified`` tag, the "not subject" cause of every VAT/IGIC
combo of a ``customer-rates`` invoice to a foreign customer, the regime default on every
VAT/IGIC combo of lines, discounts and charges (``52`` under ``simplified-scheme``, else
``01``) and the customer's identity type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from facturo.gobl.addons.es_tbai.tax import EXEMPTION, PRODUCT, REGIME

REGION: Final = "es-tbai-region"
IDENTITY_TYPE: Final = "es-tbai-identity-type"
SIMPLIFIED: Final = "es-tbai-simplified"
BI_ACTIVITY: Final = "es-tbai-bi-activity"

_REGIONS: Final = {
    "alava": "VI",
    "álava": "VI",
    "araba": "VI",
    "vi": "VI",
    "bizkaia": "BI",
    "vizcaya": "BI",
    "bi": "BI",
    "gipuzkoa": "SS",
    "guipuzcoa": "SS",
    "guipúzcoa": "SS",
    "ss": "SS",
}
_IDENTITY_TYPES: Final = {"passport": "03", "foreign": "04", "resident": "05", "other": "06"}


def normalize_line(line: dict[str, Any]) -> None:
    """gobl normalizeBillLine: product code on the line's first VAT combo."""
    item = line.get("item")
    if not item:
        return
    vat = next((c for c in line.get("taxes") or () if c.get("cat") == "VAT"), None)
    if vat is None:
        return
    ext: dict[str, str] = dict(vat.get("ext") or {})
    key = item.get("key") or ""
    if key == "goods":
        if ext.get(PRODUCT) not in ("goods", "resale"):
            ext[PRODUCT] = "goods"
    elif key in ("services", ""):
        ext[PRODUCT] = "services"
    else:
        return
    vat["ext"] = ext


def _simplified(inv: dict[str, Any]) -> None:
    """``FacturaSimplificada``: ``S`` when the invoice carries the ``simplified`` tag."""
    if "simplified" in (inv.get("$tags") or ()):
        tax = inv.setdefault("tax", {})
        tax["ext"] = {**(tax.get("ext") or {}), SIMPLIFIED: "S"}


def _region(inv: dict[str, Any]) -> None:
    tax = inv.get("tax") or {}
    if REGION in (tax.get("ext") or {}):
        return
    addresses = (inv.get("supplier") or {}).get("addresses") or ()
    if not addresses:
        return
    code = _REGIONS.get(str(addresses[0].get("region") or "").lower())
    if code:
        tax["ext"] = {**(tax.get("ext") or {}), REGION: code}
        inv["tax"] = tax


def _vat_igic_combos(inv: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The VAT and IGIC combos of lines, then charges, then discounts (gobl's order)."""
    for k in ("lines", "charges", "discounts"):
        for holder in inv.get(k) or ():
            for combo in holder.get("taxes") or ():
                if combo.get("cat") in ("VAT", "IGIC"):
                    yield combo


def _customer_rates(inv: dict[str, Any]) -> None:
    """Sales taxed at the foreign customer's rates are "not subject" here: ``RL`` or ``IE``."""
    if "customer-rates" not in (inv.get("$tags") or ()):
        return
    country = ((inv.get("customer") or {}).get("tax_id") or {}).get("country")
    if not country or country == "ES":
        return
    for combo in _vat_igic_combos(inv):
        ext = dict(combo.get("ext") or {})
        if ext.get(EXEMPTION) not in ("RL", "IE"):
            ext[EXEMPTION] = "RL"
        combo["ext"] = ext


def _regime(inv: dict[str, Any]) -> None:
    default = "52" if "simplified-scheme" in (inv.get("$tags") or ()) else "01"
    for combo in _vat_igic_combos(inv):
        ext = dict(combo.get("ext") or {})
        ext.setdefault(REGIME, default)
        combo["ext"] = ext


def _identity(customer: dict[str, Any] | None) -> None:
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


def normalize_invoice(inv: dict[str, Any]) -> None:
    for line in inv.get("lines") or ():
        normalize_line(line)
    _region(inv)
    _simplified(inv)
    _customer_rates(inv)
    _regime(inv)
    _identity(inv.get("customer"))
