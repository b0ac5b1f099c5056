"""Text forms of the AEAT simple types: amounts, rates, dates, timestamps, NIFs, flags.

Every value that goes into the XML, the huella input or the QR URL is written by one of these
functions, once, so the three always agree ([spec §2, §16]; [HASH §3]: "hash the exact string
you send"). Sources: SuministroInformacion.xsd simple types and [SWEB §6.7-6.9].
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

#: ``ImporteSgn12.2Type``: optional sign, 1-12 integer digits, up to 2 decimals.
AMOUNT_RE: Final = re.compile(r"[+-]?\d{1,12}(\.\d{0,2})?")
#: ``Tipo2.2Type`` (TipoImpositivo, TipoRecargoEquivalencia): 1-3 digits, up to 2 decimals.
RATE_RE: Final = re.compile(r"\d{1,3}(\.\d{0,2})?")
#: ``NIFType``: 9 characters; the AEAT also wants upper case and a valid control character.
NIF_RE: Final = re.compile(r"[0-9A-Z]{9}")
#: NumSerieFactura: printable ASCII 32-126 without ``" ' < > =`` (1130/1287) [VAL 3.1.3.1].
NUM_SERIE_RE: Final = re.compile(r"[ !#-&(-;?-~]{1,60}")

_CENT: Final = Decimal("0.01")
_AMOUNT_LIMIT: Final = Decimal("1000000000000")
#: ``str()`` of a non-negative Decimal in plain notation (no exponent).
_RATE_TEXT: Final = re.compile(r"\d+(\.\d*)?")
#: ``str()`` of a Decimal already in amount form: finite, two decimals, 1-12 integer digits.
_AMOUNT_TEXT: Final = re.compile(r"-?\d{1,12}\.\d\d")


def amount(value: Decimal) -> str:
    """An amount with exactly two decimals (``12.30``, ``-2.10``, ``0.00``).

    Two decimals is [spec §2]'s recommendation; the AEAT compares numerically. A value with
    more than two significant decimals is refused rather than rounded, so no caller loses a
    cent silently.
    """
    if type(value) is not Decimal:
        raise ValueError(f"amount must be a finite Decimal, not {value!r}")
    text = str(value)
    if _AMOUNT_TEXT.fullmatch(text) is not None:  # GOBL amounts mostly come this way
        return "0.00" if text == "-0.00" else text
    if not value.is_finite():
        raise ValueError(f"amount must be a finite Decimal, not {value!r}")
    if value.adjusted() >= 12:  # before quantize, which cannot hold more than 28 digits
        raise ValueError(f"amount {value} has more than 12 integer digits")
    quantized = value.quantize(_CENT)
    if quantized != value:
        raise ValueError(f"amount {value} has more than two decimals")
    if not quantized:
        return "0.00"  # never "-0.00"
    if abs(quantized) >= _AMOUNT_LIMIT:
        raise ValueError(f"amount {value} has more than 12 integer digits")
    return str(quantized)


#: Texts of the rates seen so far, by ``str()`` of the Decimal: a taxpayer uses a handful of
#: rates (21, 10, 4, 5.2, 1.4, 0…) on every line of every invoice. Keyed by text, not by the
#: Decimal, because hashing a Decimal with decimals costs more than writing the rate. Bounded:
#: past the limit, new rates are written but not kept.
_RATE_TEXTS: Final[dict[str, str]] = {}
_RATE_TEXTS_MAX: Final = 256


def rate(value: Decimal) -> str:
    """A tax rate as the shortest decimal text (``21``, ``5.2``, ``0.26``, ``0``)."""
    if type(value) is not Decimal:
        return _rate_text(value)
    key = str(value)
    text = _RATE_TEXTS.get(key)
    if text is None:
        text = _rate_text(value)  # raises for what is no rate, which is then not kept
        if len(_RATE_TEXTS) < _RATE_TEXTS_MAX:
            _RATE_TEXTS[key] = text
    return text


def _rate_text(value: Decimal) -> str:
    if type(value) is Decimal:
        text = str(value)
        if _RATE_TEXT.fullmatch(text) is not None:  # plain and non-negative: trim zeros only
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            if RATE_RE.fullmatch(text) is not None:
                return text
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError(f"rate must be a non-negative Decimal, not {value!r}")
    text = str(value)
    if "E" in text:  # str() turns to exponent notation for very small or large exponents
        text = f"{value.normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if RATE_RE.fullmatch(text) is None:
        raise ValueError(f"rate {value} does not fit 3 digits and 2 decimals")
    return text


def parse_decimal(text: str) -> Decimal:
    """Decimal from XML text; raises ``ValueError`` instead of ``InvalidOperation``."""
    try:
        result = Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {text!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite decimal: {text!r}")
    return result


#: Dates already written by :func:`fecha`: an installation issues the day's invoices on the
#: same few dates, and every record writes its issue date. Emptied when full, so it keeps the
#: recent ones.
_FECHA_TEXTS: Final[dict[date, str]] = {}
_FECHA_TEXTS_MAX: Final = 1024


def fecha(value: date) -> str:
    """A date as ``dd-mm-yyyy`` (``fecha`` type, 10 characters) [SWEB §6.8]."""
    if type(value) is date:  # not a datetime, which is a date too but is not kept
        text = _FECHA_TEXTS.get(value)
        if text is None:
            iso = value.isoformat()  # YYYY-MM-DD, written in C
            text = f"{iso[8:10]}-{iso[5:7]}-{iso[:4]}"
            if len(_FECHA_TEXTS) >= _FECHA_TEXTS_MAX:
                _FECHA_TEXTS.clear()
            _FECHA_TEXTS[value] = text
        return text
    if isinstance(value, datetime):
        value = value.date()
    iso = value.isoformat()
    return f"{iso[8:10]}-{iso[5:7]}-{iso[:4]}"


#: NIFs already seen to match :data:`NIF_RE`: an issuer's NIF is checked on every record,
#: its regular customers' on most. Emptied when full.
_NIF_FORMS: Final[set[str]] = set()
_NIF_FORMS_MAX: Final = 4096


def is_nif_form(value: str) -> bool:
    """``NIF_RE.fullmatch(value) is not None``, remembering the NIFs that match."""
    if type(value) is str and value in _NIF_FORMS:
        return True
    if NIF_RE.fullmatch(value) is None:
        return False
    if len(_NIF_FORMS) >= _NIF_FORMS_MAX:
        _NIF_FORMS.clear()
    _NIF_FORMS.add(value)
    return True


def parse_fecha(text: str) -> date:
    """The reverse of :func:`fecha`."""
    match = re.fullmatch(r"(\d{2})-(\d{2})-(\d{4})", text.strip())
    if match is None:
        raise ValueError(f"not a dd-mm-yyyy date: {text!r}")
    day, month, year = (int(g) for g in match.groups())
    return date(year, month, day)


def fecha_hora_huso(value: datetime) -> str:
    """A timestamp as ``YYYY-MM-DDThh:mm:ss±hh:mm``, no fractions, no ``Z`` [SWEB §6.9].

    The offset must be the one in force where the invoice is issued, so a naive datetime is
    refused: the caller (who owns the clock) decides the zone.
    """
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("FechaHoraHusoGenRegistro needs a timezone-aware datetime")
    if not offset.microseconds and not offset.seconds % 60:
        # whole minutes: isoformat writes exactly this form, in C (without arguments when
        # there is no fraction to drop, which spares it parsing a keyword)
        return value.isoformat() if not value.microsecond else value.isoformat(timespec="seconds")
    total = offset.days * 86400 + offset.seconds
    if total % 60:
        raise ValueError("the UTC offset must be whole minutes")
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total) // 60, 60)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}{sign}{hours:02d}:{minutes:02d}"
    )


def flag(value: bool) -> str:
    """``S`` or ``N`` (SiNoType)."""
    return "S" if value else "N"


__all__ = [
    "AMOUNT_RE",
    "NIF_RE",
    "NUM_SERIE_RE",
    "RATE_RE",
    "amount",
    "fecha",
    "fecha_hora_huso",
    "flag",
    "is_nif_form",
    "parse_decimal",
    "parse_fecha",
    "rate",
]
