"""Port of gobl tax/totals_calculator.go and tax/totals.go (7a4ad62).

Rate rows group taxable amounts by (ext, country, percent, surcharge); the combo *key* is not
compared, so the first combo seen names the row (``outside-scope`` and ``export`` without a
percent share one row, as in gobl). Totals here are unrounded; :func:`round_total` rounds them
once to the currency.
"""

from __future__ import annotations

from typing import Any

from facturo.gobl.errors import calculation
from facturo.gobl.num import Amount, Percentage
from facturo.gobl.tax.combo import prepare_combo
from facturo.gobl.tax.regime_def import CategoryDef, RegimeDef
from facturo.gobl.tax.rounding_rules import Rounding


class Taxable:
    """An amount with the combos that tax it (a line, or a document discount or charge)."""

    __slots__ = ("amount", "combos")

    def __init__(self, amount: Amount, combos: list[dict[str, Any]]) -> None:
        self.amount = amount
        self.combos = combos


def _same_pct(a: Percentage | None, b: Percentage | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.equals(b)


def calculate_taxes(
    items: list[Taxable],
    doc_regime: RegimeDef | None,
    tax_date: str,
    rr: Rounding,
    prices_include: str = "",
) -> dict[str, Any]:
    """Category and rate totals (``TotalCalculator.Calculate`` then ``Total.Calculate``).

    A combo joins the first row of its category with the same percent (numerically; the
    regime's own percentage object is the common case and is tested by identity first), the
    same ext and country and, when there is a percent, the same surcharge percent. This runs
    for every combo of every line, so each combo's members are read once and rows are tested
    in place.
    """
    defs: dict[str, CategoryDef | None] = {}
    work = rr.subunits + 2
    for it in items:
        combos = it.combos
        if combos:
            for combo in combos:
                cat = prepare_combo(combo, doc_regime, tax_date)
                code = combo.get("cat", "")
                if code not in defs:
                    defs[code] = cat
            it.amount = it.amount.rescale_up(work)
    if prices_include:
        cdef = defs.get(prices_include)
        if cdef is not None and (cdef.retained or cdef.informative):
            raise calculation(
                f"cannot include retained or informative category '{prices_include}' in prices"
            )
        for it in items:
            for combo in it.combos:
                pct = combo.get("percent")
                if combo.get("cat") == prices_include and pct is not None:
                    it.amount = it.amount.remove(pct)
    categories: list[dict[str, Any]] = []
    by_code: dict[str, dict[str, Any]] = {}
    precise = rr.precise
    for it in items:
        amount = it.amount
        for combo in it.combos:
            code = combo.get("cat", "")
            ct = by_code.get(code)
            if ct is None:
                ct = {"code": code, "rates": []}
                cdef = defs.get(code)
                if cdef is not None and cdef.retained:
                    ct["retained"] = True
                if cdef is not None and cdef.informative:
                    ct["informative"] = True
                by_code[code] = ct
                categories.append(ct)
            rates: list[dict[str, Any]] = ct["rates"]
            rate = None
            if rates:
                cp = combo.get("percent")
                cext = combo.get("ext") or {}
                country = combo.get("country", "")
                for r in rates:
                    rp = r.get("percent")
                    if rp is not cp and (rp is None or cp is None or not rp.equals(cp)):
                        continue
                    if (r.get("ext") or {}) != cext or r.get("country", "") != country:
                        continue
                    if rp is not None:
                        rs = r.get("surcharge")
                        if not _same_pct(rs["percent"] if rs else None, combo.get("surcharge")):
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
                rates.append(rate)
            base: Amount = rate["base"]
            if precise and amount._exp > base._exp:
                base = base.rescale(amount._exp)
            rate["base"] = base.add(amount)
    total: dict[str, Any] = {"categories": categories}
    sum_total(total, rr)
    return total


def sum_total(total: dict[str, Any], rr: Rounding) -> None:
    tsum = rr.zero
    retained: Amount | None = None
    for ct in total["categories"]:
        amount = rr.zero
        surcharge: Amount | None = None
        for rate in ct["rates"]:
            pct: Percentage | None = rate.get("percent")
            if pct is None:
                rate["amount"] = rr.zero
                continue
            ra = pct.of(rate["base"])
            rate["amount"] = ra
            amount = rr.match(amount, ra).add(ra)
            sc = rate.get("surcharge")
            if sc is not None:
                sa = sc["percent"].of(rate["base"])
                sc["amount"] = sa
                s0 = surcharge if surcharge is not None else rr.zero
                surcharge = rr.match(s0, sa).add(sa)
        ct["amount"] = amount
        if surcharge is not None:
            ct["surcharge"] = surcharge
        if ct.get("informative"):
            continue
        if ct.get("retained"):
            r0 = retained if retained is not None else rr.zero
            r0 = rr.match(r0, amount).add(amount)
            if surcharge is not None:
                r0 = rr.match(r0, surcharge).add(surcharge)
            retained = r0
        else:
            tsum = rr.match(tsum, amount).add(amount)
            if surcharge is not None:
                tsum = rr.match(tsum, surcharge).add(surcharge)
    total["sum"] = tsum
    if retained is not None:
        total["retained"] = retained


def round_total(total: dict[str, Any], subunits: int) -> None:
    """Round every amount of a tax total to the currency (half away from zero)."""
    for ct in total.get("categories") or ():
        for rate in ct["rates"]:
            rate["base"] = rate["base"].rescale(subunits)
            rate["amount"] = rate["amount"].rescale(subunits)
            if rate.get("surcharge"):
                rate["surcharge"]["amount"] = rate["surcharge"]["amount"].rescale(subunits)
        ct["amount"] = ct["amount"].rescale(subunits)
        if ct.get("surcharge") is not None:
            ct["surcharge"] = ct["surcharge"].rescale(subunits)
    for k in ("sum", "retained"):
        if total.get(k) is not None:
            total[k] = total[k].rescale(subunits)
