"""The text forms the XML, the huella and the QR share: fast paths give the reference answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facturo.verifactu import formats

D = Decimal


def reference_amount(value: Decimal) -> str:
    """[spec §2]: two decimals, never rounded, at most 12 integer digits, no ``-0.00``."""
    if not value.is_finite() or value.adjusted() >= 12:
        raise ValueError(value)
    quantized = value.quantize(D("0.01"))
    if quantized != value:
        raise ValueError(value)
    return "0.00" if not quantized else f"{quantized:f}"


def reference_rate(value: Decimal) -> str:
    """Tipo2.2Type: the shortest decimal text, at most 3 digits and 2 decimals."""
    if not value.is_finite() or value < 0:
        raise ValueError(value)
    text = f"{value.normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if formats.RATE_RE.fullmatch(text) is None:
        raise ValueError(value)
    return text


def outcome(fn: object, value: Decimal) -> str:
    try:
        return str(fn(value))  # type: ignore[operator]
    except ValueError:
        return "refused"


decimals = st.decimals(allow_nan=True, allow_infinity=True, places=None) | st.builds(
    lambda n, e: D(n).scaleb(e),
    st.integers(-(10**16), 10**16),
    st.integers(-8, 14),
)


@given(decimals)
def test_amount_matches_the_reference(value: Decimal) -> None:
    assert outcome(formats.amount, value) == outcome(reference_amount, value)


@given(decimals)
def test_rate_matches_the_reference(value: Decimal) -> None:
    assert outcome(formats.rate, value) == outcome(reference_rate, value)


@pytest.mark.parametrize(
    ("value", "text"),
    [(D("1E+2"), "100.00"), (D("-0"), "0.00"), (D("-0.00"), "0.00"), (D("12.30"), "12.30")],
)
def test_amount_in_any_notation(value: Decimal, text: str) -> None:
    assert formats.amount(value) == text


@pytest.mark.parametrize("value", [D("1E+30"), D("1E+12"), D("-1000000000000.00"), D("Inf")])
def test_amount_too_large_is_refused_not_crashed(value: Decimal) -> None:
    with pytest.raises(ValueError, match="amount"):
        formats.amount(value)


@pytest.mark.parametrize(
    ("value", "text"), [(D("1E+1"), "10"), (D("2.50E+1"), "25"), (D("0.000"), "0")]
)
def test_rate_in_any_notation(value: Decimal, text: str) -> None:
    assert formats.rate(value) == text


@pytest.mark.parametrize("value", [D("-0"), D("-1"), D("1000"), D("21.005")])
def test_rate_out_of_range_is_refused(value: Decimal) -> None:
    with pytest.raises(ValueError, match="rate"):
        formats.rate(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(2024, 12, 4), "04-12-2024"),
        (date(999, 3, 7), "07-03-0999"),
        (datetime(2025, 1, 31, 23, 59, tzinfo=UTC), "31-01-2025"),
    ],
)
def test_fecha(value: date, text: str) -> None:
    assert formats.fecha(value) == text


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (timedelta(0), "2025-03-09T08:07:06+00:00"),
        (timedelta(hours=-3, minutes=-30), "2025-03-09T08:07:06-03:30"),
        (timedelta(hours=14), "2025-03-09T08:07:06+14:00"),
    ],
)
def test_timestamp_writes_the_offset_in_hours_and_minutes(offset: timedelta, text: str) -> None:
    value = datetime(2025, 3, 9, 8, 7, 6, 999999, tzinfo=timezone(offset))
    assert formats.fecha_hora_huso(value) == text


def test_timestamp_refuses_an_offset_with_seconds() -> None:
    value = datetime(2025, 3, 9, 8, 7, 6, tzinfo=timezone(timedelta(hours=1, seconds=30)))
    with pytest.raises(ValueError, match="whole minutes"):
        formats.fecha_hora_huso(value)


def test_rates_remembered_by_text_keep_their_answers() -> None:
    assert formats.rate(D("21.0")) == formats.rate(D("21")) == formats.rate(D("21.0")) == "21"
    for _ in range(2):  # a refused rate is refused again, never remembered as a text
        assert outcome(formats.rate, D("1000")) == "refused"
        assert outcome(formats.rate, 21.0) == "refused"  # type: ignore[arg-type]


@given(st.dates() | st.datetimes(timezones=st.none() | st.just(UTC)))
def test_fecha_writes_a_date_alike_before_and_after_it_is_kept(value: date) -> None:
    day = value.date() if isinstance(value, datetime) else value
    expected = f"{day.day:02d}-{day.month:02d}-{day.year:04d}"
    formats._FECHA_TEXTS.pop(day, None)
    assert formats.fecha(value) == expected
    assert formats.fecha(value) == expected
    assert formats.fecha(day) == expected
    assert all(type(d) is date for d in formats._FECHA_TEXTS)


@given(
    st.sampled_from(["B12345674", "12345678Z", "b12345674", "B1234567", "B123456740", "Ñ2345678Z"])
    | st.text(st.sampled_from("0123456789AZaz٣ "), min_size=8, max_size=10)
)
def test_is_nif_form_is_the_expression_seen_or_not(value: str) -> None:
    matches = formats.NIF_RE.fullmatch(value) is not None
    formats._NIF_FORMS.discard(value)
    assert formats.is_nif_form(value) == matches
    assert formats.is_nif_form(value) == matches
    assert (value in formats._NIF_FORMS) == matches


@pytest.mark.parametrize("value", [None, b"B12345674", 123456789])
def test_is_nif_form_refuses_what_the_expression_refuses(value: object) -> None:
    with pytest.raises(TypeError) as expected:
        formats.NIF_RE.fullmatch(value)  # type: ignore[call-overload]
    with pytest.raises(TypeError) as raised:
        formats.is_nif_form(value)  # type: ignore[arg-type]
    assert str(raised.value) == str(expected.value)
