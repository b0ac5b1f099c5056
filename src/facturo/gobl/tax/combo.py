"""Port of gobl tax/combo.go (7a4ad62): normalizing and resolving tax combos.

A combo is the dict ``{cat, country?, key?, rate?, percent?, surcharge?, ext?}`` of a line,
discount or charge. Normalization migrates legacy VAT rate names into keys; calculation resolves
``rate`` to the percent in force on the tax date, possibly from another country's regime
(``customer-rates``), and always lets the definition override a user percent.
"""

from __future__ import annotations

from typing import Any

from facturo.gobl.codes import normalize_code
from facturo.gobl.errors import calculation
from facturo.gobl.num import Percentage
from facturo.gobl.tax.regime_def import CategoryDef, RateDef, RateValue, RegimeDef, regime

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
    """Intrinsic combo normalization (category code, VAT legacy rates, zero percents, empty ext
    codes)."""
    cat = combo.get("cat")
    if cat.__class__ is str:
        combo["cat"] = normalize_code(cat)
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


# (category, key, rate, tax date) -> the value in force, for rates whose values are not chosen
# by ext codes. Entries hold their category, so the id in a key cannot be reused by another
# object while the entry lives; the table is emptied when full. ``prepare_combo`` and
# ``calculate_taxes`` read it before calling ``rate_value``.
RATE_VALUES: dict[tuple[int, str, str, str], tuple[CategoryDef, RateValue]] = {}


def rate_value(
    cat: CategoryDef, key: str, rate: str, tax_date: str, combo: dict[str, Any]
) -> RateValue | None:
    """The value of ``rate`` in force on ``tax_date`` (None when the rate has no values).

    Raises when the rate is not defined or has no value for the date. The answer is kept in
    ``RATE_VALUES`` per (category, key, rate, date), which :func:`prepare_combo` reads first,
    unless the rate's values depend on the combo's ext codes.
    """
    rdef = _rate_def(cat, key, rate)
    if rdef is None:
        raise calculation(
            f"invalid: '{rate}' rate not defined for key '{key}' in category '{cat.code}'"
        )
    if not rdef.values:
        return None
    ext = combo.get("ext") or {}
    for v in rdef.values:
        if v.ext and any(ext.get(k) != c for k, c in v.ext.items()):
            continue
        if v.since and tax_date and v.since > tax_date:
            continue
        if not any(x.ext for x in rdef.values):
            if len(RATE_VALUES) >= 4096:
                RATE_VALUES.clear()
            RATE_VALUES[(id(cat), key, rate, tax_date)] = (cat, v)
        return v
    raise calculation(f"invalid-date: rate value unavailable for '{rate}' on '{tax_date}'")


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
    code = combo.get("cat", "")
    cat = r.categories.get(code)
    if cat is None:
        raise calculation(f"invalid-category: '{code}' not defined in regime")
    key = combo.get("key", "")
    keys = cat.keys
    if keys and not key:
        key = combo["key"] = "standard"
    if key and keys.get(key, False):
        combo.pop("percent", None)
        combo.pop("surcharge", None)
        return cat
    rate = combo.get("rate")
    if not rate:
        return cat
    hit = RATE_VALUES.get((id(cat), key, rate, tax_date))  # rate_value's table, read inline
    v = hit[1] if hit is not None else rate_value(cat, key, rate, tax_date, combo)
    if v is None:
        return cat
    combo["percent"] = v.percent
    if v.surcharge is not None:
        combo["surcharge"] = v.surcharge
    elif "surcharge" in combo:
        del combo["surcharge"]
    return cat
