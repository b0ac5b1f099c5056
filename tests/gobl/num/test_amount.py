"""Rows ported from gobl num/amount_test.go; each row is one gobl case."""

from decimal import Decimal

import pytest

from facturo.gobl.num import Amount, InvalidAmount, Percentage


def A(v: int, e: int) -> Amount:  # noqa: N802 - reads like gobl MakeAmount
    return Amount(v, e)


@pytest.mark.parametrize(
    ("a", "b", "e"),
    [
        (A(200, 2), A(1000, 3), A(300, 2)),
        (A(2000, 2), A(100, 2), A(2100, 2)),
        (A(299, 3), A(1000, 2), A(10299, 3)),
        (A(2000, 2), A(-1000, 2), A(1000, 2)),
    ],
)
def test_add(a: Amount, b: Amount, e: Amount) -> None:
    r = a.add(b)
    assert r == e
    assert str(r) == str(e)


@pytest.mark.parametrize(
    ("a", "b", "e"),
    [
        (A(200, 2), A(1000, 3), A(100, 2)),
        (A(200, 2), A(1000, 2), A(-800, 2)),
        (A(299, 3), A(1000, 2), A(-9701, 3)),
        (A(2000, 2), A(-1000, 2), A(3000, 2)),
        (A(1890000, 2), A(1890002, 2), A(-2, 2)),
    ],
)
def test_subtract(a: Amount, b: Amount, e: Amount) -> None:
    for r in (a.subtract(b), a.sub(b)):
        assert r == e
        assert str(r) == str(e)


def test_compare() -> None:
    a, b = A(1000, 2), A(2000, 2)
    assert (a.compare(a), a.compare(b), b.compare(a)) == (0, -1, 1)
    a, b = A(1000, 2), A(200000, 4)
    assert (a.compare(a), a.compare(b), b.compare(a)) == (0, -1, 1)


@pytest.mark.parametrize(
    ("text", "value", "exp"),
    [
        ("245.890", 245890, 3),
        ("245", 245, 0),
        ("-245.00", -24500, 2),
        ("-245.12", -24512, 2),
        ("0.022", 22, 3),
        ("-0.022", -22, 3),
        ("5.", 5, 0),
    ],
)
def test_from_string(text: str, value: int, exp: int) -> None:
    a = Amount.parse(text)
    assert (a.value, a.exp) == (value, exp)


@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("123456789.123456789", "123456789.123456789"),
        ("123456789012345678", "123456789012345678"),
        ("123456789.1234567890", "123456789.123456789"),
        ("1.12345678901234567890", "1.12345678901234567"),
        ("0.123456789012345678", "0.123456789012345678"),
        ("000123.456", "123.456"),
        ("123456789012345678.99", "123456789012345678"),
        ("1.99999999999999999999", "1.99999999999999999"),
        ("999999999999999999.1", "999999999999999999"),
        ("-123456789012345678", "-123456789012345678"),
        ("-123456789.123456789", "-123456789.123456789"),
    ],
)
def test_from_string_digit_limit(text: str, out: str) -> None:
    assert str(Amount.parse(text)) == out


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("23.433.00", None),
        ("23,433.00", None),
        ("1234.bar", None),
        ("", None),
        ("bad", "invalid major number 'bad'"),
        ("1234567890123456789", r"too many digits \(19\)"),
        ("99999999999999999999", "too many digits"),
        ("-1234567890123456789", "too many digits"),
    ],
)
def test_from_string_errors(text: str, match: str | None) -> None:
    with pytest.raises(InvalidAmount, match=match):
        Amount.parse(text)


@pytest.mark.parametrize(
    ("raw", "value", "exp"),
    [(10, 10, 0), (Decimal("10.10"), 1010, 2), ("12.43", 1243, 2), ("-12.43", -1243, 2)],
)
def test_from_json_values(raw: int | Decimal | str, value: int, exp: int) -> None:
    a = Amount.parse(raw)
    assert (a.value, a.exp) == (value, exp)


def test_no_float_constructor() -> None:
    with pytest.raises(TypeError):
        Amount.parse(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "e"),
    [
        (A(10010, 2), A(21, 1), A(21021, 2)),
        (A(200, 0), A(21, 2), A(42, 0)),
        (A(1002002, 4), A(150, 2), A(1503003, 4)),
        (A(669099, 2), A(23, 2), A(153893, 2)),
        (A(101, 2), A(101, 2), A(102, 2)),
        (A(133, 2), A(133, 2), A(177, 2)),
    ],
)
def test_multiply(a: Amount, b: Amount, e: Amount) -> None:
    r = a.multiply(b)
    assert str(r) == str(e)
    assert str(a) == str(A(a.value, a.exp)), "operands are not modified"


