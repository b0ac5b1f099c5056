"""Amount arithmetic written for speed gives ``rounded_div``'s answers, sign by sign."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl.num import Amount, Percentage, rounded_div
from facturo.gobl.num.amount import POW10, amount_at, make_amount, rescale_int, round_pow10

_VALUES = st.integers(min_value=-(10**22), max_value=10**22) | st.sampled_from(
    [0, 5, -5, 15, -15, 25, -25, 49, 50, -50, 51, 95, -95, 105, -105]
)
_EXPS = st.integers(min_value=0, max_value=12)


def _rescaled(value: int, exp: int, to: int) -> tuple[int, int]:
    if to >= exp:
        return value * 10 ** (to - exp), to
    return rounded_div(value, 10 ** (exp - to)), to


def _pair(a: Amount) -> tuple[int, int]:
    return a.value, a.exp


@settings(max_examples=400, deadline=None)
@given(_VALUES, _EXPS, _EXPS)
def test_rescale_rounds_half_away_from_zero(value: int, exp: int, to: int) -> None:
    a = Amount(value, exp)
    assert _pair(a.rescale(to)) == _rescaled(value, exp, to)
    up = _rescaled(value, exp, to) if to > exp else (value, exp)
    assert _pair(a.rescale_up(to)) == up
    down = _rescaled(value, exp, to) if to < exp else (value, exp)
    assert _pair(a.rescale_down(to)) == down


@settings(max_examples=400, deadline=None)
@given(_VALUES, _EXPS, _VALUES, _EXPS)
def test_arithmetic_keeps_the_left_exponent(v1: int, e1: int, v2: int, e2: int) -> None:
    a, b = Amount(v1, e1), Amount(v2, e2)
    right = _rescaled(v2, e2, e1)[0]
    assert _pair(a.add(b)) == (v1 + right, e1)
    assert _pair(a.subtract(b)) == (v1 - right, e1)
    assert _pair(a.multiply(b)) == (rounded_div(v1 * v2, 10**e2), e1)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=0, max_value=6))
def test_percentage_text_is_kept_once_made(value: int, exp: int) -> None:
    p = Percentage(value, exp)
    first = str(p)
    assert str(p) == first
    assert str(Percentage(value, exp)) == first
    assert Percentage.parse(first) == p


def test_amount_text_pads_and_signs() -> None:
    cases = {
        (5, 2): "0.05",
        (-5, 2): "-0.05",
        (0, 3): "0.000",
        (12345, 2): "123.45",
        (-12345, 2): "-123.45",
        (-1, 0): "-1",
        (100, 2): "1.00",
    }
    assert {k: str(Amount(*k)) for k in cases} == cases


@settings(max_examples=400, deadline=None)
@given(_VALUES, _EXPS, _VALUES, _EXPS)
def test_comparison_is_numeric_whatever_the_exponents(v1: int, e1: int, v2: int, e2: int) -> None:
    a, b = Amount(v1, e1), Amount(v2, e2)
    x, y = Decimal(v1).scaleb(-e1), Decimal(v2).scaleb(-e2)
    assert a.compare(b) == (x > y) - (x < y)
    assert a.equals(b) is (x == y)
    assert Amount(v1, e1).equals(Amount(v1, e1))


@settings(max_examples=400, deadline=None)
@given(_VALUES, _EXPS, _EXPS)
def test_integer_rescaling_equals_amount_rescaling(value: int, exp: int, to: int) -> None:
    expected = _pair(Amount(value, exp).rescale(to))
    assert _pair(amount_at(value, exp, to)) == expected
    assert (rescale_int(value, exp, to), to) == expected
    if to < exp:
        assert round_pow10(value, exp - to) == rounded_div(value, 10 ** (exp - to))
    assert _pair(make_amount(value, exp)) == (value, exp)


def test_powers_of_ten_past_the_table_are_made_on_use() -> None:
    assert POW10[70] == 10**70
    assert rescale_int(1, 0, 80) == 10**80


@settings(max_examples=200, deadline=None)
@given(_VALUES, _EXPS, _VALUES, _EXPS)
def test_percentages_compare_by_value(v1: int, e1: int, v2: int, e2: int) -> None:
    p, q = Percentage(v1, e1), Percentage(v2, e2)
    assert p.equals(q) is (Decimal(v1).scaleb(-e1) == Decimal(v2).scaleb(-e2))
    assert p.is_zero() is (v1 == 0)
