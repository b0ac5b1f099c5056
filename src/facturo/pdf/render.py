"""The invoice PDF, laid out with fpdf2.

Page 1 opens with three columns: the supplier (and logo) on the left, the tax QR in the centre,
the document's title, number and dates on the right. Orden HAC/1177/2024 art. 21 wants the QR
at the top of the first page, centred or top-left in portrait, "QR tributario:" above it and,
on VERI*FACTU invoices, the legend directly below it in a font no smaller than the invoice's
text: the legend is set in the body size, bold. The symbol prints at ``QrBlock.size_mm``
(30-40 mm) with the PNG's own quiet zone around it.

Below come the customer, the corrected invoices, the lines (a table whose header row repeats
on every page), the tax breakdown, the totals, payment and notes; every page carries the
watermark (if any) and a "page n of m" footer.

The renderer is pure except for producing bytes: no network, no database, no clock (``now``
is the PDF's creation date); the only files it reads are the system's DejaVu fonts.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from facturo.pdf.fonts import FontFiles, prepared_fonts
from facturo.pdf.labels import Words, words_for
from facturo.pdf.logo import check_image
from facturo.pdf.options import PAGE, PdfOptions, QrBlock
from facturo.pdf.reading import PartyView
from facturo.pdf.view import InvoiceView, build_view
from facturo.verifactu import qr as vf_qr

#: Resolution of the QR raster. At 300 dpi a module is a whole number of pixels close to the
#: requested size for every symbol version a cotejo URL needs.
QR_DPI: Final = 300

BODY_PT: Final = 9.0
SMALL_PT: Final = 8.0
LINE_MM: Final = 4.2
GAP_MM: Final = 5.0
_GREY: Final = (90, 90, 90)
_RULE: Final = (200, 200, 200)
_HEAD_FILL: Final = (238, 241, 245)
_CORE_FAMILY: Final = "helvetica"
_CORE_ENCODING: Final = "windows-1252"


class _Page(FPDF):
    """fpdf2 with our footer and watermark on every page."""

    def __init__(self, *, fmt: str, words: Words, footer_text: str, watermark: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format=fmt)
        self.words = words
        self.footer_text = footer_text
        self.watermark = watermark
        self.family = _CORE_FAMILY
        self.unicode = False
        self.charset: frozenset[int] | None = None

    def text_of(self, value: str) -> str:
        """Text the font can show: what it lacks becomes "?" (core fonts: Windows-1252)."""
        if not self.unicode:
            return value.encode(_CORE_ENCODING, "replace").decode(_CORE_ENCODING)
        if self.charset is None:
            return value
        charset = self.charset
        return "".join(c if ord(c) in charset or c in "\n\t" else "?" for c in value)

    def header(self) -> None:
        if not self.watermark:
            return
        with self.local_context():
            self.set_font(self.family, "B", 60)
            self.set_text_color(225, 225, 225)
            text = self.text_of(self.watermark)
            width = self.get_string_width(text)
            cx, cy = self.w / 2, self.h / 2
            with self.rotation(45, cx, cy):
                self.text(cx - width / 2, cy + 8, text)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", SMALL_PT)
        self.set_text_color(*_GREY)
        page = self.words["page"].format(page=self.page_no(), pages="{nb}")
        line = " · ".join(x for x in (self.footer_text, page) if x)
        self.cell(0, 5, self.text_of(line), align=Align.C)


def render_invoice(
    envelope: Mapping[str, Any],
    *,
    options: PdfOptions,
    qr: QrBlock | None,
    now: datetime,
    fonts: FontFiles | Literal["auto", "core"] = "auto",
) -> bytes:
    """The PDF of a GOBL invoice envelope.

    ``qr`` is the VERI*FACTU block (``None`` prints no QR, e.g. for an invoice outside
    VERI*FACTU); ``now`` (UTC-aware) becomes the PDF's creation date; ``fonts`` is
    ``"auto"`` (DejaVu Sans if the system has it, else Helvetica), ``"core"`` (Helvetica) or
    given files. Raises :class:`~facturo.pdf.errors.NotAnInvoice` for
    another document and :class:`~facturo.pdf.errors.InvalidLogo` for a logo that is no image.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    words = words_for(options.locale)
    view = build_view(
        envelope,
        words=words,
        numbers=options.number_format(words),
        date_format=options.date_format or words.date_format,
        time_format=options.time_format,
        duplicate=options.duplicate,
        label=options.label,
    )
    if options.logo is not None:
        check_image(options.logo)
    fmt, left, right = PAGE[options.layout]
    pdf = _Page(
        fmt=fmt,
        words=words,
        footer_text=" ".join(x for x in (view.title, view.number) if x),
        watermark=options.watermark,
    )
    _setup_fonts(pdf, prepared_fonts() if fonts == "auto" else None if fonts == "core" else fonts)
    pdf.set_margins(left, 12, right)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_creation_date(now)
    pdf.set_title(pdf.text_of(f"{view.title} {view.number}".strip()))
    pdf.set_author(pdf.text_of(view.supplier.name))
    pdf.set_lang(words.language)
    pdf.add_page()

    _top(pdf, view, options, qr)
    _customer(pdf, view)
    _lines(pdf, view, words)
    _taxes(pdf, view, words)
    _totals(pdf, view)
    _paragraphs(pdf, words["payment"], view.payment)
    _paragraphs(pdf, words["notes"], view.notes)
    return bytes(pdf.output())


