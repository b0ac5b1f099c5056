"""Tax rows built with integers equal gobl's row scan and totals done with ``Amount``.

``calculate_taxes`` finds rows with an inline scan, adds bases as integers and sums and
rounds them in one pass. The reference here is gobl's algorithm written plainly: resolve
every combo, take included taxes out, scan the category's rows for the first one with the
same percent, ext, country and surcharge, add with ``Amount`` (``Rounding.match`` then
``add``), then :func:`sum_total` and :func:`round_total`, which payments still use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl.errors import GoblError
from facturo.gobl.num import Percentage
from facturo.gobl.tax.regime_def import regime
from facturo.gobl.tax.rounding_rules import Rounding
from facturo.gobl.tax.totals_calculator import calculate_taxes

from .tax_rows_reference import copy_items, reference_rows, written

_ES = regime("ES")
_PCT = st.sampled_from(["21%", "21.0%", "10%", "0%", "7.5%", "15%"]).map(Percentage.parse)
_COMBOS = st.one_of(
    st.fixed_dictionaries(
        {"cat": st.just("VAT"), "rate": st.sampled_from(["general", "reduced", "general+eqs"])},
        optional={"ext": st.sampled_from([{}, {"x": "1"}, {"x": "2"}, {"x": "1", "y": "1"}])},
    ),
    st.fixed_dictionaries(
        {"cat": st.sampled_from(["VAT", "IRPF", "IGIC"])},
        optional={
            "percent": _PCT,
            "surcharge": st.sampled_from(["5.2%", "5.20%", "1.4%"]).map(Percentage.parse),
            "key": st.sampled_from(["standard", "exempt", "zero"]),
            "country": st.sampled_from(["ES", "", "PT", "FR"]),
        },
    ),
)
_ITEMS = st.lists(
    st.tuples(
        st.integers(min_value=-(10**10), max_value=10**10),
        st.integers(min_value=0, max_value=7),
        st.lists(_COMBOS, max_size=3),
    ),
    max_size=8,
)
_ROUNDING = st.builds(
    Rounding, st.sampled_from(["precise", "currency"]), st.sampled_from([0, 2, 3])
)


def _outcome(calculate: Callable[[], tuple[Any, ...]]) -> list[Any] | str:
    """The totals and exact sums, or the calculation error's text."""
    try:
        return list(calculate())
    except GoblError as exc:
        return str(exc)


@settings(max_examples=500, deadline=None)
@given(_ITEMS, _ROUNDING, st.sampled_from(["", "", "VAT", "IGIC"]))
def test_rows_and_totals_equal_thereference_rows(
    items: list[tuple[int, int, list[dict[str, Any]]]], rr: Rounding, included: str
) -> None:
    assert _ES is not None
    expected = _outcome(lambda: reference_rows(copy_items(items), _ES, rr, included))
    got = _outcome(
        lambda: tuple(calculate_taxes(copy_items(items), _ES, "2024-12-04", rr, included))
    )
    assert written(got) == written(expected)


def test_numerically_equal_percents_share_the_first_row() -> None:
    rr = Rounding("precise", 2)
    items = [
        (1000, 2, [{"cat": "VAT", "percent": Percentage.parse("21.0%")}]),
        (2000, 2, [{"cat": "VAT", "percent": Percentage.parse("21%")}]),
    ]
    assert _ES is not None
    total = calculate_taxes(items, _ES, "2024-12-04", rr).total
    (rate,) = total["categories"][0]["rates"]
    assert (str(rate["percent"]), str(rate["base"]), str(rate["amount"])) == (
        "21.0%",
        "30.00",
        "6.30",
    )
