"""Port of gobl addons/es/sii/tax_combo.go (7a4ad62): SII codes on VAT/IGIC combos.

A foreign-country combo is taken as not subject by place of supply (``location``). Otherwise the
key is derived from legacy codes, the regime defaulted (export ``02``, else ``01``) and the
exempt / outside-scope codes set deterministically from the key.
"""

from __future__ import annotations

from typing import Any, Final

EXEMPT: Final = "es-sii-exempt"
OUTSIDE_SCOPE: Final = "es-sii-outside-scope"
REGIME: Final = "es-sii-regime"
PRODUCT: Final = "es-sii-product"

_KEY_FROM_EXEMPT: Final = {
    "E1": "exempt",
    "E6": "exempt",
    "E2": "export",
    "E3": "export",
    "E4": "export",
    "E5": "intra-community",
}


def _prepare_key(combo: dict[str, Any], ext: dict[str, str]) -> str:
    """gobl prepareTaxComboKey: reverse-map legacy codes to a key (outside-scope wins)."""
    key = str(combo.get("key") or "")
    if key:
        return key
    key = _KEY_FROM_EXEMPT.get(ext.get(EXEMPT, ""), "")
    if OUTSIDE_SCOPE in ext:
        key = "outside-scope"
    key = key or "standard"
    combo["key"] = key
    return key


def _one_of(ext: dict[str, str], key: str, allowed: tuple[str, ...]) -> None:
    if ext.get(key) not in allowed:
        ext[key] = allowed[0]


def normalize_combo(combo: dict[str, Any]) -> None:
    if combo.get("cat") not in ("VAT", "IGIC"):
        return
    ext: dict[str, str] = dict(combo.get("ext") or {})
    country = combo.get("country")
    if country and country != "ES":
        ext[OUTSIDE_SCOPE] = "location"
        _one_of(ext, REGIME, ("01", "17"))
        ext.pop(EXEMPT, None)
        combo["ext"] = ext
        return
    key = _prepare_key(combo, ext)
    if key == "export":
        ext.setdefault(REGIME, "02")
    ext.setdefault(REGIME, "01")
    if key in ("standard", "zero", "reverse-charge"):
        ext.pop(EXEMPT, None)
    elif key == "outside-scope":
        _one_of(ext, OUTSIDE_SCOPE, ("location", "other"))
        ext.pop(EXEMPT, None)
    elif key == "exempt":
        _one_of(ext, EXEMPT, ("E1", "E6"))
        ext.pop(OUTSIDE_SCOPE, None)
    elif key == "export":
        _one_of(ext, EXEMPT, ("E2", "E3", "E4"))
        ext.pop(OUTSIDE_SCOPE, None)
    elif key == "intra-community":
        ext[EXEMPT] = "E5"
        ext.pop(OUTSIDE_SCOPE, None)
    combo["ext"] = ext
