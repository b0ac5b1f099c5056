"""Lines calculated on the integer path equal the same lines on the general path.

A line with neither sub-lines nor an item currency is calculated with integers and rounded
at once; any other line goes through the general ``Amount`` code. A line given an empty
``substituted`` list is calculated by the general code with the same result, so each line is
calculated both ways and compared: amounts as written (text, which shows the exponent) and
the exact total handed to the document's sums.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl.bill.line_calculate import LineContext, calculate_line
from facturo.gobl.num import Amount, Percentage
from facturo.gobl.schema.codec import decode_document, encode_document
from facturo.gobl.schema.registry import schema_id
from facturo.gobl.tax.rounding_rules import Rounding

_DIGITS = st.integers(min_value=-(10**12), max_value=10**12) | st.sampled_from(
    [0, 1, -1, 5, -5, 15, 25, 49, 50, 51, 95, 105, -105, 999995]
)
_AMOUNTS = st.builds(Amount, _DIGITS, st.integers(min_value=0, max_value=9))
_PERCENTS = st.sampled_from(["5%", "10%", "2.5%", "12.345%", "0%", "100%", "33.3333%", "0.05"]).map(
    Percentage.parse
)
_DISCOUNT = st.one_of(
    st.fixed_dictionaries({"percent": _PERCENTS}),
    st.fixed_dictionaries({"percent": _PERCENTS, "base": _AMOUNTS}),
    st.fixed_dictionaries({"amount": _AMOUNTS}),
    st.fixed_dictionaries({"percent": _PERCENTS, "amount": _AMOUNTS}),
    st.fixed_dictionaries({"reason": st.just("gift")}),
)
_CHARGE = _DISCOUNT | st.fixed_dictionaries({"rate": _AMOUNTS}, optional={"quantity": _AMOUNTS})
_LINES = st.fixed_dictionaries(
    {"item": st.fixed_dictionaries({"name": st.just("x")}, optional={"price": _AMOUNTS})},
    optional={
        "quantity": _AMOUNTS,
        "discounts": st.lists(_DISCOUNT, max_size=3),
        "charges": st.lists(_CHARGE, max_size=3),
    },
)
_ROUNDING = st.builds(
    Rounding, st.sampled_from(["precise", "currency"]), st.sampled_from([0, 2, 3])
)


def _copy(value: Any) -> Any:
    """Fresh containers around the same (immutable) amounts and percentages."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _written(value: Any) -> Any:
    """The line as text, the way it is written out (amounts keep their exponent)."""
    if isinstance(value, dict):
        return {k: _written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_written(v) for v in value]
    return str(value)


@settings(max_examples=600, deadline=None)
@given(_LINES, _ROUNDING, st.integers(min_value=0, max_value=50))
def test_plain_lines_equal_the_general_calculation(
    line: dict[str, Any], rr: Rounding, index: int
) -> None:
    ctx = LineContext("EUR", rr, [])
    general = _copy(line)
    general["substituted"] = []
    expected_total = calculate_line(general, index, ctx)
    del general["substituted"]
    plain = _copy(line)
    total = calculate_line(plain, index, ctx)
    assert total == expected_total
    assert _written(plain) == _written(general)
    assert plain["i"] == index + 1


def test_an_unpriced_line_has_no_sum_or_total() -> None:
    rr = Rounding("precise", 2)
    line: dict[str, Any] = {"item": {"name": "x"}, "sum": Amount(1, 0), "total": Amount(1, 0)}
    assert calculate_line(line, 0, LineContext("EUR", rr, [])) is None
    assert line == {"i": 1, "item": {"name": "x"}, "quantity": Amount(0, 0)}


def test_the_exact_total_keeps_the_decimals_the_written_one_drops() -> None:
    rr = Rounding("precise", 2)
    line: dict[str, Any] = {
        "quantity": Amount.parse("3"),
        "item": {"name": "x", "price": Amount.parse("10.95")},
        "discounts": [{"percent": Percentage.parse("5%")}],
    }
    assert calculate_line(line, 0, LineContext("EUR", rr, [])) == (312075, 4)
    assert (str(line["sum"]), str(line["total"])) == ("32.85", "31.21")
    assert str(line["discounts"][0]["amount"]) == "1.64"


@pytest.mark.parametrize("quantity", ["1", "1.0", "1.000", "-1", "0.999", "1.001"])
@pytest.mark.parametrize("price", ["10.95", "10.950", "10", "0.001", "-3.5", "123.4567"])
@pytest.mark.parametrize("rule", ["precise", "currency"])
@pytest.mark.parametrize("subunits", [0, 2, 3])
def test_lines_of_a_quantity_of_one_equal_the_general_calculation(
    quantity: str, price: str, rule: str, subunits: int
) -> None:
    doc = decode_document(
        {
            "$schema": schema_id("bill/invoice"),
            "lines": [{"quantity": quantity, "item": {"name": "x", "price": price}}],
        }
    )
    ctx = LineContext("EUR", Rounding(rule, subunits), [])
    plain = doc["lines"][0]
    general = _copy(plain)
    general["substituted"] = []
    expected_total = calculate_line(general, 0, ctx)
    del general["substituted"]
    assert calculate_line(plain, 0, ctx) == expected_total
    assert _written(plain) == _written(general)
    # the sum is an amount of its own unless it equals the price, value and decimals
    same = (plain["sum"].value, plain["sum"].exp) == (
        plain["item"]["price"].value,
        plain["item"]["price"].exp,
    )
    assert (plain["sum"] is plain["item"]["price"]) == same
    out = encode_document(doc)["lines"][0]
    assert out["sum"] == str(general["sum"])
    assert out["total"] == str(general["total"])
