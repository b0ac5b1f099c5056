"""Port of gobl bill/line_calculate.go (7a4ad62): sums and totals of lines and sub-lines.

Line amounts stay unrounded here (at least the currency's decimals plus two under ``precise``);
:func:`round_line` is the only place they are rounded, after the invoice totals were taken from
the exact values.
"""

from __future__ import annotations

from typing import Any

from facturo.gobl import currency as currencies
from facturo.gobl.errors import calculation
from facturo.gobl.num import Amount
from facturo.gobl.tax.rounding_rules import Rounding


class LineContext:
    """What lines need from their document: currency, rounding and exchange rates."""

    __slots__ = ("currency", "rates", "rr")

    def __init__(self, currency: str, rr: Rounding, rates: list[dict[str, Any]]) -> None:
        self.currency = currency
        self.rr = rr
        self.rates = rates


def _exchange(ctx: LineContext, item: dict[str, Any], where: str) -> None:
    cur = item.get("currency")
    price: Amount | None = item.get("price")
    if price is None:
        return
    item_sub = currencies.subunits(cur) if cur else None
    zero_exp = item_sub if item_sub is not None else ctx.rr.subunits
    price = price.rescale_up(zero_exp)
    item["price"] = price
    if not cur or cur == ctx.currency:
        return
    for alt in item.get("alt_prices") or ():
        if alt.get("currency") == ctx.currency:
            value: Amount = alt["value"]
            item["price"] = value.rescale_up(ctx.rr.subunits)
            break
    else:
        rate = next(
            (r for r in ctx.rates if r.get("from") == cur and r.get("to") == ctx.currency), None
        )
        if rate is None:
            raise calculation(
                f"{where}: item: no exchange rate found from '{cur}' to '{ctx.currency}'"
            )
        item["price"] = price.multiply(rate["amount"]).rescale(ctx.rr.subunits)
    item["currency"] = ctx.currency
    item["alt_prices"] = [{"currency": cur, "value": price}]


def _calc_base(line: dict[str, Any], ctx: LineContext, where: str) -> bool:
    """Quantity x price into ``sum`` and ``total``; False when the line has no price."""
    rr = ctx.rr
    if "quantity" not in line:
        line["quantity"] = Amount(0, 0)
    item = line.get("item")
    if item is None or item.get("price") is None:
        line.pop("sum", None)
        line.pop("total", None)
        return False
    if item.get("currency"):
        _exchange(ctx, item, where)
    else:  # what the exchange does without a currency: at least the document's decimals
        item["price"] = item["price"].rescale_up(rr.subunits)
    p: Amount = item["price"].rescale_up(rr.line_exp)
    s = rr.apply(p.multiply(line["quantity"]))
    line["sum"] = s
    total = s
    for d in line.get("discounts") or ():
        amount = _modifier_amount(d, s, rr)
        total = total.subtract(amount)
    for c in line.get("charges") or ():
        amount = _modifier_amount(c, s, rr, quantity=line["quantity"])
        total = total.add(amount)
    line["total"] = total
    return True


def _modifier_amount(
    m: dict[str, Any], line_sum: Amount, rr: Rounding, quantity: Amount | None = None
) -> Amount:
    pct = m.get("percent")
    base: Amount | None = m.get("base")
    if pct is not None:
        if base is not None:
            base = base.rescale_up(rr.subunits)
            m["base"] = base
            b = rr.apply(base.rescale_up(rr.line_exp))
        else:
            b = line_sum
        m["amount"] = pct.of(b)
    elif quantity is not None and m.get("rate") is not None:
        q: Amount = m.get("quantity") or quantity
        m["amount"] = m["rate"].multiply(q)
    amount: Amount = m.get("amount") or Amount(0, 0)
    amount = amount.rescale_up(rr.subunits)
    m["amount"] = amount
    return amount


def calculate_line(line: dict[str, Any], index: int, ctx: LineContext, where: str) -> None:
    line["i"] = index + 1
    subs = line.get("breakdown")
    if subs:
        priced = False
        total: Amount | None = None
        exp = 0
        for j, sub in enumerate(subs):
            sub["i"] = j + 1
            if _calc_base(sub, ctx, f"{where}: breakdown: {j}"):
                priced = True
                t: Amount = sub["total"]
                total = t if total is None else total.match_precision(t).add(t)
                exp = max(exp, sub["item"]["price"].exp)
        if priced and total is not None:
            item = line.setdefault("item", {})
            item["price"] = total.rescale(exp)
            item["currency"] = ctx.currency
            item.pop("alt_prices", None)
    for j, sub in enumerate(line.get("substituted") or ()):
        sub["i"] = j + 1
        _calc_base(sub, ctx, f"{where}: substituted: {j}")
    _calc_base(line, ctx, where)


def round_line(line: dict[str, Any]) -> None:
    """Round a line's computed amounts to its price's decimals (``rescale_down``)."""
    item = line.get("item") or {}
    price: Amount | None = item.get("price")
    if "breakdown" in line or "substituted" in line:
        for k in ("breakdown", "substituted"):
            for sub in line.get(k) or ():
                round_line(sub)
    if price is None:
        return
    e = price.exp
    if "sum" in line:
        line["sum"] = line["sum"].rescale_down(e)
    if "total" in line:
        line["total"] = line["total"].rescale_down(e)
    for k in ("discounts", "charges"):
        mods = line.get(k)
        if mods:
            for m in mods:
                if "amount" in m:
                    m["amount"] = m["amount"].rescale_down(e)
