"""Which core rule sets apply to which gobl type (the ``rules.For`` registrations, 7a4ad62).

gobl packages register their sets in ``init()``, several packages may register one type (the
currency code of an item is checked by ``currency``, its name by ``org``), and every set
registered for a type runs on each value of it. The port lists the sets here, so what is
checked by type, wherever it appears in a document, can be read in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from facturo.gobl.bill import (
    line_charge_rules,
    line_rules,
    order_rules,
    payment_rules,
    status_rules,
    tax_rules,
)
from facturo.gobl.cal import rules as cal_rules
from facturo.gobl.currency import rules as currency_rules
from facturo.gobl.org import rules as org_rules
from facturo.gobl.pay import rules as pay_rules
from facturo.gobl.rules.walk import AllOf, TypeCheck
from facturo.gobl.tax import combo_rules, identity_rules

_SETS: Final[tuple[Mapping[str, TypeCheck], ...]] = (
    cal_rules.TYPE_CHECKS,
    pay_rules.TYPE_CHECKS,
    org_rules.TYPE_CHECKS,
    currency_rules.TYPE_CHECKS,
    tax_rules.TYPE_CHECKS,
    combo_rules.TYPE_CHECKS,
    identity_rules.TYPE_CHECKS,
    line_rules.TYPE_CHECKS,
    line_charge_rules.TYPE_CHECKS,
    payment_rules.TYPE_CHECKS,
    order_rules.TYPE_CHECKS,
    status_rules.TYPE_CHECKS,
)


def _all_of(checks: tuple[TypeCheck, ...]) -> TypeCheck:
    return checks[0] if len(checks) == 1 else AllOf(checks)


def _merge(sets: tuple[Mapping[str, TypeCheck], ...]) -> dict[str, TypeCheck]:
    by_type: dict[str, list[TypeCheck]] = {}
    for s in sets:
        for name, check in s.items():
            by_type.setdefault(name, []).append(check)
    return {name: _all_of(tuple(checks)) for name, checks in by_type.items()}


CORE_TYPE_CHECKS: Final[dict[str, TypeCheck]] = _merge(_SETS)
