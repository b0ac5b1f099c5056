"""Port of gobl pay/terms.go, pay/instructions.go, pay/online.go, pay/record.go rules (7a4ad62).

Codes, paths and messages are those of ``data/rules/pay.json``. They apply to every value of
these types wherever it appears (an invoice's ``payment``, a payment's ``methods``, an order's
terms), so they are registered by type for :func:`facturo.gobl.rules.walk.check_types`.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlparse

from facturo.gobl.num import Amount
from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext

TERM_KEYS: Final = frozenset(
    [
        "end-of-month",
        "due-date",
        "deferred",
        "proximo",
        "instant",
        "elective",
        "pending",
        "advanced",
        "delivery",
        "undefined",
    ]
)
# pay.MethodKey definitions; a key may extend one with ``+`` (``credit-transfer+sepa``).
METHOD_KEYS: Final = (
    "any",
    "card",
    "card+credit",
    "card+debit",
    "credit-transfer",
    "credit-transfer+sepa",
    "debit-transfer",
    "cash",
    "cheque",
    "bank-draft",
    "direct-debit",
    "direct-debit+sepa",
    "online",
    "promissory-note",
    "netting",
    "other",
)


def is_method_key(key: str) -> bool:
    """gobl ``HasValidKeyIn``: the key is a defined one or one of them extended with ``+``."""
    return any(key == k or key.startswith(k + "+") for k in METHOD_KEYS)


def is_url(text: str) -> bool:
    """An absolute URL with a scheme and a host, as gobl's ``url`` test asks."""
    try:
        u = urlparse(text)
    except ValueError:
        return False
    return bool(u.scheme) and bool(u.netloc) and " " not in text


def check_terms(f: Faults, terms: dict[str, Any], path: str, ctx: RuleContext) -> None:
    key = terms.get("key")
    if key and key not in TERM_KEYS:
        f.add("GOBL-PAY-TERMS-01", f"{path}.key", "key must be valid")


def check_due_date(f: Faults, due: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not due.get("date"):
        f.add("GOBL-PAY-DUEDATE-01", f"{path}.date", "date is required")
    amount: Amount | None = due.get("amount")
    if amount is None or amount.is_zero():
        # a non-pointer amount in gobl: missing reads as zero
        f.add("GOBL-PAY-DUEDATE-02", f"{path}.amount", "amount must not be zero")


def check_instructions(f: Faults, instr: dict[str, Any], path: str, ctx: RuleContext) -> None:
    key = instr.get("key")
    if not key:
        f.add("GOBL-PAY-INSTRUCTIONS-01", f"{path}.key", "key is required")
    elif not is_method_key(key):
        f.add("GOBL-PAY-INSTRUCTIONS-02", f"{path}.key", "key must be valid")


def check_online(f: Faults, online: dict[str, Any], path: str, ctx: RuleContext) -> None:
    url = online.get("url")
    if not url or not is_url(url):
        f.add("GOBL-PAY-ONLINE-01", f"{path}.url", "URL is required and must be valid")


def check_record(f: Faults, record: dict[str, Any], path: str, ctx: RuleContext) -> None:
    key = record.get("key")
    if key and not is_method_key(key):
        f.add("GOBL-PAY-RECORD-01", f"{path}.key", "key must be valid")


TYPE_CHECKS: Final = {
    "pay.Terms": check_terms,
    "pay.DueDate": check_due_date,
    "pay.Instructions": check_instructions,
    "pay.Online": check_online,
    "pay.Record": check_record,
}
