"""Port of gobl bill/calculator.go (7a4ad62): totals of invoices and similar documents.

Order matters and follows gobl: lines, then document discounts and charges, then tax rate
totals, then invoice totals, and only at the end the rounding of every output amount (under
``precise``, the only rounding). Payment advances and due dates are taken from the rounded
``payable``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from facturo.gobl import currency as currencies
from facturo.gobl.bill.line_calculate import LineContext, calculate_lines, round_line
from facturo.gobl.errors import calculation
from facturo.gobl.num import Amount
from facturo.gobl.num.amount import amount_at, make_amount, rescale_int
from facturo.gobl.tax.regime_def import RegimeDef
from facturo.gobl.tax.rounding_rules import PRECISE, VALID, Rounding
from facturo.gobl.tax.totals_calculator import Taxable, calculate_taxes, round_total, sum_total

# Rounding rules are immutable values and a process sees a few (rule, subunits) pairs.
_ROUNDINGS: dict[tuple[str, int], Rounding] = {}


def rounding_for(doc: dict[str, Any], reg: RegimeDef | None, subunits: int) -> Rounding:
    rule = (doc.get("tax") or {}).get("rounding") or (reg.rounding if reg else "") or PRECISE
    if rule.__class__ is not str:
        return Rounding(rule, subunits)
    rr = _ROUNDINGS.get((rule, subunits))
    if rr is None:
        rr = Rounding(rule, subunits)
        if len(_ROUNDINGS) < 256:
            _ROUNDINGS[(rule, subunits)] = rr
    return rr


# A document without exchange rates needs only its currency and rounding from its context, and
# a process sees a few of those: the context (which keeps its rounding alive, so the id in a
# key is not reused while the entry lives) is made once per pair.
_CONTEXTS: dict[tuple[str, int], LineContext] = {}


def _plain_context(cur: str, rr: Rounding) -> LineContext:
    ctx = _CONTEXTS.get((cur, id(rr)))
    if ctx is None:
        ctx = LineContext(cur, rr, [])
        if len(_CONTEXTS) >= 256:
            _CONTEXTS.clear()
        _CONTEXTS[(cur, id(rr))] = ctx
    return ctx


class _Setup(NamedTuple):
    """The currency a document is calculated in, its rounding and its lines' plain context."""

    reg: RegimeDef | None  # kept so that the id in the key is not reused while this lives
    currency: str
    rr: Rounding
    ctx: LineContext


# A process sees a few (currency, rounding rule, regime) triples, and each fixes the currency a
# document is calculated in, its rounding and its plain line context: worked out once per
# triple, only for known currencies (or none, the regime's) and known rule names, so the table
# holds what definitions allow and not what documents write.
_SETUPS: dict[tuple[Any, Any, int], _Setup] = {}


def document_currency(
    doc: dict[str, Any], cur: Any, reg: RegimeDef | None, missing: str
) -> tuple[str, int]:
    """A document's currency and its subunits: its own when known, else its regime's, written
    to it. With neither, a calculation error with ``missing``, the document type's message."""
    sub = currencies.subunits(cur) if cur else None
    if sub is None:
        if reg is None:
            raise calculation(missing)
        cur = reg.currency
        doc["currency"] = cur
        sub = currencies.subunits(cur) or 0
    return cur, sub


def _setup(
    doc: dict[str, Any], cur: Any, reg: RegimeDef | None
) -> tuple[str, int, Rounding, LineContext]:
    """The currency, subunits, rounding and plain line context of a document (general path).

    A document without a known currency takes its regime's, written to it (gobl's
    ``Invoice.Calculate``); the triple is kept for :func:`calculate_document`'s lookup when
    its currency and rule are definitions' (see ``_SETUPS``).
    """
    given = cur
    cur, sub = document_currency(doc, cur, reg, "currency: missing or invalid")
    rr = rounding_for(doc, reg, sub)
    ctx = _plain_context(cur, rr)
    tax = doc.get("tax")
    rule = tax.get("rounding") if tax else None
    if (
        (given == "" or (given.__class__ is str and given == cur))
        and (rule is None or (rule.__class__ is str and rule in VALID))
        and cur.__class__ is str
    ):
        if len(_SETUPS) >= 256:
            _SETUPS.clear()
        _SETUPS[(given, rule, id(reg))] = _Setup(reg, cur, rr, ctx)
    return cur, sub, rr, ctx


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


def _customer_rates(doc: dict[str, Any]) -> None:
    """``customer-rates``: every combo is taxed at the customer's country's rates."""
    country = ((doc.get("customer") or {}).get("tax_id") or {}).get("country")
    if country:
        for holder in (
            *(doc.get("lines") or ()),
            *(doc.get("discounts") or ()),
            *(doc.get("charges") or ()),
        ):
            for combo in holder.get("taxes") or ():
                combo["country"] = country


def _preceding(refs: list[dict[str, Any]], cur: str, rr: Rounding) -> None:
    """Tax totals given in preceding documents are summed and rounded in their currency."""
    for ref in refs:
        t = ref.get("tax")
        if t:
            psub = currencies.subunits(ref.get("currency") or cur) or rr.subunits
            prr = Rounding(PRECISE if rr.precise else "currency", psub)
            sum_total(t, prr)
            round_total(t, psub)


