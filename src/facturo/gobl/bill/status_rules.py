"""Port of gobl bill/status.go, status_line.go, reason.go, action.go and fault.go rules
(7a4ad62).

A status reports what happened to other documents: each line names a state from gobl's list,
and its reasons and requested actions use gobl's keys, so a receiver can act on them without
reading text. Codes, paths and messages are those of ``data/rules/bill.json``.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext

STATUS_TYPES: Final = frozenset(["response", "update", "system"])
LINE_KEYS: Final = frozenset(
    [
        "issued",
        "acknowledged",
        "processing",
        "querying",
        "rejected",
        "accepted",
        "paid",
        "error",
        "other",
    ]
)
REASON_KEYS: Final = frozenset(
    [
        "none",
        "references",
        "legal",
        "unknown-receiver",
        "quality",
        "delivery",
        "prices",
        "quantity",
        "items",
        "payment-terms",
        "not-recognized",
        "finance-terms",
        "partial",
        "other",
    ]
)
ACTION_KEYS: Final = frozenset(
    ["none", "provide", "reissue", "credit-full", "credit-partial", "credit-amount", "other"]
)


def check_status(f: Faults, status: dict[str, Any], path: str, ctx: RuleContext) -> None:
    typ = status.get("type")
    if not typ:
        f.add("GOBL-BILL-STATUS-01", f"{path}.type", "status type is required")
    elif typ not in STATUS_TYPES:
        f.add("GOBL-BILL-STATUS-02", f"{path}.type", "status type is not valid")
    if not status.get("supplier"):
        f.add("GOBL-BILL-STATUS-03", f"{path}.supplier", "status supplier is required")
    if not status.get("lines"):
        f.add("GOBL-BILL-STATUS-04", f"{path}.lines", "status must have at least one line")


def check_status_line(f: Faults, line: dict[str, Any], path: str, ctx: RuleContext) -> None:
    key = line.get("key")
    if not key:
        f.add("GOBL-BILL-STATUSLINE-01", f"{path}.key", "status line key is required")
    elif key not in LINE_KEYS:
        f.add("GOBL-BILL-STATUSLINE-02", f"{path}.key", "status line key is not valid")


def check_reason(f: Faults, reason: dict[str, Any], path: str, ctx: RuleContext) -> None:
    key = reason.get("key")
    if not key:
        f.add("GOBL-BILL-REASON-01", f"{path}.key", "reason key is required")
    elif key not in REASON_KEYS:
        f.add("GOBL-BILL-REASON-02", f"{path}.key", "reason key is not valid")


def check_action(f: Faults, action: dict[str, Any], path: str, ctx: RuleContext) -> None:
    key = action.get("key")
    if not key:
        f.add("GOBL-BILL-ACTION-01", f"{path}.key", "action key is required")
    elif key not in ACTION_KEYS:
        f.add("GOBL-BILL-ACTION-02", f"{path}.key", "action key is not valid")


def check_fault(f: Faults, fault: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not fault.get("code"):
        f.add("GOBL-BILL-FAULT-01", f"{path}.code", "fault code is required")


TYPE_CHECKS: Final = {
    "bill.Status": check_status,
    "bill.StatusLine": check_status_line,
    "bill.Reason": check_reason,
    "bill.Action": check_action,
    "bill.Fault": check_fault,
}
