"""Port of gobl's document dispatch (``schema.Calculable`` in gobl.go/envelope.go, 7a4ad62).

Each document type knows how to calculate itself; this maps a ``$schema`` to that code. Types
without calculation here (notes, statuses without totals) pass through unchanged apart from the
shared normalizers, which is what gobl does for types with no ``Calculate`` method.
"""

from __future__ import annotations

from typing import Any

from facturo.gobl.bill.invoice import calculate_bill, calculate_invoice, resolve_regime
from facturo.gobl.bill.normalize import normalize_party, normalize_tax_identity
from facturo.gobl.bill.payment import calculate_payment
from facturo.gobl.codes import normalize_document_codes
from facturo.gobl.schema.registry import GOBL_BASE


def calculate_typed(doc: dict[str, Any]) -> None:
    """Calculate a decoded document in place according to its ``$schema``."""
    schema = str(doc.get("$schema", ""))[len(GOBL_BASE) :]
    if schema == "bill/invoice":
        calculate_invoice(doc)
    elif schema in ("bill/order", "bill/delivery"):
        calculate_bill(doc, schema)
    elif schema == "bill/payment":
        calculate_payment(doc)
    elif schema == "org/party":
        normalize_party(doc)
    elif schema == "tax/identity":
        normalize_tax_identity(doc)
    elif schema == "bill/status":
        _calculate_status(doc)


def _calculate_status(doc: dict[str, Any]) -> None:
    """gobl bill/status.go: codes normalized, regime from the supplier, 1-based line ``index``."""
    normalize_document_codes(doc)
    resolve_regime(doc)
    normalize_party(doc.get("supplier"))
    normalize_party(doc.get("customer"))
    for i, line in enumerate(doc.get("lines") or ()):
        line["index"] = i + 1
