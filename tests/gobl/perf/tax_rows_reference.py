"""gobl's tax rows and totals written plainly with ``Amount``: the reference the fast code meets.

Resolve every combo, take included taxes out, scan the category's rows for the first one with
the same percent, ext, country and surcharge, add with ``Amount`` (``Rounding.match`` then
``add``), then :func:`sum_total` and :func:`round_total`, which payments still use. Shared by
the tests of ``calculate_taxes``' row finding and of its single-amount sums.
"""

from __future__ import annotations

from typing import Any

from facturo.gobl.num import Amount, Percentage
from facturo.gobl.tax.combo import prepare_combo
from facturo.gobl.tax.regime_def import RegimeDef
from facturo.gobl.tax.rounding_rules import Rounding
from facturo.gobl.tax.totals_calculator import round_total, sum_total

Items = list[tuple[int, int, list[dict[str, Any]]]]


def same_percent(a: Percentage | None, b: Percentage | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a.equals(b))


def reference_rows(
    items: Items,
    reg: RegimeDef,
    rr: Rounding,
    included: str = "",
) -> tuple[dict[str, Any], Amount, Amount | None, Amount | None]:
    defs: dict[str, Any] = {}
    amounts = []
    for v, e, combos in items:
        for combo in combos:
            defs.setdefault(combo.get("cat", ""), prepare_combo(combo, reg, "2024-12-04"))
        amounts.append(Amount(v, e).rescale_up(rr.subunits + 2) if combos else Amount(v, e))
    if included:
        for i, (_, _, combos) in enumerate(items):
            for combo in combos:
                if combo.get("cat") == included and combo.get("percent") is not None:
                    amounts[i] = amounts[i].remove(combo["percent"])
    categories: list[dict[str, Any]] = []
    for amount, (_, _, combos) in zip(amounts, items, strict=True):
        for combo in combos:
            code = combo.get("cat", "")
            ct = next((c for c in categories if c["code"] == code), None)
            if ct is None:
                ct = {"code": code, "rates": []}
                if defs[code] is not None and defs[code].retained:
                    ct["retained"] = True
                categories.append(ct)
            rate = None
            for r in ct["rates"]:
                if not same_percent(r.get("percent"), combo.get("percent")):
                    continue
                if (r.get("ext") or {}) != (combo.get("ext") or {}):
                    continue
                if r.get("country", "") != combo.get("country", ""):
                    continue
                rs = r.get("surcharge")
                if r.get("percent") is not None and not same_percent(
                    rs["percent"] if rs else None, combo.get("surcharge")
                ):
                    continue
                rate = r
                break
            if rate is None:
                rate = {"base": rr.zero}
                for k in ("key", "country", "ext", "percent"):
                    if combo.get(k):
                        rate[k] = combo[k]
                if combo.get("surcharge") is not None:
                    rate["surcharge"] = {"percent": combo["surcharge"], "amount": rr.zero}
                ct["rates"].append(rate)
            rate["base"] = rr.match(rate["base"], amount).add(amount)
    total: dict[str, Any] = {"categories": categories}
    sum_total(total, rr)
    exact = (
        total["sum"],
        total.get("retained"),
        next((c["amount"] for c in categories if c["code"] == included), None),
    )
    round_total(total, rr.subunits)
    return total, *exact


def copy_items(items: Items) -> Items:
    return [(v, e, [{**c} for c in combos]) for v, e, combos in items]


def written(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [written(v) for v in value]
    return value if isinstance(value, bool | str) else str(value)
