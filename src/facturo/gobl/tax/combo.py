"""Port of gobl tax/combo.go (7a4ad62): normalizing and resolving tax combos.

A combo is the dict ``{cat, country?, key?, rate?, percent?, surcharge?, ext?}`` of a line,
discount or charge. Normalization migrates legacy VAT rate names into keys; calculation resolves
``rate`` to the percent in force on the tax date, possibly from another country's regime
(``customer-rates``), and always lets the definition override a user percent.
"""

from __future__ import annotations

from typing import Any

from facturo.gobl.errors import calculation
from facturo.gobl.num import Percentage
from facturo.gobl.tax.regime_def import CategoryDef, RateDef, RegimeDef, regime

_ZERO_PCT = Percentage(0, 2)

# legacy VAT rate → (key, keep rate, clear percent)
_LEGACY_RATES: dict[str, tuple[str, bool]] = {
    "zero": ("zero", False),
    "exempt": ("exempt", False),
    "exempt+reverse-charge": ("reverse-charge", True),
    "exempt+export": ("export", False),
    "exempt+eea": ("intra-community", False),
    "exempt+export+eea": ("intra-community", False),
}


def normalize_combo(combo: dict[str, Any]) -> None:
    """Intrinsic combo normalization (VAT legacy rates, zero percents, empty ext codes)."""
    tags = combo.pop("tags", None)
    if tags and not combo.get("rate"):
        combo["rate"] = tags[0]
    if combo.get("cat") == "VAT":
        rate = combo.get("rate", "")
        legacy = _LEGACY_RATES.get(rate)
        if legacy is not None:
            combo["key"] = legacy[0]
            del combo["rate"]
            if legacy[1]:
                combo.pop("percent", None)
        elif rate == "standard":
            combo["rate"] = "general"
        elif rate.startswith("standard+"):
            combo["rate"] = "general" + rate[len("standard") :]
        pct = combo.get("percent")
        if not combo.get("key") and pct is not None and pct.is_zero():
            combo["key"] = "zero"
        if combo.get("key") == "zero" and combo.get("percent") is None:
            combo["percent"] = _ZERO_PCT
    ext = combo.get("ext")
    if ext is not None:
        clean = {k: v for k, v in ext.items() if v}
        if clean:
            combo["ext"] = clean
        else:
            del combo["ext"]


def combo_regime(combo: dict[str, Any], doc_regime: RegimeDef | None) -> RegimeDef | None:
    """The regime whose rates apply: the combo's own country overrides the document's."""
    country = combo.get("country")
    if country and (doc_regime is None or country != doc_regime.country):
        return regime(country)
    return doc_regime


# (category, key, rate) -> its definition. Entries hold their category, so the id in a key
# cannot be reused by another object while the entry lives.
_RATE_DEFS: dict[tuple[int, str, str], tuple[CategoryDef, RateDef | None]] = {}


def _rate_def(cat: CategoryDef, key: str, rate: str) -> RateDef | None:
    """The rate definition for ``rate`` under ``key`` (``general+eqs`` falls back to ``general``).

    Looked up once per (category, key, rate): every line of every invoice asks the same few.
    """
    ck = (id(cat), key, rate)
    hit = _RATE_DEFS.get(ck)
    if hit is not None:
        return hit[1]
    rdef = None
    candidates = [rd for rd in cat.rates if (key in rd.keys if key else not rd.keys)]
    for rd in candidates:
        if rd.rate == rate:
            rdef = rd
            break
    if rdef is None:
        base = rate.split("+", 1)[0]
        rdef = next((rd for rd in candidates if rd.rate == base), None)
    if len(_RATE_DEFS) >= 4096:
        _RATE_DEFS.clear()
    _RATE_DEFS[ck] = (cat, rdef)
    return rdef


def prepare_combo(
    combo: dict[str, Any], doc_regime: RegimeDef | None, tax_date: str
) -> CategoryDef | None:
    """Resolve key, percent and surcharge from the regime (``Combo.calculate``)."""
    r = doc_regime
    if "country" in combo:
        if doc_regime is not None and combo["country"] == doc_regime.country:
            del combo["country"]
        else:
            r = combo_regime(combo, doc_regime)
    if r is None:
        return None
    cat = r.categories.get(combo.get("cat", ""))
    if cat is None:
        raise calculation(f"invalid-category: '{combo.get('cat', '')}' not defined in regime")
    key = combo.get("key", "")
    keys = cat.keys
    if keys and not key:
        key = "standard"
        combo["key"] = key
    if key and keys.get(key, False):
        combo.pop("percent", None)
        combo.pop("surcharge", None)
        return cat
    rate = combo.get("rate")
    if not rate:
        return cat
    rdef = _rate_def(cat, key, rate)
    if rdef is None:
        raise calculation(
            f"invalid: '{rate}' rate not defined for key '{key}' in category '{cat.code}'"
        )
    if not rdef.values:
        return cat
    ext = combo.get("ext") or {}
    for v in rdef.values:
        if v.ext and any(ext.get(k) != c for k, c in v.ext.items()):
            continue
        if v.since and tax_date and v.since > tax_date:
            continue
        combo["percent"] = v.percent
        if v.surcharge is not None:
            combo["surcharge"] = v.surcharge
        else:
            combo.pop("surcharge", None)
        return cat
    raise calculation(f"invalid-date: rate value unavailable for '{rate}' on '{tax_date}'")
