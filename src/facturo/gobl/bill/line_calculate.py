"""Port of gobl bill/line_calculate.go (7a4ad62): sums and totals of lines and sub-lines.

Line amounts stay unrounded while the invoice totals are taken from them (at least the
currency's decimals plus two under ``precise``). A line's own output amounts are rounded to
its price's decimals (:func:`round_line`) as soon as the line is calculated: nothing reads them
before the end, and :func:`calculate_line` hands the exact total to the totals instead, so one
walk over the lines does both.

Most lines are a priced item in the document's currency, with neither sub-lines nor
conversions: :func:`calculate_line` calculates those with integers at one exponent, and every
other line goes through the general :func:`_calc_base`, which the integer path must always
equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from facturo.gobl import currency as currencies
from facturo.gobl.errors import calculation
from facturo.gobl.num import Amount
from facturo.gobl.num.amount import POW10, amount_at, make_amount, round_pow10
from facturo.gobl.tax.rounding_rules import Rounding
from facturo.gobl.tax.totals_calculator import Taxable

_ZERO: Final = Amount(0, 0)
_new: Final = object.__new__


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
            value: Amount = alt.get("value", _ZERO)  # left out: Go's zero amount
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
        item["price"] = price.multiply(rate.get("amount", _ZERO)).rescale(ctx.rr.subunits)
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


def _calc_general(line: dict[str, Any], ctx: LineContext, where: str) -> tuple[int, int] | None:
    """:func:`_calc_base` then :func:`round_line`; returns the exact total, if priced.

    An unpriced line is left to the caller to round (its sub-lines may be priced): gobl
    rounds lines only when the document has totals.
    """
    if not _calc_base(line, ctx, where):
        return None
    total: Amount = line["total"]
    round_line(line)
    return total.value, total.exp


def calculate_line(line: dict[str, Any], index: int, ctx: LineContext) -> tuple[int, int] | None:
    """Number, calculate and round one document line; returns its exact total, if priced.

    :func:`calculate_lines` for a list of this one line, numbered from ``index``.
    """
    items: list[Taxable] = []
    calculate_lines([line], ctx, items, [], index)
    return (items[0][0], items[0][1]) if items else None


def calculate_lines(
    lines: Iterable[dict[str, Any]],
    ctx: LineContext,
    items: list[Taxable],
    unpriced: list[dict[str, Any]],
    start: int = 0,
) -> tuple[int, int]:
    """Number, calculate and round a document's lines; returns the exact sum of their totals.

    Each priced line's exact total (before :func:`round_line`, as integer and exponent) is
    appended to ``items`` with its combos: the document's sum and tax bases are made of them.
    The sum is an integer at the widest exponent seen, from a zero at the currency's decimals
    (gobl's ``match_precision`` then ``add``). An unpriced line is appended to ``unpriced``
    and not rounded here (see :func:`_calc_general`).

    A line without sub-lines or item currency, nearly every line of every document, is
    :func:`_calc_base` then :func:`round_line` written here with integers at the line's
    working exponent (``Amount`` arithmetic inlined): the price widened to the line exponent
    times the quantity, rounded back by the quantity's decimals (``Amount.multiply``), then
    rounded to the currency under ``currency`` (``Rounding.apply``); modifiers are subtracted
    or added at that exponent, rounding the ones with more decimals (``Amount.subtract``),
    a discount that is a percent of the sum being worked out in place (``Percentage.of``);
    the written amounts are rounded to the price's decimals at once. Other lines take
    :func:`_calculate_parts`, which runs the general code. The loop over the lines is here,
    with what the rounding rule fixes read once, because this is the hottest code of a
    calculation: one call per document rather than one per line.
    """
    rr = ctx.rr
    sub = rr.subunits
    line_exp = rr.line_exp
    rounds_lines = not rr.precise
    sv, se = 0, sub
    for index, line in enumerate(lines, start):
        line["i"] = index + 1
        item = line.get("item")
        if (
            item is None
            or "breakdown" in line
            or "substituted" in line
            or item.get("currency")
            or (price := item.get("price")) is None
        ):
            t = _calculate_parts(line, index, ctx)
            if t is None:
                unpriced.append(line)
                continue
            total, e = t
        else:
            pe = price._exp
            if pe < sub:  # rescale_up(subunits)
                price = make_amount(price._value * POW10[sub - pe], sub)
                item["price"] = price
                pe = sub
            if "quantity" in line:
                q: Amount = line["quantity"]
            else:
                q = line["quantity"] = _ZERO
            e = line_exp
            if pe >= e:
                e = pe
                n = price._value * q._value
            else:
                n = price._value * POW10[e - pe] * q._value
            if q._exp:
                n = round_pow10(n, q._exp)
            if rounds_lines and e > sub:
                n = round_pow10(n, e - sub)
                e = sub
            total = n
            discounts = line.get("discounts")
            charges = line.get("charges")
            if discounts or charges:
                s: Amount | None = None  # the sum as an amount, made for the general modifiers only
                for d in discounts or ():
                    pct = d.get("percent")
                    if pct is not None and d.get("base") is None:  # a percent of the sum, at e
                        pa = pct._amount
                        av = n * pa._value
                        if pa._exp:  # round_pow10, written out
                            div = POW10[pa._exp]
                            if av >= 0:
                                av, r = divmod(av, div)
                                if r + r >= div:
                                    av += 1
                            else:
                                av, r = divmod(-av, div)
                                av = -(av + 1) if r + r >= div else -av
                        total -= av
                        d["amount"] = amount_at(av, e, pe) if e > pe else make_amount(av, e)
                        continue
                    if s is None:
                        s = make_amount(n, e)
                    a = _modifier_amount(d, s, rr)
                    ae = a._exp
                    if ae == e:
                        total -= a._value
                    elif ae < e:
                        total -= a._value * POW10[e - ae]
                    else:
                        total -= round_pow10(a._value, ae - e)
                    if ae > pe:  # round_line
                        d["amount"] = make_amount(round_pow10(a._value, ae - pe), pe)
                for c in charges or ():
                    if s is None:
                        s = make_amount(n, e)
                    a = _modifier_amount(c, s, rr, quantity=q)
                    ae = a._exp
                    if ae == e:
                        total += a._value
                    elif ae < e:
                        total += a._value * POW10[e - ae]
                    else:
                        total += round_pow10(a._value, ae - e)
                    if ae > pe:
                        c["amount"] = make_amount(round_pow10(a._value, ae - pe), pe)
            # round_line: to the price's decimals, half away from zero (``currency`` may have
            # rounded below them already); a sum equal to the price (a quantity of one) is the
            # price's own (immutable) amount, whose text is made already, and a total equal to
            # the sum is the sum's
            if e > pe:  # round_pow10 then make_amount, written out
                div = POW10[e - pe]
                if n >= 0:
                    rv, r = divmod(n, div)
                    if r + r >= div:
                        rv += 1
                else:
                    rv, r = divmod(-n, div)
                    rv = -(rv + 1) if r + r >= div else -rv
                if rv == price._value:
                    sa = price
                else:
                    sa = _new(Amount)
                    sa._value = rv
                    sa._exp = pe
                line["sum"] = sa
                line["total"] = sa if total == n else amount_at(total, e, pe)
            else:
                sa = price if n == price._value and e == pe else make_amount(n, e)
                line["sum"] = sa
                line["total"] = sa if total == n else make_amount(total, e)
        if e > se:
            sv *= POW10[e - se]
            se = e
        sv += total if e == se else total * POW10[se - e]
        items.append((total, e, line.get("taxes") or []))
    return sv, se


def _calculate_parts(line: dict[str, Any], index: int, ctx: LineContext) -> tuple[int, int] | None:
    """A line with sub-lines, an item currency or no price: the general calculation."""
    where = f"lines: {index}"
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
    return _calc_general(line, ctx, where)


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
