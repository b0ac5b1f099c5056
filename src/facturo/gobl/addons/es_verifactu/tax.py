"""Port of gobl addons/es/verifactu/tax.go (7a4ad62): VERI*FACTU codes on tax combos.

Runs after the intrinsic combo normalization and before rates are resolved, so a surcharge is
only seen here if the input carried it (a first build of ``general+eqs`` gets regime ``01``).
"""

from __future__ import annotations

from typing import Any, Final

OP_CLASS: Final = "es-verifactu-op-class"
EXEMPT: Final = "es-verifactu-exempt"
REGIME: Final = "es-verifactu-regime"

_EXEMPT_KEYS: Final = {"E1": "exempt", "E6": "exempt", "E2": "export", "E3": "export"}
_EXEMPT_KEYS_MORE: Final = {"E4": "export", "E5": "intra-community"}
_OP_KEYS: Final = {"S2": "reverse-charge", "N1": "outside-scope", "N2": "outside-scope"}
_KEYS_BY_EXEMPT: Final = {**_EXEMPT_KEYS, **_EXEMPT_KEYS_MORE}


def normalize_combo(combo: dict[str, Any]) -> None:
    if combo.get("cat") not in ("VAT", "IGIC"):
        return
    ext: dict[str, str] = dict(combo.get("ext") or {})
    country = combo.get("country")
    if country and country != "ES":
        ext[OP_CLASS] = "N2"
        if ext.get(REGIME) != "17":
            ext[REGIME] = "01"
        ext.pop(EXEMPT, None)
        combo["ext"] = ext
        return
    key = combo.get("key", "")
    if not key:
        key = _KEYS_BY_EXEMPT.get(ext.get(EXEMPT, ""), "")
        key = _OP_KEYS.get(ext.get(OP_CLASS, ""), key)
        key = key or "standard"
        combo["key"] = key
    if REGIME not in ext:
        if key == "export":
            ext[REGIME] = "02"
        elif combo.get("surcharge") is not None:
            ext[REGIME] = "18"
        else:
            ext[REGIME] = "01"
    if key in ("standard", "zero"):
        ext[OP_CLASS] = "S1"
        ext.pop(EXEMPT, None)
    elif key == "reverse-charge":
        ext[OP_CLASS] = "S2"
        ext.pop(EXEMPT, None)
    elif key == "outside-scope":
        if ext.get(OP_CLASS) != "N1":
            ext[OP_CLASS] = "N2"
        ext.pop(EXEMPT, None)
    elif key == "exempt":
        if ext.get(EXEMPT) != "E6":
            ext[EXEMPT] = "E1"
        ext.pop(OP_CLASS, None)
    elif key == "export":
        if ext.get(EXEMPT) not in ("E3", "E4"):
            ext[EXEMPT] = "E2"
        ext.pop(OP_CLASS, None)
    elif key == "intra-community":
        ext[EXEMPT] = "E5"
        ext.pop(OP_CLASS, None)
    combo["ext"] = ext
