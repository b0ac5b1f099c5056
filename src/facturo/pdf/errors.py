"""What can go wrong turning an envelope into a PDF::

Invalid (facturo.errors)
├── NotAnInvoice   the envelope holds no bill/invoice document
└── InvalidLogo    the logo is not a data: URI or allowed file, or not an image
"""

from __future__ import annotations

from facturo.errors import Invalid


class NotAnInvoice(Invalid):
    """Only GOBL invoices (bill/invoice) can be rendered as an invoice PDF."""


class InvalidLogo(Invalid):
    """Give the logo as a base64 `data:image/png|jpeg;…` URI, or a file the caller allows."""


__all__ = ["InvalidLogo", "NotAnInvoice"]
