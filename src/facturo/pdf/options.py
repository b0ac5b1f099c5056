"""What the caller decides about a PDF: locale, page, formats, marks, logo, and the QR block.

The names follow the ``pdf`` action's config keys (spec invopop-api.md §5.1); the step provider
fills these from its config and the ``pdf-*`` job args, which win (§5.3). Empty strings mean
"the locale's default", as the Console writes them (``"currency_template": ""``).

The logo arrives as bytes: the renderer reads no URL. The caller turns a ``data:`` URI (or a
file it trusts) into bytes with :func:`facturo.pdf.logo.load_logo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from facturo.pdf.labels import Words
from facturo.pdf.numbers import NumberFormat
from facturo.verifactu import qr as vf_qr


class Layout(StrEnum):
    """Paper sizes the ``layout`` key names."""

    A4 = "A4"  # ISO 216, 210 × 297 mm
    LETTER = "Letter"  # US Letter, 8.5 × 11 in
    DIN5008 = "DIN5008"  # German business letter: printed on A4 with this layout's margins


#: Page format (fpdf2 name) and side margins in mm for each layout. DIN5008 prints on A4 with
#: the standard's 25 mm left and 20 mm right margins; its address window is not drawn.
PAGE: Final = {
    Layout.A4: ("A4", 15.0, 15.0),
    Layout.LETTER: ("Letter", 15.0, 15.0),
    Layout.DIN5008: ("A4", 25.0, 20.0),
}

#: Pixels per inch the ``logo_height`` key is read at (CSS pixels, as the Console shows it).
LOGO_DPI: Final = 96.0


@dataclass(frozen=True, slots=True)
class PdfOptions:
    """Presentation choices; every field has the default a template without the key gets."""

    locale: str = "es"
    layout: Layout = Layout.A4
    date_format: str = ""
    time_format: str = ""
    label: str = ""
    watermark: str = ""
    duplicate: bool = False
    logo: bytes | None = None
    logo_height: int = 40
    hide_promo: bool = False  # Facturo prints no promotion; accepted for template compatibility
    currency_template: str = ""
    negative_template: str = ""
    thousands_separator: str = ""
    decimal_mark: str = ""

    def number_format(self, words: Words) -> NumberFormat:
        """The locale's number format with the configured overrides applied."""
        base = words.numbers
        template = self.currency_template or base.template
        negative = self.negative_template or (
            "-" + self.currency_template if self.currency_template else base.negative_template
        )
        return NumberFormat(
            decimal_mark=self.decimal_mark or base.decimal_mark,
            thousands_separator=self.thousands_separator or base.thousands_separator,
            template=template,
            negative_template=negative,
        )

    @property
    def logo_height_mm(self) -> float:
        return self.logo_height * 25.4 / LOGO_DPI


@dataclass(frozen=True, slots=True)
class QrBlock:
    """The tax QR printed on page 1 (Orden HAC/1177/2024 arts. 20-21, spec verifactu.md §11).

    ``caption`` goes above the code and ``legend`` directly below it; a NO VERI*FACTU invoice
    has no legend (``legend=None``). ``size_mm`` is the printed side of the symbol, quiet zone
    excluded, and must lie within the Orden's 30-40 mm.
    """

    url: str
    caption: str = vf_qr.CAPTION
    legend: str | None = vf_qr.LEGEND
    size_mm: float = vf_qr.DEFAULT_SIZE_MM

    def __post_init__(self) -> None:
        if not vf_qr.MIN_SIZE_MM <= self.size_mm <= vf_qr.MAX_SIZE_MM:
            raise ValueError(
                f"the QR must print between {vf_qr.MIN_SIZE_MM} and {vf_qr.MAX_SIZE_MM} mm"
            )
        if not self.url:
            raise ValueError("the QR needs a URL")


__all__ = ["LOGO_DPI", "PAGE", "Layout", "PdfOptions", "QrBlock"]
