"""Rows ported from gobl num/percentage_test.go plus the spec's parsing table."""

import pytest

from facturo.gobl.num import Amount, Percentage


def test_make_and_equals() -> None:
    p = Percentage(1600, 4)
    assert p.value == 1600
    assert p == Percentage(1600, 4)
    assert Percentage.parse("21%") == Percentage.parse("21.0%")


@pytest.mark.parametrize(
    ("text", "value", "exp", "out"),
    [
        ("16.0%", 160, 3, "16.0%"),
        ("21%", 21, 2, "21%"),
        ("21.0%", 210, 3, "21.0%"),
        ("10.0%", 100, 3, "10.0%"),
        ("5.2%", 52, 3, "5.2%"),
        ("0.5%", 5, 3, "0.5%"),
        ("0.160", 160, 3, "16.0%"),
        ("0%", 0, 2, "0%"),
        ("12.34%", 1234, 4, "12.34%"),
    ],
)
def test_parse(text: str, value: int, exp: int, out: str) -> None:
    p = Percentage.parse(text)
    assert (p.value, p.exp) == (value, exp)
    assert str(p) == out


def test_string() -> None:
    p = Percentage(1600, 4)
    assert str(p) == "16.00%"
    assert p.string_without_symbol() == "0.1600"
    assert str(Percentage(200, 1)) == "2000%"


def test_of_factor_from() -> None:
    p = Percentage(160, 3)
    assert str(p.of(Amount(10000, 2))) == "16.00"
    assert str(p.factor()) == "1.160"
    assert str(p.from_(Amount(11600, 2))) == "16.00"
