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
from facturo.gobl.tax.regime_def import RegimeDef, regime
from facturo.gobl.tax.rounding_rules import Rounding
from facturo.gobl.tax.totals_calculator import calculate_taxes

from .tax_rows_reference import Items, copy_items, reference_rows, written

_ES = regime("ES")
_DATE = "2024-12-04"

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


def _gobl(items: Items, reg: RegimeDef, rr: Rounding) -> tuple[dict[str, Any], Amount]:
    """gobl's totals calculator written plainly: the totals and the exact sum."""
    total, exact, _, _ = reference_rows(items, reg, rr)
    return total, exact


@settings(max_examples=400, deadline=None)
@given(_ITEMS, _ROUNDING)
def test_single_amount_sums_equal_gobl(items: Items, rr: Rounding) -> None:
    assert _ES is not None
    total, exact = _gobl(copy_items(items), _ES, rr)
    got = calculate_taxes(copy_items(items), _ES, _DATE, rr)
    assert written(got.total) == written(total)
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
    assert written(got) == written(_gobl(copy_items(items), _ES, rr)[0])


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
    assert written(got.total) == written(_gobl(copy_items(items), _ES, rr)[0])
