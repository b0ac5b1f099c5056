"""Port of gobl tax/totals_calculator.go and tax/totals.go (7a4ad62).

Rate rows group taxable amounts by (ext, country, percent, surcharge); the combo *key* is not
compared, so the first combo seen names the row (``outside-scope`` and ``export`` without a
percent share one row, as in gobl). Amounts are rounded once, to the currency, after every
sum was taken from exact values.

A document's taxes are worked out with integers (:func:`calculate_taxes`): bases, rate,
category and document sums become ``Amount`` objects once, rounded, with the exact sums the
invoice totals need returned beside them. Tax totals given in a document (payments, preceding
documents) are summed and rounded with ``Amount`` by :func:`sum_total` and
:func:`round_total`.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from facturo.gobl.errors import calculation
from facturo.gobl.num import Amount, Percentage
from facturo.gobl.num.amount import POW10, amount_at, make_amount, round_pow10
from facturo.gobl.tax.combo import RATE_VALUES, prepare_combo, rate_value
from facturo.gobl.tax.regime_def import CategoryDef, RegimeDef
from facturo.gobl.tax.rounding_rules import Rounding

Taxable = tuple[int, int, list[dict[str, Any]]]
"""An exact amount as (integer, exponent) with the combos that tax it (a line, or a document
discount or charge)."""


class _Row:
    """A rate row while bases are added: what gobl compares a combo with, and the base.

    The compared values are those the row's output keeps (``rate.get("country", "")``,
    ``rate.get("ext") or {}``), held in slots so each test is an attribute read; the base is
    an integer at an exponent, made an amount once at the end. Rows are made by
    :func:`_new_row` alone, which sets every slot (no ``__init__``: one call per row fewer).
    """

    __slots__ = ("country", "exp", "ext", "percent", "rate", "surcharge", "value")

    country: str
    exp: int
    ext: dict[str, Any]
    percent: Percentage | None
    rate: dict[str, Any]
    surcharge: Percentage | None
    value: int


_new = object.__new__


def _new_row(combo: dict[str, Any], rr: Rounding) -> _Row:
    """A rate row named by its first combo: its key, country, ext and percent when set."""
    rate: dict[str, Any] = {"base": rr.zero}
    key = combo.get("key")
    if key:
        rate["key"] = key
    country = combo.get("country")
    if country:
        rate["country"] = country
    ext = combo.get("ext")
    if ext:
        rate["ext"] = ext
    pct = combo.get("percent")
    if pct:
        rate["percent"] = pct
    sc = combo.get("surcharge")
    if sc is not None:
        rate["surcharge"] = {"percent": sc, "amount": rr.zero}
    # what the row compares is what its output keeps: ``rate.get("percent")``,
    # ``rate.get("ext") or {}``, ``rate.get("country", "")`` and the surcharge's percent
    row: _Row = _new(_Row)
    row.rate = rate
    row.percent = pct if pct else None
    row.ext = ext if ext else {}
    row.country = country if country else ""
    row.surcharge = sc
    row.value = 0
    row.exp = rr.subunits
    return row


def _remove_included(
    items: list[Taxable],
    doc_regime: RegimeDef | None,
    tax_date: str,
    rr: Rounding,
    prices_include: str,
    defs: dict[str, CategoryDef | None],
) -> list[Taxable]:
    """Resolve every combo, then take the included category's tax out of each amount.

    The category must be known before any amount changes, so this is a pass of its own; the
    amounts come back widened to the working exponent, their combos resolved.
    """
    work = rr.subunits + 2
    staged: list[Taxable] = []
    for v, e, combos in items:
        if not combos:
            continue
        for combo in combos:
            cat = prepare_combo(combo, doc_regime, tax_date)
            code = combo.get("cat", "")
            if code not in defs:
                defs[code] = cat
        staged.append((v * POW10[work - e], work, combos) if e < work else (v, e, combos))
    cdef = defs.get(prices_include)
    if cdef is not None and (cdef.retained or cdef.informative):
        raise calculation(
            f"cannot include retained or informative category '{prices_include}' in prices"
        )
    out: list[Taxable] = []
    for v, e, combos in staged:
        amount = make_amount(v, e)
        for combo in combos:
            pct = combo.get("percent")
            if combo.get("cat") == prices_include and pct is not None:
                amount = amount.remove(pct)
        out.append((amount.value, amount.exp, combos))
    return out


class TaxTotals(NamedTuple):
    """A document's tax total, rounded, and the exact sums the invoice totals are made from."""

    total: dict[str, Any]
    sum: Amount
    retained: Amount | None
    included: Amount | None  # the amount of the category included in prices


_new_totals = tuple.__new__


