"""Port of gobl tax/combo.go rules 01, 02, 03 and 05 (7a4ad62).

Calculation stops on an unknown category or rate, so these faults show when a document is
validated as given (an envelope received from elsewhere, a document edited after building): the
category must exist in the combo's regime (its own ``country`` when set), the key must be one of
the category's, the rate one defined for that key, and a surcharge needs a percent to apply to.
Codes, paths and messages are those of ``data/rules/tax.json``; rule 04 (percent for the key)
and 06 (extension keys) sit with the invoice rules.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext
from facturo.gobl.tax.combo import combo_regime
from facturo.gobl.tax.regime_def import CategoryDef

# (category, key) -> the rates defined for that key; categories are loaded once per process
_RATES: dict[tuple[int, str], tuple[CategoryDef, frozenset[str]]] = {}


def _rate_defined(cat: CategoryDef, key: str, rate: str) -> bool:
    """Like calculation's lookup: an exact rate for the key, else the part before ``+``."""
    hit = _RATES.get((id(cat), key))
    if hit is None:
        rates = frozenset(rd.rate for rd in cat.rates if (key in rd.keys if key else not rd.keys))
        hit = _RATES[(id(cat), key)] = (cat, rates)  # the entry keeps ``cat`` (and its id) alive
    return rate in hit[1] or rate.split("+", 1)[0] in hit[1]


def check_combo(f: Faults, combo: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if combo.get("surcharge") is not None and combo.get("percent") is None:
        f.add("GOBL-TAX-COMBO-05", path, "tax combo surcharge requires percent in regime")
    reg = combo_regime(combo, ctx.regime) if "country" in combo else ctx.regime
    if reg is None:
        return  # no regime, no definitions to check against
    cat = reg.categories.get(combo.get("cat", ""))
    if cat is None:
        f.add("GOBL-TAX-COMBO-01", path, "tax category not valid for regime")
        return
    key = combo.get("key") or ""
    if key and cat.keys and key not in cat.keys:
        f.add("GOBL-TAX-COMBO-02", path, "tax combo key not valid for category in regime")
        return
    rate = combo.get("rate")
    if rate and not (key and cat.keys.get(key)) and not _rate_defined(cat, key, rate):
        f.add("GOBL-TAX-COMBO-03", path, "tax combo rate not valid for key in regime")


TYPE_CHECKS: Final = {"tax.Combo": check_combo}