def _setup_fonts(pdf: _Page, fonts: FontFiles | None) -> None:
    if fonts is None:
        pdf.core_fonts_encoding = _CORE_ENCODING
        pdf.family, pdf.unicode = _CORE_FAMILY, False
    else:
        pdf.add_font(fonts.family, "", str(fonts.regular))
        pdf.add_font(fonts.family, "B", str(fonts.bold))
        pdf.family, pdf.unicode, pdf.charset = fonts.family, True, fonts.charset
    pdf.set_font(pdf.family, "", BODY_PT)


def _write(
    pdf: _Page,
    x: float,
    width: float,
    text: str,
    *,
    size: float,
    bold: bool = False,
    grey: bool = False,
    align: Align = Align.L,
) -> None:
    """A wrapped paragraph at ``x`` that leaves the cursor below it."""
    pdf.set_font(pdf.family, "B" if bold else "", size)
    pdf.set_text_color(*(_GREY if grey else (0, 0, 0)))
    pdf.set_x(x)
    pdf.multi_cell(
        width,
        size * 0.47,
        pdf.text_of(text),
        align=align,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
        wrapmode=WrapMode.WORD,
    )
    pdf.set_text_color(0, 0, 0)


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's IHDR chunk."""
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def _top(pdf: _Page, view: InvoiceView, options: PdfOptions, qr: QrBlock | None) -> None:
    top = pdf.get_y()
    content = pdf.w - pdf.l_margin - pdf.r_margin
    png = vf_qr.png(qr.url, size_mm=qr.size_mm, dpi=QR_DPI) if qr is not None else None
    qr_width = _png_size(png)[0] * 25.4 / QR_DPI if png is not None else 0.0
    side = (content - qr_width - 2 * GAP_MM) / 2 if png is not None else (content - GAP_MM) / 2
    left_x = pdf.l_margin
    right_x = pdf.w - pdf.r_margin - side

    # Left: logo and supplier.
    y = top
    if options.logo is not None:
        height = min(options.logo_height_mm, 30.0)
        pdf.image(io.BytesIO(options.logo), x=left_x, y=y, h=height)
        y += height + 2
    pdf.set_y(y)
    _party(pdf, left_x, side, view.supplier, label=None)
    left_bottom = pdf.get_y()

    # Centre: "QR tributario:", the symbol, the legend directly below it.
    centre_bottom = top
    if png is not None and qr is not None:
        qr_x = left_x + side + GAP_MM
        pdf.set_y(top)
        _write(pdf, qr_x, qr_width, qr.caption, size=BODY_PT, align=Align.C)
        image_y = pdf.get_y()
        pdf.image(io.BytesIO(png), x=qr_x, y=image_y, w=qr_width, h=qr_width)
        pdf.set_y(image_y + qr_width)
        if qr.legend:
            _write(pdf, qr_x, qr_width, qr.legend, size=BODY_PT, bold=True, align=Align.C)
        centre_bottom = pdf.get_y()

    # Right: title, number, dates.
    pdf.set_y(top)
    _write(pdf, right_x, side, view.title, size=15, bold=True, align=Align.R)
    if view.number:
        _write(pdf, right_x, side, view.number, size=11, bold=True, align=Align.R)
    pdf.set_y(pdf.get_y() + 1.5)
    for label, value in view.facts:
        _write(pdf, right_x, side, f"{label}: {value}", size=BODY_PT, align=Align.R)
    right_bottom = pdf.get_y()

    pdf.set_y(max(left_bottom, centre_bottom, right_bottom) + GAP_MM)


def _party(pdf: _Page, x: float, width: float, party: PartyView, *, label: str | None) -> None:
    if label:
        _write(pdf, x, width, label.upper(), size=SMALL_PT, bold=True, grey=True)
    if party.name:
        _write(pdf, x, width, party.name, size=10.5, bold=True)
    if party.tax_id:
        _write(pdf, x, width, f"{pdf.words['tax_id']}: {party.tax_id}", size=BODY_PT)
    for line in party.lines:
        _write(pdf, x, width, line, size=BODY_PT)


def _customer(pdf: _Page, view: InvoiceView) -> None:
    content = pdf.w - pdf.l_margin - pdf.r_margin
    words = pdf.words
    top = pdf.get_y()
    if view.customer is not None:
        _party(pdf, pdf.l_margin, content / 2, view.customer, label=words["customer"])
    left_bottom = pdf.get_y()
    if view.preceding:
        pdf.set_y(top)
        x = pdf.l_margin + content / 2 + GAP_MM
        width = content / 2 - GAP_MM
        heading = words["preceding_many"] if len(view.preceding) > 1 else words["preceding"]
        _write(pdf, x, width, heading.upper(), size=SMALL_PT, bold=True, grey=True)
        for ref in view.preceding:
            _write(pdf, x, width, ref, size=BODY_PT)
    pdf.set_y(max(left_bottom, pdf.get_y()) + GAP_MM)