def calculate_taxes(
    items: list[Taxable],
    doc_regime: RegimeDef | None,
    tax_date: str,
    rr: Rounding,
    prices_include: str = "",
) -> TaxTotals:
    """Category and rate totals (``TotalCalculator.Calculate`` then ``Total.Calculate``).

    A combo joins the first row of its category with the same percent (numerically; the
    regime's own percentage object is the common case and is tested by identity first), the
    same ext and country and, when there is a percent, the same surcharge percent (two
    percentages are compared inline, as ``Percentage.equals`` compares them). Amounts are
    added to their rows as integers: a row widens to the decimals it receives under
    ``precise`` and rounds them away under ``currency``, as ``Amount.add`` on a base that
    ``match_precision`` widened would.

    This runs for every combo of every document, so resolving a combo, finding its row and
    adding to it are one loop with the row scan written inline. A combo of the document's own
    regime (no ``country`` of its own, a known category) is resolved inline too, as
    :func:`prepare_combo` resolves it, reading the rate value it keeps: one call fewer per
    combo and the category code read once; any other combo goes through
    :func:`prepare_combo`. gobl resolves every combo before grouping any; grouping cannot fail,
    so resolving as it goes raises the same first error. Included prices need every combo
    resolved first (:func:`_remove_included`).
    """
    defs: dict[str, CategoryDef | None] = {}
    work = rr.subunits + 2
    if prices_include:
        items = _remove_included(items, doc_regime, tax_date, rr, prices_include, defs)
        resolved = True
    else:
        resolved = False
    categories: list[dict[str, Any]] = []
    by_code: dict[str, list[_Row]] = {}
    precise = rr.precise
    cat: CategoryDef | None = None
    rcats = doc_regime.categories if doc_regime is not None else None
    for v, e, combos in items:
        if not combos:
            continue
        if e < work:
            v *= POW10[work - e]
            e = work
        for combo in combos:
            code = combo.get("cat", "")
            if resolved:
                pass
            elif rcats is None or "country" in combo or (cat := rcats.get(code)) is None:
                cat = prepare_combo(combo, doc_regime, tax_date)
            else:  # prepare_combo's own-regime path, inline (see the docstring)
                key = combo.get("key", "")
                keys = cat.keys
                if keys and not key:
                    key = combo["key"] = "standard"
                if key and keys.get(key, False):
                    combo.pop("percent", None)
                    combo.pop("surcharge", None)
                elif rate := combo.get("rate"):
                    hit = RATE_VALUES.get((id(cat), key, rate, tax_date))
                    rv = hit[1] if hit is not None else rate_value(cat, key, rate, tax_date, combo)
                    if rv is not None:
                        combo["percent"] = rv.percent
                        if rv.surcharge is not None:
                            combo["surcharge"] = rv.surcharge
                        elif "surcharge" in combo:
                            del combo["surcharge"]
            rows = by_code.get(code)
            row = None
            if rows is None:
                if not resolved:
                    defs[code] = cat
                rows = by_code[code] = []
                ct: dict[str, Any] = {"code": code, "rates": []}
                cdef = defs.get(code)
                if cdef is not None and cdef.retained:
                    ct["retained"] = True
                if cdef is not None and cdef.informative:
                    ct["informative"] = True
                categories.append(ct)
            else:  # the first row gobl's scan would stop at (see _Row)
                cp = combo.get("percent")
                cext = combo.get("ext") or {}
                country = combo.get("country", "")
                for r in rows:
                    rp = r.percent
                    if rp is not cp:
                        if rp is None or cp is None:
                            continue
                        if rp.__class__ is Percentage and cp.__class__ is Percentage:
                            ra, ca = rp._amount, cp._amount  # Percentage.equals, inline
                            if ra._exp == ca._exp:
                                if ra._value != ca._value:
                                    continue
                            elif ra.compare(ca):
                                continue
                        elif not rp.equals(cp):
                            continue
                    if r.ext != cext or r.country != country:
                        continue
                    if rp is not None:
                        rs = r.surcharge
                        cs = combo.get("surcharge")
                        if rs is not cs and (rs is None or cs is None or not rs.equals(cs)):
                            continue
                    row = r
                    break
            if row is None:
                row = _new_row(combo, rr)
                rows.append(row)
            be = row.exp
            if precise and e > be:
                row.value *= POW10[e - be]
                row.exp = be = e
            if e == be:
                row.value += v
            elif e < be:
                row.value += v * POW10[be - e]
            else:
                row.value += round_pow10(v, e - be)
    return _sum_rounded(categories, by_code, rr, prices_include)


