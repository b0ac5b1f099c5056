"""Port of gobl bill/tax.go and tax/note.go rules (7a4ad62): the invoice ``tax`` object.

``rounding`` is checked with the invoice rules; here the tax point, the tax notes and the
invoice rule that ties them to dates: a tax point says which event dates the taxes, so a
separate ``value_date`` would contradict it. Codes, paths and messages are those of
``data/rules/bill.json`` and ``data/rules/tax.json``.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext

TAX_POINTS: Final = frozenset(["issue", "delivery", "payment"])


def check_tax(f: Faults, tax: dict[str, Any], path: str, ctx: RuleContext) -> None:
    point = tax.get("point")
    if point and point not in TAX_POINTS:
        f.add("GOBL-BILL-TAX-02", f"{path}.point", "tax point is not valid")


def check_tax_note(f: Faults, note: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not note.get("text"):
        f.add("GOBL-TAX-NOTE-01", f"{path}.text", "tax note text is required")


def check_invoice_tax_point(f: Faults, inv: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if (inv.get("tax") or {}).get("point") and inv.get("value_date"):
        f.add(
            "GOBL-BILL-INVOICE-11",
            f"{path}.value_date",
            "value date cannot be set when tax point is set",
        )


TYPE_CHECKS: Final = {
    "bill.Tax": check_tax,
    "tax.Note": check_tax_note,
    "bill.Invoice": check_invoice_tax_point,
}