@pytest.mark.parametrize(
    ("a", "b", "e"),
    [
        (A(10010, 2), A(22, 1), A(4550, 2)),
        (A(20000, 2), A(21, 2), A(95238, 2)),
        (A(200, 0), A(21, 2), A(952, 0)),
        (A(1000, 2), A(11, 0), A(91, 2)),
        (A(1000, 0), A(16, 0), A(63, 0)),
        (A(1000, 0), A(14, 0), A(71, 0)),
        (A(1000, 2), A(-4, 0), A(-250, 2)),
        (A(-1000, 2), A(-4, 0), A(250, 2)),
        (A(-1000, 0), A(16, 0), A(-63, 0)),
    ],
)
def test_divide(a: Amount, b: Amount, e: Amount) -> None:
    assert str(a.divide(b)) == str(e)


def test_divide_large_and_by_zero() -> None:
    assert str(Amount.parse("1.00000000000000000").divide(A(50, 2))) == "2.00000000000000000"
    assert str(A(100, 2).divide(A(0, 0))) == "0.00"


def test_split() -> None:
    r, r2 = A(1000, 2).split(11)
    assert (str(r), str(r2)) == ("0.91", "0.90")


@pytest.mark.parametrize(
    ("a", "text"),
    [
        (A(12345670, 3), "12345.670"),
        (A(2, 0), "2"),
        (A(50, 0), "50"),
        (A(-5025, 2), "-50.25"),
        (A(-5025, 0), "-5025"),
        (A(-2, 2), "-0.02"),
        (A(0, 2), "0.00"),
    ],
)
def test_string(a: Amount, text: str) -> None:
    assert str(a) == text


@pytest.mark.parametrize(
    ("a", "text"), [(A(123000, 3), "123"), (A(123000, 5), "1.23"), (A(123000, 0), "123000")]
)
def test_minimal_string(a: Amount, text: str) -> None:
    assert a.minimal_string() == text


@pytest.mark.parametrize(
    ("a", "exp", "text"),
    [
        (A(123456, 2), 2, "1234.56"),
        (A(123456, 2), 4, "1234.5600"),
        (A(123456, 2), 0, "1235"),
        (A(21, 1), 2, "2.10"),
        (A(56, 1), 4, "5.6000"),
        (A(12345678, 4), 2, "1234.57"),
        (A(-25, 1), 0, "-3"),
        (A(25, 1), 0, "3"),
    ],
)
def test_rescale(a: Amount, exp: int, text: str) -> None:
    assert str(a.rescale(exp)) == text


def test_remove() -> None:
    assert str(A(20000, 2).remove(Percentage(10, 2))) == "181.82"


def test_upscale_downscale() -> None:
    assert str(A(2123, 2).upscale(2)) == "21.2300"
    assert str(A(2183, 2).downscale(2)) == "22"
    assert str(A(2183, 2).downscale(5)) == "22"


@pytest.mark.parametrize(("exp", "text"), [(4, "1234.5600"), (2, "1234.56"), (0, "1234.56")])
def test_rescale_up(exp: int, text: str) -> None:
    assert str(A(123456, 2).rescale_up(exp)) == text


@pytest.mark.parametrize(("exp", "text"), [(4, "12.3456"), (2, "12.35"), (6, "12.3456")])
def test_rescale_down(exp: int, text: str) -> None:
    assert str(A(123456, 4).rescale_down(exp)) == text


@pytest.mark.parametrize(
    ("a", "low", "high", "text"),
    [
        (A(123456, 2), 2, 4, "1234.56"),
        (A(123456, 2), 2, 0, "1235"),
        (A(123456, 2), 2, 6, "1234.56"),
        (A(12345678, 6), 1, 3, "12.346"),
        (A(12, 0), 1, 3, "12.0"),
    ],
)
def test_rescale_range(a: Amount, low: int, high: int, text: str) -> None:
    assert str(a.rescale_range(low, high)) == text


def test_match_precision() -> None:
    a = A(123456, 2)
    assert a.match_precision(A(12345678, 4)).exp == 4
    assert a.match_precision(A(1234, 0)).exp == 2
    assert a.match_precision(A(456789, 2)).exp == 2


def test_negate_abs_and_signs() -> None:
    assert str(A(1234, 2).negate()) == "-12.34"
    assert str(A(-1234, 2).negate()) == "12.34"
    assert str(A(-1234, 2).abs()) == "12.34"
    assert A(0, 0).is_zero()
    assert A(0, 2).is_zero()
    assert not A(1234, 2).is_zero()
    assert A(-1234, 2).is_negative()
    assert not A(0, 2).is_negative()
    assert A(1234, 2).is_positive()
    assert not A(0, 2).is_positive()


def test_equality_ignores_exponent() -> None:
    assert Amount.parse("1.0") == Amount.parse("1.00")
    assert hash(Amount.parse("1.0")) == hash(Amount.parse("1.00"))
