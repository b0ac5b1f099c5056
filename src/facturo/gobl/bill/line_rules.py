"""Port of gobl bill/line.go and bill/sub_line.go rules 01, 03, 04 and 05 (7a4ad62).

A line needs its index and item, and once its item has a price, the sum and total that
calculation derives from it; a document validated as given without them was never calculated.
Rule 02 (quantity) tests a non-pointer amount, which reads as zero when missing and so never
fails. Codes, paths and messages are those of ``data/rules/bill.json``.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext, TypeCheck


def _line_check(code: str) -> TypeCheck:
    """The rules of lines and sub-lines, which differ only in their codes' prefix."""

    def check(f: Faults, line: dict[str, Any], path: str, ctx: RuleContext) -> None:
        if not line.get("i"):
            f.add(f"{code}-01", f"{path}.i", "index is required")
        item = line.get("item")
        if not item:
            f.add(f"{code}-03", f"{path}.item", "item is required")
        elif item.get("price") is not None:
            if line.get("sum") is None:
                f.add(f"{code}-04", f"{path}.sum", "sum is required when item has a price")
            if line.get("total") is None:
                f.add(f"{code}-05", f"{path}.total", "total is required when item has a price")

    return check


check_line: Final = _line_check("GOBL-BILL-LINE")
check_sub_line: Final = _line_check("GOBL-BILL-SUBLINE")


TYPE_CHECKS: Final = {"bill.Line": check_line, "bill.SubLine": check_sub_line}
