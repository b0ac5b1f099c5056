"""Port of gobl tax/combo.go rules 01, 02, 03 and 05 (7a4ad62).

Calculation stops on an unknown category or rate, so these faults show when a document is
validated as given (an envelope received from elsewhere, a document edited after building): the
category must exist in the combo's regime (its own ``country`` when set), the key must be one of
the category's, the rate one defined for that key, and a surcharge needs a percent to apply to.
Codes, paths and messages are those of ``data/rules/tax.json``; rule 04 (percent for the key)
and 06 (extension keys) sit with the invoice rules.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext
from facturo.gobl.tax.combo import combo_regime
from facturo.gobl.tax.regime_def import CategoryDef, RegimeDef

# (category, key) -> the rates defined for that key; categories are loaded once per process
_RATES: dict[tuple[int, str], tuple[CategoryDef, frozenset[str]]] = {}


def _rate_defined(cat: CategoryDef, key: str, rate: str) -> bool:
    """Like calculation's lookup: an exact rate for the key, else the part before ``+``."""
    hit = _RATES.get((id(cat), key))
    if hit is None:
        rates = frozenset(rd.rate for rd in cat.rates if (key in rd.keys if key else not rd.keys))
        hit = _RATES[(id(cat), key)] = (cat, rates)  # the entry keeps ``cat`` (and its id) alive
    return rate in hit[1] or rate.split("+", 1)[0] in hit[1]


_MESSAGES: Final = {
    "GOBL-TAX-COMBO-01": "tax category not valid for regime",
    "GOBL-TAX-COMBO-02": "tax combo key not valid for category in regime",
    "GOBL-TAX-COMBO-03": "tax combo rate not valid for key in regime",
}


def _fault(reg: RegimeDef, cat_code: Any, key: Any, rate: Any) -> str:
    """The code of the fault a (category, key, rate) gives in ``reg``, or "" for none."""
    cat = reg.categories.get(cat_code)
    if cat is None:
        return "GOBL-TAX-COMBO-01"
    if key and cat.keys and key not in cat.keys:
        return "GOBL-TAX-COMBO-02"
    if rate and not (key and cat.keys.get(key)) and not _rate_defined(cat, key, rate):
        return "GOBL-TAX-COMBO-03"
    return ""


# (regime, category, key, rate) -> the regime and the fault those give: every line of every
# invoice has a combo, and they name the same few rates. The entry keeps the regime (and so its
# id) alive; only text is cached, other values go through :func:`_fault` each time.
_FAULTS: dict[tuple[int, str, str, str | None], tuple[RegimeDef, str]] = {}


def text_fault(reg: RegimeDef, cat_code: str, key: str, rate: str | None) -> str:
    """:func:`_fault` for a combo whose category, key and rate are text, remembered."""
    ck = (id(reg), cat_code, key, rate)
    hit = _FAULTS.get(ck)
    if hit is None:
        if len(_FAULTS) >= 4096:
            _FAULTS.clear()
        hit = _FAULTS[ck] = (reg, _fault(reg, cat_code, key, rate))
    return hit[1]


def check_combo(f: Faults, combo: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if combo.get("surcharge") is not None and combo.get("percent") is None:
        f.add("GOBL-TAX-COMBO-05", path, "tax combo surcharge requires percent in regime")
    reg = combo_regime(combo, ctx.regime) if "country" in combo else ctx.regime
    if reg is None:
        return  # no regime, no definitions to check against
    cat_code = combo.get("cat", "")
    key = combo.get("key") or ""
    rate = combo.get("rate")
    text = cat_code.__class__ is str and key.__class__ is str
    if text and (rate is None or rate.__class__ is str):
        code = text_fault(reg, cat_code, key, rate)
    else:
        code = _fault(reg, cat_code, key, rate)
    if code:
        f.add(code, path, _MESSAGES[code])


TYPE_CHECKS: Final = {"tax.Combo": check_combo}
