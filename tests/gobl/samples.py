"""A valid ES es-verifactu-v1 invoice that the gobl tests change one member at a time."""

from __future__ import annotations

from typing import Any
from uuid import UUID

U = UUID("0190f3a0-0000-7000-8000-000000000000")


def verifactu_invoice() -> dict[str, Any]:
    return {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$regime": "ES",
        "$addons": ["es-verifactu-v1"],
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
