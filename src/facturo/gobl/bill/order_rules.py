"""Port of gobl bill/order.go and bill/delivery.go rules (7a4ad62).

Orders and deliveries share the invoice's lines and totals; what they add is their own list
of types and the fields every one of them needs. Codes, paths and messages are those of
``data/rules/bill.json``.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext

ORDER_TYPES: Final = frozenset(["purchase", "sale", "quote"])
DELIVERY_TYPES: Final = frozenset(["advice", "note", "waybill", "receipt", "other"])


def check_order(f: Faults, order: dict[str, Any], path: str, ctx: RuleContext) -> None:
    typ = order.get("type")
    if not typ:
        f.add("GOBL-BILL-ORDER-01", f"{path}.type", "type is required")
    elif typ not in ORDER_TYPES:
        f.add("GOBL-BILL-ORDER-02", f"{path}.type", "type is not valid")
    if not order.get("issue_date"):
        f.add("GOBL-BILL-ORDER-03", f"{path}.issue_date", "issue date is required")
    if not order.get("currency"):
        f.add("GOBL-BILL-ORDER-04", f"{path}.currency", "currency is required")
    if not order.get("supplier"):
        f.add("GOBL-BILL-ORDER-05", f"{path}.supplier", "supplier is required")
    if not order.get("lines"):
        f.add("GOBL-BILL-ORDER-06", f"{path}.lines", "lines are required")


def check_delivery(f: Faults, delivery: dict[str, Any], path: str, ctx: RuleContext) -> None:
    typ = delivery.get("type")
    if not typ:
        f.add("GOBL-BILL-DELIVERY-01", f"{path}.type", "type is required")
    elif typ not in DELIVERY_TYPES:
        f.add("GOBL-BILL-DELIVERY-02", f"{path}.type", "type is not valid")
    if not delivery.get("issue_date"):
        f.add("GOBL-BILL-DELIVERY-03", f"{path}.issue_date", "issue date is required")
    if not delivery.get("supplier"):
        f.add("GOBL-BILL-DELIVERY-04", f"{path}.supplier", "supplier is required")
    if not delivery.get("lines"):
        f.add("GOBL-BILL-DELIVERY-05", f"{path}.lines", "lines are required")


TYPE_CHECKS: Final = {"bill.Order": check_order, "bill.Delivery": check_delivery}
