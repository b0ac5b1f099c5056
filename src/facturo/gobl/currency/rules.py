"""Port of gobl currency/exchange_rate.go rules (7a4ad62).

Codes, paths and messages are those of ``data/rules/currency.json``; registered by type for
:func:`facturo.gobl.rules.walk.check_types`, so every exchange rate of a document is checked.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.currency import is_defined
from facturo.gobl.num import Amount
from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext


def can_convert_to(doc: dict[str, Any], target: str) -> bool:
    """gobl ``currency.CanConvertTo``: already in ``target``, or a rate from its currency to it.

    Tax agencies take amounts in their own currency, so addons ask for the rate they will need.
    """
    cur = doc.get("currency")
    if not cur or cur == target:
        return True
    rates = doc.get("exchange_rates") or ()
    return any(r.get("from") == cur and r.get("to") == target for r in rates)


def _check_code(f: Faults, obj: dict[str, Any], field: str, path: str) -> None:
    code = obj.get(field)
    if code and not is_defined(code):
        f.add("GOBL-CURRENCY-CODE-01", f"{path}.{field}", "currency code must be defined in GOBL")


def check_document_currency(f: Faults, doc: dict[str, Any], path: str, ctx: RuleContext) -> None:
    code = doc.get("currency")  # every item of every line: the test is written out here
    if code and not is_defined(code):
        f.add("GOBL-CURRENCY-CODE-01", f"{path}.currency", "currency code must be defined in GOBL")


def check_exchange_rate(f: Faults, rate: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not rate.get("from"):
        f.add("GOBL-CURRENCY-EXCHANGERATE-01", f"{path}.from", "from currency is required")
    else:
        _check_code(f, rate, "from", path)
    if not rate.get("to"):
        f.add("GOBL-CURRENCY-EXCHANGERATE-02", f"{path}.to", "to currency is required")
    else:
        _check_code(f, rate, "to", path)
    amount: Amount | None = rate.get("amount")
    if amount is not None and amount.is_negative():
        f.add("GOBL-CURRENCY-EXCHANGERATE-04", f"{path}.amount", "amount must be positive")


TYPE_CHECKS: Final = {
    "currency.ExchangeRate": check_exchange_rate,
    # the document currency; items and records name theirs too
    "bill.Invoice": check_document_currency,
    "bill.Order": check_document_currency,
    "bill.Delivery": check_document_currency,
    "bill.Payment": check_document_currency,
    "org.Item": check_document_currency,
    "pay.Record": check_document_currency,
}
