"""Port of gobl bill/payment.go and bill/payment_line.go (7a4ad62): payment calculation.

A payment lists the documents it settles. Calculating it resolves the regime from the supplier,
moves the legacy single ``method`` into ``methods``, defaults the currency from the regime,
numbers the lines, calculates each referenced document's tax summary, and totals the line
amounts (refund lines subtract). A single method given without an amount takes the total, so a
plain receipt needs no repeated figures.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.bill.calculator import document_currency, rounding_for
from facturo.gobl.bill.invoice import resolve_addons, resolve_regime
from facturo.gobl.bill.normalize import normalize_party
from facturo.gobl.codes import normalize_document_codes
from facturo.gobl.errors import calculation
from facturo.gobl.num import Amount
from facturo.gobl.tax.rounding_rules import Rounding
from facturo.gobl.tax.totals_calculator import round_total, sum_total

DEFAULT_TYPE: Final = "receipt"
_LEGACY_METHOD_FIELDS: Final = ("key", "ref", "ext")


def _migrate(doc: dict[str, Any]) -> None:
    """Older payments carried one ``method``; it becomes the only entry of ``methods``."""
    method = doc.pop("method", None)
    if isinstance(method, dict) and not doc.get("methods"):
        doc["methods"] = [{k: method[k] for k in _LEGACY_METHOD_FIELDS if method.get(k)}]


def calculate_tax_total(total: dict[str, Any] | None, rr: Rounding) -> None:
    """gobl ``tax.Total.Calculate``: rate, category and sum amounts from given bases."""
    if not total:
        return
    for ct in total.setdefault("categories", []):
        ct.setdefault("rates", [])
    sum_total(total, rr)
    # Rounded once at the end, half away from zero, to the currency's subunits.
    round_total(total, rr.subunits)


def _document_payable(
    line: dict[str, Any], index: int, cur: str, rates: list[dict[str, Any]]
) -> None:
    """gobl ``PaymentLine.calculate``: the paid document's payable, in the payment currency.

    A document in another currency needs the rate to the payment's currency, as its amounts
    are restated in it.
    """
    doc = line.get("document")
    if not doc:
        return
    rate: Amount | None = None
    dc = doc.get("currency")
    if dc and dc != cur:
        er = next((r for r in rates if r.get("from") == dc and r.get("to") == cur), None)
        if er is None or er.get("amount") is None:
            raise calculation(
                f"lines: {index}: document: currency: missing exchange rate from {dc} to {cur}"
            )
        rate = er["amount"]
    payable: Amount | None = doc.get("payable")
    if payable is not None:
        line["payable"] = payable if rate is None else payable.multiply(rate)


def _calculate_line(
    line: dict[str, Any], index: int, rr: Rounding, cur: str, rates: list[dict[str, Any]]
) -> Amount:
    line["i"] = index
    calculate_tax_total((line.get("document") or {}).get("tax"), rr)
    calculate_tax_total(line.get("tax"), rr)
    _document_payable(line, index - 1, cur, rates)
    amount: Amount = line.get("amount") or rr.zero
    amount = amount.match_precision(rr.zero)
    line["amount"] = amount
    payable: Amount | None = line.get("payable")
    if payable is not None:
        # what is left to pay on the document after earlier advances and this payment
        due = payable
        advances: Amount | None = line.get("advances")
        if advances is not None:
            due = due.subtract(advances)
        line["due"] = due.subtract(amount)
    return amount.negate() if line.get("refund") else amount


def calculate_payment(doc: dict[str, Any]) -> None:
    """Normalize and calculate a payment in place (gobl ``Payment.Calculate``)."""
    reg = resolve_regime(doc)
    resolve_addons(doc)
    _migrate(doc)
    if not doc.get("type"):
        doc["type"] = DEFAULT_TYPE
    normalize_document_codes(doc)  # its series and code, and every other code in it
    for who in ("supplier", "customer", "payee"):
        normalize_party(doc.get(who))
    cur, sub = document_currency(
        doc, doc.get("currency") or "", reg, "currency: required, unable to determine"
    )
    rr = rounding_for(doc, reg, sub)
    total = rr.zero
    rates = list(doc.get("exchange_rates") or ())
    for i, line in enumerate(doc.get("lines") or ()):
        a = _calculate_line(line, i + 1, rr, cur, rates)
        total = total.match_precision(a).add(a)
    doc["total"] = total
    methods = doc.get("methods") or []
    if len(methods) == 1 and (methods[0].get("amount") is None or methods[0]["amount"].is_zero()):
        methods[0]["amount"] = total
