"""Port of gobl bill/calculator.go (7a4ad62): totals of invoices and similar documents.

Order matters and follows gobl: lines, then document discounts and charges, then tax rate
totals, then invoice totals, and only at the end the rounding of every output amount (under
``precise``, the only rounding). Payment advances and due dates are taken from the rounded
``payable``.
"""

from __future__ import annotations

from typing import Any

from facturo.gobl import currency as currencies
from facturo.gobl.bill.line_calculate import LineContext, calculate_line, round_line
from facturo.gobl.errors import calculation
from facturo.gobl.num import Amount
from facturo.gobl.tax.regime_def import RegimeDef
from facturo.gobl.tax.rounding_rules import PRECISE, Rounding
from facturo.gobl.tax.totals_calculator import Taxable, calculate_taxes, round_total, sum_total


def rounding_for(doc: dict[str, Any], reg: RegimeDef | None, subunits: int) -> Rounding:
    rule = (doc.get("tax") or {}).get("rounding") or (reg.rounding if reg else "") or PRECISE
    return Rounding(rule, subunits)


def _modifiers(
    mods: list[dict[str, Any]], base_sum: Amount, rr: Rounding
) -> tuple[Amount | None, list[Amount]]:
    total: Amount | None = None
    amounts = []
    for i, m in enumerate(mods):
        m["i"] = i + 1
        pct = m.get("percent")
        if pct is not None:
            base: Amount | None = m.get("base")
            b = rr.apply(base.rescale_up(rr.line_exp)) if base is not None else base_sum
            m["amount"] = pct.of(b)
        amount: Amount = rr.apply(m.get("amount") or Amount(0, 0))
        m["amount"] = amount
        amounts.append(amount)
        total = rr.match(total if total is not None else rr.zero, amount).add(amount)
    return total, amounts


def calculate_document(doc: dict[str, Any], reg: RegimeDef | None, *, tax_date: str) -> None:
    """Lines, discounts, charges, taxes and totals of an invoice-like document, in place."""
    cur = doc.get("currency") or ""
    sub = currencies.subunits(cur) if cur else None
    if sub is None:
        if reg is None:
            raise calculation("currency: missing or invalid")
        cur = reg.currency
        doc["currency"] = cur
        sub = currencies.subunits(cur) or 0
    rr = rounding_for(doc, reg, sub)
    ctx = LineContext(cur, rr, doc.get("exchange_rates") or [])
    tags = doc.get("$tags") or ()
    if "bypass" in tags:
        return
    if "customer-rates" in tags:
        country = ((doc.get("customer") or {}).get("tax_id") or {}).get("country")
        if country:
            for holder in (
                *(doc.get("lines") or ()),
                *(doc.get("discounts") or ()),
                *(doc.get("charges") or ()),
            ):
                for combo in holder.get("taxes") or ():
                    combo["country"] = country
    for ref in doc.get("preceding") or ():
        t = ref.get("tax")
        if t:
            psub = currencies.subunits(ref.get("currency") or cur) or sub
            prr = Rounding(PRECISE if rr.precise else "currency", psub)
            sum_total(t, prr)
            round_total(t, psub)

    lines = doc.get("lines") or []
    for i, line in enumerate(lines):
        calculate_line(line, i, ctx, f"lines: {i}")

    totals: dict[str, Any] = {}
    old_totals = doc.get("totals") or {}
    s = rr.zero
    items: list[Taxable] = []  # lines first, then discounts and charges, as gobl adds them
    for line in lines:
        if "total" in line:
            t = line["total"]
            s = s.match_precision(t).add(t)
            items.append(Taxable(t, line.get("taxes") or []))
    totals["sum"] = s
    total = s
    discounts = doc.get("discounts") or []
    charges = doc.get("charges") or []
    dsum, damounts = _modifiers(discounts, s, rr)
    if dsum is not None:
        totals["discount"] = dsum
        total = total.subtract(dsum)
    csum, camounts = _modifiers(charges, s, rr)
    if csum is not None:
        totals["charge"] = csum
        total = total.add(csum)

    for d, a in zip(discounts, damounts, strict=True):
        items.append(Taxable(a.negate(), d.get("taxes") or []))
    for c, a in zip(charges, camounts, strict=True):
        items.append(Taxable(a, c.get("taxes") or []))
    if not items:
        doc.pop("totals", None)
        return
    prices_include = (doc.get("tax") or {}).get("prices_include", "")
    taxes = calculate_taxes(items, reg, tax_date, rr, prices_include)
    if prices_include:
        ct = next((c for c in taxes["categories"] if c["code"] == prices_include), None)
        if ct is not None:
            totals["tax_included"] = ct["amount"]
            total = total.subtract(ct["amount"])
    totals["total"] = total
    if taxes["categories"]:
        totals["taxes"] = taxes
    totals["tax"] = taxes["sum"]
    totals["total_with_tax"] = total.add(taxes["sum"])
    payable = totals["total_with_tax"]
    if taxes.get("retained") is not None:
        totals["retained_tax"] = taxes["retained"]
        payable = payable.subtract(taxes["retained"])
    totals["payable"] = payable

    # rounding: the one place output amounts are rounded under ``precise``
    for line in lines:
        round_line(line)
    for m in (*discounts, *charges):
        base = m.get("base")
        m["amount"] = m["amount"].rescale_down(base.exp if base is not None else sub)
    for k in list(totals):
        if k != "taxes":
            totals[k] = totals[k].rescale(sub)
    round_total(taxes, sub)
    if old_totals.get("rounding") is not None:
        totals["rounding"] = old_totals["rounding"]
        totals["payable"] = totals["payable"].add(old_totals["rounding"])
    _payment(doc, totals, sub)
    doc["totals"] = totals


def _payment(doc: dict[str, Any], totals: dict[str, Any], sub: int) -> None:
    payment = doc.get("payment")
    if not payment:
        return
    payable: Amount = totals["payable"]
    advances = payment.get("advances") or []
    if advances:
        adv = Amount(0, sub)
        for a in advances:
            if a.get("percent") is not None:
                a["amount"] = a["percent"].of(payable)
            a["amount"] = (a.get("amount") or Amount(0, 0)).rescale(sub)
            adv = adv.add(a["amount"])
        totals["advance"] = adv
        totals["due"] = payable.subtract(adv)
    terms = payment.get("terms") or {}
    for dd in terms.get("due_dates") or ():
        pct = dd.get("percent")
        if pct is not None and not pct.is_zero():
            dd["amount"] = pct.of(payable)
        if dd.get("amount") is not None:
            dd["amount"] = dd["amount"].rescale(sub)
