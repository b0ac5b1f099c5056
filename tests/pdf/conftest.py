"""Reading rendered PDFs back: text per page, image placements, and the decoded QR.

Everything here reads the PDF the way a person or a scanner would: pypdfium2 extracts the text
and rasterises the page, zxing-cpp decodes the QR from the pixels, and the QR's printed size is
measured both from the image placement in the page and from the decoded symbol's corners.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import zxingcpp

from facturo import gobl

EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "gobl" / "examples"
ES_OUT = EXAMPLES / "es" / "out"
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
MM_PER_PT = 25.4 / 72
RASTER_SCALE = 300 / 72  # 300 dpi


@dataclass(frozen=True)
class Placement:
    """An image drawn on a page: its box in mm from the bottom-left corner."""

    left: float
    bottom: float
    right: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom


@dataclass(frozen=True)
class DecodedQr:
    text: str
    side_mm: float  # the symbol's printed side, quiet zone excluded
    page: int


class ReadPdf:
    """A rendered PDF opened with pypdfium2."""

    def __init__(self, data: bytes) -> None:
        assert data.startswith(b"%PDF-")
        self.data = data
        self.doc = pdfium.PdfDocument(data)

    @property
    def pages(self) -> int:
        return len(self.doc)

    def text(self, page: int | None = None) -> str:
        numbers = range(self.pages) if page is None else (page,)
        return "\n".join(self.doc[n].get_textpage().get_text_range() for n in numbers)

    def flat_text(self) -> str:
        """All text with line breaks as spaces (table cells wrap)."""
        return " ".join(self.text().split())

    def size_mm(self, page: int = 0) -> tuple[float, float]:
        width, height = self.doc[page].get_size()
        return width * MM_PER_PT, height * MM_PER_PT

    def images(self, page: int = 0) -> list[Placement]:
        found = self.doc[page].get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))
        return [Placement(*(v * MM_PER_PT for v in obj.get_bounds())) for obj in found]

    def qr_codes(self) -> list[DecodedQr]:
        out = []
        for n in range(self.pages):
            image = self.doc[n].render(scale=RASTER_SCALE).to_pil()
            for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
                pos = result.position
                side_px = max(pos.top_right.x - pos.top_left.x, pos.bottom_left.y - pos.top_left.y)
                out.append(DecodedQr(result.text, side_px / RASTER_SCALE * MM_PER_PT, n))
        return out


class Examples:
    """gobl's ES examples as envelopes, as they are or changed and built again."""

    now = NOW

    @staticmethod
    def load(name: str) -> dict[str, Any]:
        """A golden ES envelope (calculated, as the Silo stores it)."""
        data: dict[str, Any] = json.loads((ES_OUT / name).read_text("utf-8"))
        return data

    @staticmethod
    def build(doc: dict[str, Any]) -> dict[str, Any]:
        """An envelope built from a document with facturo.gobl (calculated and validated)."""
        return gobl.build(doc, uuid_factory=uuid.uuid4, now=NOW).to_json()

    def variant(self, name: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """An example's document changed by ``change`` and built again."""
        doc = copy.deepcopy(self.load(name)["doc"])
        doc.pop("totals", None)
        change(doc)
        return self.build(doc)


@pytest.fixture
def read_pdf() -> Callable[[bytes], ReadPdf]:
    return ReadPdf


@pytest.fixture
def examples() -> Examples:
    return Examples()
