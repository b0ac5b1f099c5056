"""A sum of one amount shares that amount's rounded value, and equals gobl's sums.

``calculate_taxes`` takes a category's first rate amount (and a document's first category
amount) as the sum itself instead of adding it to a zero, and shares the rounded amount. The
reference is gobl's algorithm on ``Amount``: rows found by scanning, bases added with
``Rounding.match`` then ``add``, then :func:`sum_total` and :func:`round_total`. The inputs
lean towards few rows and categories, where the single-amount sums are taken, and cover
retained categories, rates without a percent, surcharges, both rounding rules and 0, 2 and 3
decimal currencies.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl.num import Amount, Percentage
from facturo.gobl.tax.combo import prepare_combo
from facturo.gobl.tax.regime_def import RegimeDef, regime
from facturo.gobl.tax.rounding_rules import Rounding
from facturo.gobl.tax.totals_calculator import calculate_taxes, round_total, sum_total

_ES = regime("ES")
_DATE = "2024-12-04"
Items = list[tuple[int, int, list[dict[str, Any]]]]

_COMBO = st.one_of(
    st.fixed_dictionaries(
        {"cat": st.sampled_from(["VAT", "IGIC", "IRPF"])},
        optional={
            "percent": st.sampled_from(["21%", "10%", "0%", "7.5%", "15%", "-1%"]).map(
                Percentage.parse
            ),
            "surcharge": st.sampled_from(["5.2%", "1.4%"]).map(Percentage.parse),
            "key": st.sampled_from(["standard", "exempt"]),
        },
    ),
    st.fixed_dictionaries(
        {"cat": st.just("VAT"), "rate": st.sampled_from(["general", "reduced", "general+eqs"])}
    ),
)
_ITEMS = st.lists(
    st.tuples(
        st.integers(min_value=-(10**9), max_value=10**9),
        st.integers(min_value=0, max_value=6),
        st.lists(_COMBO, min_size=1, max_size=2),
    ),
    min_size=1,
    max_size=3,
)
_ROUNDING = st.builds(
    Rounding, st.sampled_from(["precise", "currency"]), st.sampled_from([0, 2, 3])
)


def _same(a: Percentage | None, b: Percentage | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a.equals(b))


def _gobl(items: Items, reg: RegimeDef, rr: Rounding) -> tuple[dict[str, Any], Amount]:
    """gobl's totals calculator written plainly, with ``Amount`` throughout."""
    defs = {}
    for _, _, combos in items:
        for combo in combos:
            defs.setdefault(combo["cat"], prepare_combo(combo, reg, _DATE))
    categories: list[dict[str, Any]] = []
    for v, e, combos in items:
        amount = Amount(v, e).rescale_up(rr.subunits + 2)
        for combo in combos:
            ct = next((c for c in categories if c["code"] == combo["cat"]), None)
            if ct is None:
                ct = {"code": combo["cat"], "rates": []}
                if defs[combo["cat"]] is not None and defs[combo["cat"]].retained:
                    ct["retained"] = True
                categories.append(ct)
            rate = None
            for r in ct["rates"]:
                rs = r.get("surcharge")
                if (
                    _same(r.get("percent"), combo.get("percent"))
                    and (r.get("ext") or {}) == (combo.get("ext") or {})
                    and r.get("country", "") == combo.get("country", "")
                    and (
                        r.get("percent") is None
                        or _same(rs["percent"] if rs else None, combo.get("surcharge"))
                    )
                ):
                    rate = r
                    break
            if rate is None:
                rate = {"base": rr.zero}
                for k in ("key", "ext", "percent"):
                    if combo.get(k):
                        rate[k] = combo[k]
                if combo.get("surcharge") is not None:
                    rate["surcharge"] = {"percent": combo["surcharge"], "amount": rr.zero}
                ct["rates"].append(rate)
            rate["base"] = rr.match(rate["base"], amount).add(amount)
    total: dict[str, Any] = {"categories": categories}
    sum_total(total, rr)
    exact = total["sum"]
    round_total(total, rr.subunits)
    return total, exact


def _written(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_written(v) for v in value]
    return value if isinstance(value, bool | str) else str(value)


def _copy(items: Items) -> Items:
    return [(v, e, [{**c} for c in combos]) for v, e, combos in items]


@settings(max_examples=400, deadline=None)
@given(_ITEMS, _ROUNDING)
def test_single_amount_sums_equal_gobl(items: Items, rr: Rounding) -> None:
    assert _ES is not None
    total, exact = _gobl(_copy(items), _ES, rr)
    got = calculate_taxes(_copy(items), _ES, _DATE, rr)
    assert _written(got.total) == _written(total)
    assert str(got.sum) == str(exact)


@pytest.mark.parametrize("rule", ["precise", "currency"])
@pytest.mark.parametrize("subunits", [0, 2, 3])
def test_one_rate_and_one_category_share_their_rounded_amount(rule: str, subunits: int) -> None:
    assert _ES is not None
    rr = Rounding(rule, subunits)
    items: Items = [
        (12345, 3, [{"cat": "VAT", "rate": "general"}]),
        (-2005, 2, [{"cat": "VAT", "rate": "general"}]),
    ]
    got = calculate_taxes(items, _ES, _DATE, rr).total
    (ct,) = got["categories"]
    (rate,) = ct["rates"]
    assert ct["amount"] is rate["amount"]
    assert got["sum"] is ct["amount"]
    assert _written(got) == _written(_gobl(_copy(items), _ES, rr)[0])


def test_sums_of_several_amounts_are_added() -> None:
    assert _ES is not None
    rr = Rounding("precise", 2)
    items: Items = [
        (1005, 2, [{"cat": "VAT", "rate": "general"}]),
        (1005, 2, [{"cat": "VAT", "rate": "reduced"}]),
        (1005, 2, [{"cat": "IGIC", "percent": Percentage.parse("7%")}]),
        (1000, 2, [{"cat": "IRPF", "percent": Percentage.parse("15%")}]),
    ]
    got = calculate_taxes(items, _ES, _DATE, rr)
    vat, igic, irpf = got.total["categories"]
    assert [str(r["amount"]) for r in vat["rates"]] == ["2.11", "1.01"]
    assert (str(vat["amount"]), str(igic["amount"]), str(irpf["amount"])) == (
        "3.12",
        "0.70",
        "1.50",
    )
    assert str(got.total["sum"]) == "3.82"  # VAT and IGIC; IRPF is retained
    assert str(got.total["retained"]) == "1.50"
    assert _written(got.total) == _written(_gobl(_copy(items), _ES, rr)[0])
