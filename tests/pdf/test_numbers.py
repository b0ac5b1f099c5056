"""Amounts keep GOBL's digits: only separators and the currency symbol are added."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from facturo.pdf import InvalidLogo, PdfOptions, load_logo
from facturo.pdf.labels import ENGLISH, SPANISH, words_for
from facturo.pdf.numbers import NumberFormat, currency_symbol

ES = SPANISH.numbers
EN = ENGLISH.numbers


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        (ES, "1970.20", "1.970,20"),
        (ES, "0.00", "0,00"),
        (ES, "-243.00", "-243,00"),
        (ES, "-0.00", "0,00"),
        (ES, "1234567.891", "1.234.567,891"),
        (ES, "20", "20"),
        (ES, "999", "999"),
        (ES, "1000", "1.000"),
        (ES, "007.5", "7,5"),
        (EN, "1970.20", "1,970.20"),
        (EN, "12345678901234567890.12", "12,345,678,901,234,567,890.12"),
        (EN, "not a number", "not a number"),
        (NumberFormat(".", "", "%n", "-%n"), "1234.5", "1234.5"),
    ],
)
def test_number(fmt: NumberFormat, text: str, expected: str) -> None:
    assert fmt.number(text) == expected


@pytest.mark.parametrize(
    ("fmt", "text", "symbol", "expected"),
    [
        (ES, "1970.20", "€", "1.970,20 €"),
        (ES, "-243.00", "€", "-243,00 €"),
        (ES, "-0.00", "€", "0,00 €"),
        (EN, "1970.20", "€", "€1,970.20"),
        (EN, "-243.00", "$", "-$243.00"),
        (NumberFormat(",", ".", "%n %u", "(%n %u)"), "-5.10", "€", "(5,10 €)"),
        (NumberFormat(",", ".", "%u %n", "%u -%n"), "0.10", "CHF", "CHF 0,10"),
    ],
)
def test_money(fmt: NumberFormat, text: str, symbol: str, expected: str) -> None:
    assert fmt.money(text, symbol) == expected


def test_money_never_goes_through_float() -> None:
    # 0.1 + 0.2 style precision and 20-digit amounts stay exact
    assert ES.money("0.30", "€") == "0,30 €"
    assert EN.money("99999999999999999.99", "$") == "$99,999,999,999,999,999.99"


def test_percentages_keep_their_precision() -> None:
    assert ES.percent("21.0%") == "21,0%"
    assert ES.percent("5.2%") == "5,2%"
    assert EN.percent("0%") == "0%"


def test_currency_symbols_come_from_gobl_data() -> None:
    assert currency_symbol("EUR") == "€"
    assert currency_symbol("USD") == "$"
    assert currency_symbol("XYZ") == "XYZ"


def test_options_override_the_locale_format() -> None:
    fmt = PdfOptions(decimal_mark=".", thousands_separator="'", currency_template="%u%n")
    out = fmt.number_format(SPANISH)
    assert out.money("1234.50", "€") == "€1'234.50"
    assert out.money("-1234.50", "€") == "-€1'234.50"
    assert PdfOptions().number_format(SPANISH) == SPANISH.numbers


@pytest.mark.parametrize(
    ("locale", "language"),
    [("es", "es"), ("es-ES", "es"), ("ES_es", "es"), ("en", "en"), ("de", "en"), ("", "en")],
)
def test_locale_picks_the_language_table(locale: str, language: str) -> None:
    assert words_for(locale).language == language


def test_every_locale_has_every_label() -> None:
    assert set(SPANISH.text) == set(ENGLISH.text)
    assert set(SPANISH.exemptions) == set(ENGLISH.exemptions)


def test_logo_from_data_uri_or_allowed_file(tmp_path: Path) -> None:
    import base64

    assert load_logo("data:image/png;base64," + base64.b64encode(PNG).decode()) == PNG
    (tmp_path / "logo.png").write_bytes(PNG)
    assert load_logo("logo.png", allowed_dir=tmp_path) == PNG


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("https://example.com/logo.png", "pdf-logo-url"),
        ("/etc/hostname", "pdf-logo-url"),
        ("data:image/png;base64,@@@", "pdf-logo-url"),
        ("data:image/png;base64", "pdf-logo-url"),
        ("data:text/plain,hello", "pdf-logo-type"),
        ("data:image/png;base64,iVBORw0KGgoAAAAAAAA=", "pdf-logo-type"),  # header only
    ],
)
def test_logo_sources_that_are_refused(source: str, code: str) -> None:
    with pytest.raises(InvalidLogo) as caught:
        load_logo(source, path="$.config.logo_url")
    assert [(f.code, f.paths) for f in caught.value.faults] == [(code, ("$.config.logo_url",))]


def test_logo_file_outside_the_allowed_directory_is_refused(tmp_path: Path) -> None:
    inside = tmp_path / "logos"
    inside.mkdir()
    (tmp_path / "secret.png").write_bytes(PNG)
    with pytest.raises(InvalidLogo):
        load_logo("../secret.png", allowed_dir=inside)


def test_renderer_imports_no_database_web_or_platform() -> None:
    forbidden = ("sqlalchemy", "fastapi", "starlette", "httpx")
    program = (
        "import sys, facturo.pdf, facturo.pdf.render\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r} "
        "or m.startswith('facturo.platform') or m.startswith('facturo.silo')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
