"""Invoice PDFs from GOBL envelopes, with the VERI*FACTU tax QR (Orden HAC/1177/2024 art. 21).

Pure except for producing bytes: no network, no database, no settings; fonts are the one thing
read from disk (:mod:`facturo.pdf.fonts`). The ``pdf`` step provider
(``facturo.transform.steps.pdf_render``) supplies the entry, the options and the clock.
"""

from facturo.pdf.errors import InvalidLogo, NotAnInvoice
from facturo.pdf.logo import load_logo
from facturo.pdf.options import Layout, PdfOptions, QrBlock
from facturo.pdf.render import render_invoice

__all__ = [
    "InvalidLogo",
    "Layout",
    "NotAnInvoice",
    "PdfOptions",
    "QrBlock",
    "load_logo",
    "render_invoice",
]
