"""Checks the Spanish reporting addons (es-verifactu, es-sii) share, each under its own codes.

gobl writes them once per addon; the rule is one, so it lives here, and each addon gives its
code prefix and its own wording of the issue-date fault.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

from typing import Any

from facturo.gobl.rules.faults import Faults


def check_preceding(f: Faults, inv: dict[str, Any], prefix: str, issue_date_message: str) -> None:
    """BILL-INVOICE-01..03: a corrective names what it corrects, each with its date and taxes."""
    typ = inv.get("type")
    preceding = inv.get("preceding") or []
    if typ == "corrective" and not preceding:
        f.add(
            prefix + "BILL-INVOICE-01",
            "$.preceding",
            "preceding documents are required for corrective invoices",
        )
    for i, ref in enumerate(preceding):
        if not ref.get("issue_date"):
            f.add(prefix + "BILL-INVOICE-02", f"$.preceding[{i}].issue_date", issue_date_message)
        if typ == "corrective" and not ref.get("tax"):
            f.add(
                prefix + "BILL-INVOICE-03",
                f"$.preceding[{i}].tax",
                "preceding invoice tax data is required for corrective invoices",
            )
