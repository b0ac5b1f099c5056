"""Port of gobl cal/date.go and cal/period.go rules (7a4ad62).

Dates travel as ``YYYY-MM-DD`` text and the port keeps them as text, so a calendar day that does
not exist (``2024-02-30``) is caught here rather than compared as a string. A period needs both
ends, the end not before the start. Codes, paths and messages are those of
``data/rules/cal.json``.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Final

from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext, TypeCheck

_DATE: Final = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

# the cal.Date members of each type, as the schemas declare them
DATE_FIELDS: Final = {
    "bill.Invoice": ("issue_date", "op_date", "value_date"),
    "bill.Order": ("issue_date", "op_date", "value_date"),
    "bill.Delivery": ("issue_date", "value_date"),
    "bill.Payment": ("issue_date", "value_date"),
    "bill.Status": ("issue_date",),
    "bill.StatusLine": ("date",),
    "org.DocumentRef": ("issue_date",),
    "pay.DueDate": ("date",),
    "pay.Record": ("date",),
}


def parse_date(text: str) -> date | None:
    """The calendar day of ``YYYY-MM-DD`` text, or None when there is no such day."""
    m = _DATE.match(text)
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


# Whether a text is a calendar day, by text: every document has dates, and the documents of a
# day share them. Emptied when full, like the other tables of pure answers.
_IS_DATE: dict[str, bool] = {}


def is_date(text: str) -> bool:
    """Whether ``YYYY-MM-DD`` text is a calendar day, remembered per text."""
    ok = _IS_DATE.get(text)
    if ok is None:
        ok = parse_date(text) is not None
        if len(_IS_DATE) >= 4096:
            _IS_DATE.clear()
        _IS_DATE[text] = ok
    return ok


def _check_dates(fields: tuple[str, ...]) -> TypeCheck:
    def check(f: Faults, obj: dict[str, Any], path: str, ctx: RuleContext) -> None:
        for name in fields:
            text = obj.get(name)
            if isinstance(text, str) and text and not is_date(text):
                f.add("GOBL-CAL-DATE-01", f"{path}.{name}", "invalid date")

    return check


def check_period(f: Faults, period: dict[str, Any], path: str, ctx: RuleContext) -> None:
    start, end = period.get("start"), period.get("end")
    if not start:
        f.add("GOBL-CAL-PERIOD-01", f"{path}.start", "start date cannot be zero")
    elif parse_date(start) is None:
        f.add("GOBL-CAL-DATE-01", f"{path}.start", "invalid date")
    if not end:
        f.add("GOBL-CAL-PERIOD-02", f"{path}.end", "end date cannot be zero")
    elif parse_date(end) is None:
        f.add("GOBL-CAL-DATE-01", f"{path}.end", "invalid date")
    s, e = parse_date(start or ""), parse_date(end or "")
    if s is not None and e is not None and e < s:
        f.add("GOBL-CAL-PERIOD-10", path, "end date must be on or after start date")


TYPE_CHECKS: Final[dict[str, TypeCheck]] = {
    "cal.Period": check_period,
    **{name: _check_dates(fields) for name, fields in DATE_FIELDS.items()},
}