def calculate_document(doc: dict[str, Any], reg: RegimeDef | None, *, tax_date: str) -> None:
    """Lines, discounts, charges, taxes and totals of an invoice-like document, in place.

    Runs once per document; members that are usually absent (tags, preceding documents,
    document discounts and charges, payment) are tested once each and their work kept in
    functions of their own. The currency, rounding and plain line context are one lookup per
    (currency, rounding rule, regime) (see ``_SETUPS``); a triple not kept takes
    :func:`_setup`, which raises what the calculation raises for a missing currency.
    """
    cur = doc.get("currency") or ""
    tax = doc.get("tax")
    rates = doc.get("exchange_rates")
    if not tax or tax.__class__ is dict:  # anything else: the general path, and its error
        try:
            setup = _SETUPS.get((cur, tax.get("rounding") if tax else None, id(reg)))
        except TypeError:  # a currency or rule that is not hashable: the general path
            setup = None
    else:
        setup = None
    if setup is not None:
        if not cur:  # a document without a currency: the regime's
            cur = doc["currency"] = setup.currency
        rr = setup.rr
        sub = rr.subunits
        ctx = setup.ctx
    else:
        cur, sub, rr, ctx = _setup(doc, cur, reg)
    if rates:
        ctx = LineContext(cur, rr, rates)
    tags = doc.get("$tags")
    if tags:
        if "bypass" in tags:
            return
        if "customer-rates" in tags:
            _customer_rates(doc)
    refs = doc.get("preceding")
    if refs:
        _preceding(refs, cur, rr)

    items: list[Taxable] = []  # lines first, then discounts and charges, as gobl adds them
    unpriced: list[dict[str, Any]] = []  # rounded only if the document has totals, as in gobl
    # the sum of the exact line totals, as an integer at the widest exponent seen
    sv, se = calculate_lines(doc.get("lines") or (), ctx, items, unpriced)
    # the document's totals are exact integers at the sum's exponent (``Amount.add`` and
    # ``subtract`` keep the left operand's) until each is rounded once, below
    tv = sv
    totals: dict[str, Any] = {"sum": None}
    discounts = doc.get("discounts")
    charges = doc.get("charges")
    if discounts:
        dsum, damounts = _modifiers(discounts, make_amount(sv, se), rr)
        if dsum is not None:
            totals["discount"] = dsum
            tv -= rescale_int(dsum.value, dsum.exp, se)
        for d, a in zip(discounts, damounts, strict=True):
            items.append((-a.value, a.exp, d.get("taxes") or []))
    if charges:
        csum, camounts = _modifiers(charges, make_amount(sv, se), rr)
        if csum is not None:
            totals["charge"] = csum
            tv += rescale_int(csum.value, csum.exp, se)
        for c, a in zip(charges, camounts, strict=True):
            items.append((a.value, a.exp, c.get("taxes") or []))
    if not items:
        doc.pop("totals", None)
        return
    for line in unpriced:
        round_line(line)
    # ``tax`` was read at the start: nothing since writes the document's tax
    prices_include = tax.get("prices_include", "") if tax else ""
    taxes, tax_sum, retained, included = calculate_taxes(items, reg, tax_date, rr, prices_include)
    if included is not None:
        totals["tax_included"] = included
        tv -= rescale_int(included.value, included.exp, se)
    wv = tv + rescale_int(tax_sum._value, tax_sum._exp, se)  # total with tax
    pv = wv  # payable
    if taxes["categories"]:
        totals["taxes"] = taxes
    totals["tax"] = taxes["sum"]  # the tax sum, rounded with the rest of the tax total
    if retained is not None:
        totals["retained_tax"] = taxes["retained"]
        pv -= rescale_int(retained.value, retained.exp, se)

    # rounding: the one place output amounts are rounded under ``precise`` (lines were
    # rounded as they were calculated, their exact totals being kept in ``items``, and the
    # tax total comes rounded with its exact sums beside it)
    # (document discounts and charges, and tax included in prices, are rare: tested once; the
    # totals of these three are set above only when they are there)
    if discounts or charges or included is not None:
        for mods in (discounts, charges):
            for m in mods or ():
                base = m.get("base")
                m["amount"] = m["amount"].rescale_down(base.exp if base is not None else sub)
        for k in ("discount", "charge", "tax_included"):
            if k in totals:
                totals[k] = totals[k].rescale(sub)
    # equal exact values share one (immutable) rounded amount
    totals["sum"] = rounded = amount_at(sv, se, sub)
    totals["total"] = rounded if tv == sv else amount_at(tv, se, sub)
    totals["total_with_tax"] = rounded = amount_at(wv, se, sub)
    totals["payable"] = rounded if pv == wv else amount_at(pv, se, sub)
    old = doc.get("totals")
    if old:
        rounding = old.get("rounding")
        if rounding is not None:
            totals["rounding"] = rounding
            totals["payable"] = totals["payable"].add(rounding)
    if doc.get("payment"):
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
