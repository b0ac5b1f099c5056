"""Port of gobl addons/es/tbai/tax_combo.go (7a4ad62): TicketBAI codes on VAT/IGIC combos.

Foreign-country combos only get an exemption cause (``IE`` inside the EU, ``RL`` outside) and
stop there; the invoice normalizer later gives them the default regime. Domestic combos get a
key from any legacy exemption code, the per-combo regime signals (export ``02``, equivalence
surcharge ``51``) and a deterministic exemption code per key.
"""

from __future__ import annotations

from typing import Any, Final

EXEMPTION: Final = "es-tbai-exemption"
REGIME: Final = "es-tbai-regime"
PRODUCT: Final = "es-tbai-product"

# gobl l10n.EU member states, as tax country codes (Greece is EL for tax, GR as a country).
EU_MEMBERS: Final = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "EL",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)

_KEY_FROM_EXEMPTION: Final = {
    "E1": "exempt",
    "E6": "exempt",
    "E2": "export",
    "E3": "export",
    "E4": "export",
    "E5": "intra-community",
    "S2": "reverse-charge",
    "OT": "outside-scope",
    "RL": "outside-scope",
    "VT": "outside-scope",
    "IE": "outside-scope",
}
# Key -> (allowed codes kept as given, code set otherwise); the first allowed code is the default.
_ONE_OF: Final = {
    "outside-scope": ("RL", "IE", "OT", "VT"),
    "exempt": ("E1", "E6"),
    "export": ("E2", "E3", "E4"),
}


def _prepare_key(combo: dict[str, Any], ext: dict[str, str]) -> str:
    """gobl prepareTaxComboKey: reverse-map a legacy exemption code to a key."""
    key = str(combo.get("key") or "")
    if not key:
        key = _KEY_FROM_EXEMPTION.get(ext.get(EXEMPTION, ""), "") or "standard"
        combo["key"] = key
    return key


def normalize_combo(combo: dict[str, Any]) -> None:
    cat = combo.get("cat")
    ext: dict[str, str] = dict(combo.get("ext") or {})
    if cat == "IGIC":
        ext[EXEMPTION] = "IE"
        combo["ext"] = ext
        return
    if cat != "VAT":
        return
    country = combo.get("country")
    if country and country != "ES":
        ext[EXEMPTION] = "IE" if country in EU_MEMBERS else "RL"
        combo["ext"] = ext
        return
    key = _prepare_key(combo, ext)
    if key == "export":
        ext.setdefault(REGIME, "02")
    rate_parts = str(combo.get("rate") or "").split("+")
    if combo.get("surcharge") is not None or "eqs" in rate_parts:
        ext.setdefault(REGIME, "51")
    if key in ("standard", "zero"):
        ext.pop(EXEMPTION, None)
    elif key == "reverse-charge":
        ext[EXEMPTION] = "S2"
    elif key == "intra-community":
        ext[EXEMPTION] = "E5"
    elif key in _ONE_OF:
        allowed = _ONE_OF[key]
        if ext.get(EXEMPTION) not in allowed:
            ext[EXEMPTION] = allowed[0]
    combo["ext"] = ext
