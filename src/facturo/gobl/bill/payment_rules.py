"""Port of gobl bill/payment.go and bill/payment_line.go rules (7a4ad62).

A payment (request, advice or receipt) needs its type, date, currency, supplier, lines and at
least one method with a key, and the methods must add up to the total. Each line's figures are
checked against each other: what was paid in advance cannot exceed what was payable, nor can
this payment exceed what was left. Codes, paths and messages are those of
``data/rules/bill.json``.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.num import Amount
from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext

PAYMENT_TYPES: Final = frozenset(["request", "advice", "receipt"])


def check_payment(f: Faults, pay: dict[str, Any], path: str, ctx: RuleContext) -> None:
    typ = pay.get("type")
    if not typ:
        f.add("GOBL-BILL-PAYMENT-01", f"{path}.type", "payment type is required")
    elif typ not in PAYMENT_TYPES:
        f.add("GOBL-BILL-PAYMENT-02", f"{path}.type", "payment type is not valid")
    methods = pay.get("methods") or []
    if not methods:
        f.add("GOBL-BILL-PAYMENT-03", f"{path}.methods", "at least one payment method is required")
    for i, m in enumerate(methods):
        if not m.get("key"):
            f.add(
                "GOBL-BILL-PAYMENT-09",
                f"{path}.methods[{i}].key",
                "payment method key is required",
            )
    if not pay.get("issue_date"):
        f.add("GOBL-BILL-PAYMENT-04", f"{path}.issue_date", "payment issue date is required")
    if not pay.get("currency"):
        f.add("GOBL-BILL-PAYMENT-05", f"{path}.currency", "payment currency is required")
    if not pay.get("supplier"):
        f.add("GOBL-BILL-PAYMENT-06", f"{path}.supplier", "payment supplier is required")
    if not pay.get("lines"):
        f.add("GOBL-BILL-PAYMENT-07", f"{path}.lines", "payment lines are required")
    total: Amount | None = pay.get("total")
    if methods and total is not None and _methods_sum(pay, methods).compare(total) != 0:
        f.add("GOBL-BILL-PAYMENT-08", path, "methods sum must match total")


def _methods_sum(pay: dict[str, Any], methods: list[dict[str, Any]]) -> Amount:
    """Method amounts in the payment's currency (a missing amount counts as zero)."""
    cur = pay.get("currency")
    rates = pay.get("exchange_rates") or ()
    paid = Amount(0, 0)
    for m in methods:
        a: Amount | None = m.get("amount")
        if a is None:
            continue
        mcur = m.get("currency")
        if mcur and cur and mcur != cur:
            rate = next((r for r in rates if r.get("from") == mcur and r.get("to") == cur), None)
            if rate is not None and rate.get("amount") is not None:
                a = a.multiply(rate["amount"])
        paid = paid.match_precision(a).add(a)
    return paid


def _negative(a: Amount | None) -> bool:
    return a is not None and a.is_negative()


def check_payment_line(f: Faults, line: dict[str, Any], path: str, ctx: RuleContext) -> None:
    payable: Amount | None = line.get("payable")
    advances: Amount | None = line.get("advances")
    amount: Amount | None = line.get("amount")
    if payable is not None and advances is not None and advances.compare(payable) > 0:
        f.add("GOBL-BILL-PAYMENTLINE-11", path, "advances must not exceed payable")
    if payable is not None and amount is not None:
        limit = payable if advances is None else payable.subtract(advances)
        # advances above the payable are rule 11's fault; when they cover it exactly, any
        # amount is too much (gobl v0.403 fixed this case to fail here, not on ``due``)
        if not limit.is_negative() and amount.compare(limit) > 0:
            f.add("GOBL-BILL-PAYMENTLINE-12", path, "amount must not exceed payable less advances")
    installment = line.get("installment")
    if isinstance(installment, int) and installment and not 1 <= installment <= 999:
        f.add(
            "GOBL-BILL-PAYMENTLINE-01",
            f"{path}.installment",
            "installment must be between 1 and 999",
        )
    if _negative(payable):
        f.add("GOBL-BILL-PAYMENTLINE-02", f"{path}.payable", "payable must be positive")
    if _negative(advances):
        f.add("GOBL-BILL-PAYMENTLINE-03", f"{path}.advances", "advances must be zero or positive")
    if _negative(amount):
        f.add("GOBL-BILL-PAYMENTLINE-04", f"{path}.amount", "amount must be positive")
    if _negative(line.get("due")):
        f.add("GOBL-BILL-PAYMENTLINE-05", f"{path}.due", "due must be zero or positive")


TYPE_CHECKS: Final = {"bill.Payment": check_payment, "bill.PaymentLine": check_payment_line}