def _sum_rounded(
    categories: list[dict[str, Any]],
    by_code: dict[str, list[_Row]],
    rr: Rounding,
    included: str,
) -> TaxTotals:
    """:func:`sum_total` then :func:`round_total`, from the rows' integer bases.

    Rate, category and document sums are accumulated as integers with the rule of
    ``Rounding.match`` and ``Amount.add`` (:func:`_acc`), and only the rounded amounts the
    document keeps are made; the exact document sums (and the included category's amount)
    are returned for the invoice totals.

    A row's exponent is never below the currency's (rows start there and only widen), so
    adding a first amount to a zero sum leaves that amount's integer and exponent unchanged:
    a sum of one amount is that amount, and its rounded amount (immutable) is shared rather
    than made again. A category usually has one rate and a document one category.
    """
    precise = rr.precise
    sub = rr.subunits
    tv, te = 0, sub
    total_amount: Amount | None = None  # the rounded sum while it holds one category amount
    total_terms = 0
    retained: tuple[int, int] | None = None
    included_amount: Amount | None = None
    for ct in categories:
        av, ae = 0, sub
        cat_amount: Amount | None = None  # the rounded sum while it holds one rate amount
        terms = 0
        surcharge: tuple[int, int] | None = None
        rates = ct["rates"]
        for row in by_code[ct["code"]]:
            rate = row.rate
            bv, be = row.value, row.exp
            rate["base"] = amount_at(bv, be, sub)
            rates.append(rate)
            pct = row.percent
            if pct is None:
                rate["amount"] = rr.zero
                continue
            pa = pct._amount
            rv = bv * pa._value
            if pa._exp:
                rv = round_pow10(rv, pa._exp)
            rate["amount"] = cat_amount = amount_at(rv, be, sub)
            if not terms:
                av, ae = rv, be
            elif be == ae:  # _acc's common case, without the call
                av += rv
            else:
                av, ae = _acc(av, ae, rv, be, precise)
            terms += 1
            if row.surcharge is not None:
                sa = row.surcharge._amount
                sv = bv * sa._value
                if sa._exp:
                    sv = round_pow10(sv, sa._exp)
                rate["surcharge"]["amount"] = amount_at(sv, be, sub)
                s0v, s0e = surcharge if surcharge is not None else (0, sub)
                surcharge = _acc(s0v, s0e, sv, be, precise)
        if terms != 1:
            cat_amount = amount_at(av, ae, sub)
        ct["amount"] = cat_amount
        if ct["code"] == included:
            included_amount = make_amount(av, ae)
        if surcharge is not None:
            ct["surcharge"] = amount_at(surcharge[0], surcharge[1], sub)
        if ct.get("informative"):
            continue
        if ct.get("retained"):
            r0v, r0e = retained if retained is not None else (0, sub)
            r0v, r0e = _acc(r0v, r0e, av, ae, precise)
            if surcharge is not None:
                r0v, r0e = _acc(r0v, r0e, surcharge[0], surcharge[1], precise)
            retained = (r0v, r0e)
        else:
            if total_terms:
                tv, te = _acc(tv, te, av, ae, precise)
            else:
                tv, te = av, ae
                total_amount = cat_amount
            total_terms += 1
            if surcharge is not None:
                tv, te = _acc(tv, te, surcharge[0], surcharge[1], precise)
                total_terms += 1
    if total_terms != 1 or total_amount is None:
        total_amount = amount_at(tv, te, sub)
    total: dict[str, Any] = {"categories": categories, "sum": total_amount}
    exact_retained = None
    if retained is not None:
        total["retained"] = amount_at(retained[0], retained[1], sub)
        exact_retained = make_amount(retained[0], retained[1])
    # tuple.__new__ directly: the named tuple's own __new__ is a Python function
    return _new_totals(TaxTotals, (total, make_amount(tv, te), exact_retained, included_amount))


def _acc(av: int, ae: int, xv: int, xe: int, precise: bool) -> tuple[int, int]:
    """``rr.match(a, x).add(x)`` on integers: precise widens the sum, currency rounds ``x``."""
    if xe > ae:
        if precise:
            return av * POW10[xe - ae] + xv, xe
        return av + round_pow10(xv, xe - ae), ae
    if xe == ae:
        return av + xv, ae
    return av + xv * POW10[ae - xe], ae


# Go's zero amount, for a member a given total leaves out
_ZERO: Final = Amount(0, 0)


def sum_total(total: dict[str, Any], rr: Rounding) -> None:
    """Sums of a tax total given in a document (a preceding one's, a payment line's).

    A member left out is Go's zero value, as gobl reads it: no categories or rates, a base of
    zero, a surcharge of zero percent.
    """
    tsum = rr.zero
    retained: Amount | None = None
    for ct in total.get("categories") or ():
        amount = rr.zero
        surcharge: Amount | None = None
        for rate in ct.get("rates") or ():
            pct: Percentage | None = rate.get("percent")
            if pct is None:
                rate["amount"] = rr.zero
                continue
            base: Amount | None = rate.get("base")
            if base is None:
                base = rate["base"] = _ZERO
            ra = pct.of(base)
            rate["amount"] = ra
            amount = rr.match(amount, ra).add(ra)
            sc = rate.get("surcharge")
            if sc is not None:
                sp: Percentage | None = sc.get("percent")
                sa = sp.of(base) if sp is not None else _ZERO
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
        for rate in ct.get("rates") or ():
            rate["base"] = rate.get("base", _ZERO).rescale(subunits)
            rate["amount"] = rate["amount"].rescale(subunits)
            if rate.get("surcharge"):
                rate["surcharge"]["amount"] = rate["surcharge"]["amount"].rescale(subunits)
        ct["amount"] = ct["amount"].rescale(subunits)
        if ct.get("surcharge") is not None:
            ct["surcharge"] = ct["surcharge"].rescale(subunits)
    for k in ("sum", "retained"):
        if total.get(k) is not None:
            total[k] = total[k].rescale(subunits)
