"""Port of gobl bill/line_charge.go rules (7a4ad62).

A line charge is either a percentage (of the line sum or a ``base``) or a ``quantity`` times a
``rate``, never both; a ``unit`` only makes sense with a quantity. Codes, paths and messages
are those of ``data/rules/bill.json``.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext


def check_line_charge(f: Faults, charge: dict[str, Any], path: str, ctx: RuleContext) -> None:
    proportional = charge.get("base") is not None or charge.get("percent") is not None
    quantity = charge.get("quantity")
    if proportional:
        if quantity is not None:
            f.add(
                "GOBL-BILL-LINECHARGE-02",
                f"{path}.quantity",
                "quantity must be blank with base or percent",
            )
        if charge.get("rate") is not None:
            f.add(
                "GOBL-BILL-LINECHARGE-03",
                f"{path}.rate",
                "rate must be blank with base or percent",
            )
    if quantity is None:
        if charge.get("unit"):
            f.add(
                "GOBL-BILL-LINECHARGE-04",
                f"{path}.unit",
                "unit must be blank without quantity",
            )
    elif charge.get("rate") is None:
        f.add("GOBL-BILL-LINECHARGE-05", f"{path}.rate", "rate is required when quantity is set")


TYPE_CHECKS: Final = {"bill.LineCharge": check_line_charge}
