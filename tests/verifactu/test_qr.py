"""QR URL per AEAT's QR document and the Orden's image rules; images decode back."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from facturo.verifactu import qr
from facturo.verifactu import records as r

from .conftest import load_json

EXAMPLES: dict[str, Any] = load_json("qr-examples.json")
ENVIRONMENTS = {
    "test_verifactu": (qr.Environment.TEST, True),
    "prod_verifactu": (qr.Environment.PRODUCTION, True),
    "test_no_verifactu": (qr.Environment.TEST, False),
    "prod_no_verifactu": (qr.Environment.PRODUCTION, False),
}


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_base_urls(name: str) -> None:
    environment, verifactu = ENVIRONMENTS[name]
    assert qr.base_url(environment, verifactu=verifactu) == EXAMPLES["base_urls"][name]


@pytest.mark.parametrize("example", EXAMPLES["examples"], ids=lambda e: e["id"])
def test_examples(example: dict[str, Any]) -> None:
    environment, verifactu = ENVIRONMENTS[example["environment"]]
    p = example["params"]
    url = qr.url(
        p["nif"],
        p["numserie"],
        p["fecha"],
        p["importe"],
        environment=environment,
        verifactu=verifactu,
    )
    assert url == example["expected_url"]


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("12345678&G33", "12345678%26G33"),
        ("A/B 1", "A%2FB+1"),
        ("a.b-c*d_e", "a.b-c*d_e"),
        ("x~y", "x%7Ey"),
        ("ñ", "%C3%B1"),
        ("a=b?c", "a%3Db%3Fc"),
    ],
)
def test_encoding_matches_java_urlencoder(value: str, encoded: str) -> None:
    assert qr.encode(value) == encoded


def test_url_for_uses_the_record_strings(make_alta: Callable[..., r.RegistroAlta]) -> None:
    alta = make_alta(
        id_factura=r.IDFactura("89890001K", "12345678&G33", date(2024, 1, 1)),
        importe_total=Decimal("241.4"),
    )
    assert qr.url_for(alta, environment=qr.Environment.TEST) == (
        "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR"
        "?nif=89890001K&numserie=12345678%26G33&fecha=01-01-2024&importe=241.40"
    )


def decode(png: bytes) -> zxingcpp.Result:
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result


LONG = qr.url("89890001K", "A" * 60, "31-12-2025", "-999999999999.99")


@pytest.mark.parametrize("data", ["https://x.es/?a=1", LONG])
@pytest.mark.parametrize("size_mm", [30.0, 35.0, 40.0])
def test_png_decodes_and_prints_inside_the_orden_bounds(data: str, size_mm: float) -> None:
    png = qr.png(data, size_mm=size_mm, dpi=300)
    result = decode(png)
    assert result.text == data
    assert result.ec_level == "M"
    image = Image.open(io.BytesIO(png))
    dpi = image.info["dpi"][0]
    width_mm = (result.position.top_right.x - result.position.top_left.x) / dpi * 25.4
    assert qr.MIN_SIZE_MM - 1 <= width_mm <= qr.MAX_SIZE_MM  # finder centres: ~1 module less
    quiet_px = result.position.top_left.x  # left edge to the finder's centre
    assert quiet_px / dpi * 25.4 >= qr.MIN_QUIET_ZONE_MM


def test_svg_is_sized_in_millimetres() -> None:
    svg = qr.svg(LONG, size_mm=35).decode()
    width = float(re.search(r'width="([0-9.]+)mm"', svg).group(1))  # type: ignore[union-attr]
    assert 35 + 2 * qr.MIN_QUIET_ZONE_MM <= width <= 35 + 2 * qr.MIN_QUIET_ZONE_MM + 2
    assert 'class="segno"' in svg


@pytest.mark.parametrize("size_mm", [29.9, 40.1])
def test_sizes_outside_the_orden_are_refused(size_mm: float) -> None:
    with pytest.raises(ValueError, match="between"):
        qr.png("x", size_mm=size_mm)
    with pytest.raises(ValueError, match="between"):
        qr.svg("x", size_mm=size_mm)


def test_legend_texts() -> None:
    assert qr.LEGEND == "VERI*FACTU"
    assert qr.CAPTION == "QR tributario:"
