"""Valid ES invoices (plain, or with add-ons) that the gobl tests change one member at a time."""

from __future__ import annotations

from typing import Any
from uuid import UUID

U = UUID("0190f3a0-0000-7000-8000-000000000000")


def invoice(*addons: str) -> dict[str, Any]:
    """A valid one-line ES invoice with ``addons``, its regime left for the supplier to give."""
    doc: dict[str, Any] = {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$addons": list(addons),
        "uuid": str(U),
        "series": "A",
        "code": "1",
        "issue_date": "2024-12-04",
        "currency": "EUR",
        "supplier": {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}},
        "customer": {"name": "Sample", "tax_id": {"country": "ES", "code": "54387763P"}},
        "lines": [
            {
                "quantity": "2",
                "item": {"name": "Thing", "price": "10.00"},
                "taxes": [{"cat": "VAT", "rate": "standard"}],
            }
        ],
    }
    if not addons:
        del doc["$addons"]
    return doc


def verifactu_invoice() -> dict[str, Any]:
    """:func:`invoice` with es-verifactu-v1 and its ``$regime`` given, after its ``$schema``."""
    schema, *rest = invoice("es-verifactu-v1").items()
    return dict([schema, ("$regime", "ES"), *rest])