def _table(
    pdf: _Page,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    aligns: Sequence[str],
    *,
    width: float | None = None,
    align: Align = Align.L,
) -> None:
    pdf.set_font(pdf.family, "", SMALL_PT + 0.5)
    with pdf.table(
        col_widths=tuple(widths),
        text_align=tuple(aligns),
        width=width or pdf.w - pdf.l_margin - pdf.r_margin,
        align=align,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL),
        line_height=LINE_MM,
        padding=(1.2, 1.2),
        repeat_headings=1,
        wrapmode=WrapMode.WORD,
    ) as table:
        table.row([pdf.text_of(h) for h in headings])
        for values in rows:
            table.row([pdf.text_of(v) for v in values])
    pdf.set_y(pdf.get_y() + GAP_MM)


def _lines(pdf: _Page, view: InvoiceView, words: Words) -> None:
    if not view.lines:
        return
    headings = ["#", words["description"], words["quantity"], words["unit_price"]]
    widths = [7.0, 0.0, 20.0, 24.0]
    aligns = ["RIGHT", "LEFT", "RIGHT", "RIGHT"]
    if view.has_discounts:
        headings.append(words["discount"])
        widths.append(28.0)
        aligns.append("RIGHT")
    headings.append(words["line_total"])
    widths.append(26.0)
    aligns.append("RIGHT")
    content = pdf.w - pdf.l_margin - pdf.r_margin
    widths[1] = content - sum(widths)
    rows = []
    for line in view.lines:
        row = [line.index, line.description, line.quantity, line.price]
        if view.has_discounts:
            row.append(line.discount)
        row.append(line.total)
        rows.append(row)
    _table(pdf, headings, rows, widths, aligns)


def _taxes(pdf: _Page, view: InvoiceView, words: Words) -> None:
    if not view.taxes:
        return
    if pdf.will_page_break(4 * LINE_MM + 2 * LINE_MM * len(view.taxes)):
        pdf.add_page()
    _write(
        pdf, pdf.l_margin, 120, words["tax_breakdown"].upper(), size=SMALL_PT, bold=True, grey=True
    )
    headings = [words["tax"], words["base"], words["rate"], words["amount"]]
    widths = [38.0, 30.0, 24.0, 28.0]
    if view.has_surcharge:
        headings += [words["surcharge"], words["amount"]]
        widths += [30.0, 28.0]
    rows = []
    for tax in view.taxes:
        row = [tax.tax, tax.base, tax.rate, tax.amount]
        if view.has_surcharge:
            row += [tax.surcharge_rate, tax.surcharge_amount]
        rows.append(row)
    aligns = ["LEFT"] + ["RIGHT"] * (len(headings) - 1)
    _table(pdf, headings, rows, widths, aligns, width=sum(widths))
    if view.exemptions:
        pdf.set_y(pdf.get_y() - GAP_MM + 1)
        content = pdf.w - pdf.l_margin - pdf.r_margin
        for reason in view.exemptions:
            _write(pdf, pdf.l_margin, content, f"{words['exemption']}: {reason}", size=SMALL_PT)
        pdf.set_y(pdf.get_y() + GAP_MM)


def _totals(pdf: _Page, view: InvoiceView) -> None:
    if not view.totals:
        return
    width = 95.0
    if pdf.will_page_break(LINE_MM * 1.3 * len(view.totals) + 4):
        pdf.add_page()
    x = pdf.w - pdf.r_margin - width
    for label, value, strong in view.totals:
        size = 10.0 if strong else BODY_PT
        pdf.set_font(pdf.family, "B" if strong else "", size)
        if strong:
            pdf.set_draw_color(*_RULE)
            pdf.line(x, pdf.get_y(), x + width, pdf.get_y())
        pdf.set_x(x)
        pdf.cell(width * 0.6, LINE_MM * 1.3, pdf.text_of(label))
        pdf.cell(
            width * 0.4,
            LINE_MM * 1.3,
            pdf.text_of(value),
            align=Align.R,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.set_y(pdf.get_y() + GAP_MM)


def _paragraphs(pdf: _Page, heading: str, items: Sequence[str]) -> None:
    if not items:
        return
    content = pdf.w - pdf.l_margin - pdf.r_margin
    if pdf.will_page_break(3 * LINE_MM):
        pdf.add_page()
    _write(pdf, pdf.l_margin, content, heading.upper(), size=SMALL_PT, bold=True, grey=True)
    for item in items:
        _write(pdf, pdf.l_margin, content, item, size=BODY_PT)
    pdf.set_y(pdf.get_y() + GAP_MM)


__all__ = ["QR_DPI", "render_invoice"]
