"""GOBL documents: a pure Python port of invopop/gobl (calculate, validate, envelope)."""

from facturo.gobl.bill.correction_schema import correction_options_schema
from facturo.gobl.bill.invoice_correct import correct, corrected_document
from facturo.gobl.envelope import Envelope, calculate_document, wrap
from facturo.gobl.errors import ErrorKey, GoblError
from facturo.gobl.num import Amount, Percentage
from facturo.gobl.parse import parse
from facturo.gobl.validate import validate

build = wrap
calculate = calculate_document

__all__ = [
    "Amount",
    "Envelope",
    "ErrorKey",
    "GoblError",
    "Percentage",
    "build",
    "calculate",
    "correct",
    "corrected_document",
    "correction_options_schema",
    "parse",
    "validate",
]
