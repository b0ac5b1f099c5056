"""Combos resolved inside ``calculate_taxes`` equal combos resolved by ``prepare_combo``.

``calculate_taxes`` resolves a combo of the document's own regime inline and calls
:func:`prepare_combo` for any other. Naming a category no combo has in ``prices_include``
makes it resolve every combo with :func:`prepare_combo` first and then only group them, with
nothing taken out of the amounts: the general path. Both must write the same combos and totals,
member order included, and fail with the same error.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl.errors import GoblError
from facturo.gobl.num import Percentage
from facturo.gobl.tax.regime_def import regime
from facturo.gobl.tax.rounding_rules import Rounding
from facturo.gobl.tax.totals_calculator import calculate_taxes

from .member_order import ordered
from .tax_rows_reference import Items, copy_items

_ABSENT_CATEGORY = "NO-SUCH-CATEGORY"
_PCT = st.sampled_from(["21%", "21.0%", "10%", "0%", "7.5%"]).map(Percentage.parse)
_COMBOS = st.fixed_dictionaries(
    {"cat": st.sampled_from(["VAT", "VAT", "IGIC", "IRPF", "IPSI", "XX", "", 5])},
    optional={
        "key": st.sampled_from(
            ["standard", "zero", "exempt", "reverse-charge", "export", "", "bogus", 7]
        ),
        "rate": st.sampled_from(
            ["general", "reduced", "general+eqs", "super-reduced", "intermediate", "pro", "", 3]
        ),
        "percent": _PCT,
        "surcharge": st.sampled_from(["5.2%", "1.4%"]).map(Percentage.parse),
        "country": st.sampled_from(["ES", "PT", "FR", "", "ZZ"]),
        "ext": st.sampled_from([{}, {"pt-region": "PT-AC"}, {"pt-region": "PT-MA"}, {"x": "1"}]),
    },
)
_ITEMS = st.lists(
    st.tuples(
        st.integers(min_value=-(10**9), max_value=10**9),
        st.integers(min_value=0, max_value=6),
        st.lists(_COMBOS, max_size=3),
    ),
    max_size=6,
)
_ROUNDING = st.builds(
    Rounding, st.sampled_from(["precise", "currency"]), st.sampled_from([0, 2, 3])
)
_DATES = st.sampled_from(["2024-12-04", "2011-06-01", "2005-01-01", ""])


def _outcome(items: Items, country: str, date: str, rr: Rounding, included: str) -> Any:
    """The resolved combos, the tax total and its exact sums, member order included; or the error.

    The amount of the included category is left out: the general path names a category that
    is not there.
    """
    try:
        result = calculate_taxes(items, regime(country), date, rr, included)
    except (GoblError, TypeError, AttributeError) as exc:
        return type(exc), str(exc)
    combos = [c for _, _, cs in items for c in cs]
    return ordered(
        [
            {k: str(v) if not isinstance(v, dict | list | str) else v for k, v in c.items()}
            for c in combos
        ]
    ), repr(ordered(list(result)[:3]))


@settings(max_examples=600, deadline=None)
@given(_ITEMS, st.sampled_from(["ES", "PT", "FR", "ZZ"]), _DATES, _ROUNDING)
def test_inline_resolution_equals_prepare_combo(
    items: Items, country: str, date: str, rr: Rounding
) -> None:
    inline = _outcome(copy_items(items), country, date, rr, "")
    general = _outcome(copy_items(items), country, date, rr, _ABSENT_CATEGORY)
    assert inline == general


@pytest.mark.parametrize(
    ("combo", "error"),
    [
        ({"cat": "XX", "rate": "general"}, "invalid-category: 'XX' not defined in regime"),
        ({"cat": "VAT", "rate": "nope"}, "'nope' rate not defined for key 'standard'"),
        ({"cat": "VAT", "key": "bogus", "rate": "general"}, "rate not defined for key 'bogus'"),
        ({"cat": "VAT", "rate": "general"}, None),
    ],
)
def test_inline_resolution_raises_the_errors_of_prepare_combo(
    combo: dict[str, Any], error: str | None
) -> None:
    items: Items = [(1000, 2, [combo])]
    rr = Rounding("precise", 2)
    inline = _outcome(copy_items(items), "ES", "2024-12-04", rr, "")
    assert inline == _outcome(copy_items(items), "ES", "2024-12-04", rr, _ABSENT_CATEGORY)
    if error is None:
        assert inline[0][0][-1] == ("percent", "21.0%")
    else:
        assert isinstance(inline[0], type)
        assert error in inline[1]
