"""Port of gobl bill/invoice.go (7a4ad62): the invoice calculation pipeline.

``calculate_invoice`` runs gobl's ``Invoice.Calculate``: regime from the supplier, addon list
cleaned, normalization (children before parents, then addon normalizers), ``$tags`` checked,
totals calculated, scenarios applied. The invoice is a typed JSON tree (see
:mod:`facturo.gobl.schema.codec`) and is changed in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, NamedTuple

from facturo.gobl.addons.registry import ADDONS
from facturo.gobl.bill.calculator import calculate_document
from facturo.gobl.bill.invoice_scenarios import apply_scenarios
from facturo.gobl.bill.normalize import normalize_document
from facturo.gobl.errors import calculation
from facturo.gobl.pay.record import migrate_record
from facturo.gobl.tax.regime_def import RegimeDef, Scenario, addon, regime
from facturo.gobl.tax.rounding_rules import LEGACY

SCHEMA: Final = "bill/invoice"
TYPES: Final = ("standard", "proforma", "corrective", "credit-note", "debit-note", "other")
BASE_TAGS: Final = (
    "simplified",
    "reverse-charge",
    "self-billed",
    "customer-rates",
    "partial",
    "bypass",
    "prepayment",
    "factoring",
)


def resolve_regime(doc: dict[str, Any]) -> RegimeDef | None:
    if not doc.get("$regime"):
        country = ((doc.get("supplier") or {}).get("tax_id") or {}).get("country")
        if country:
            doc["$regime"] = country
    return regime(doc.get("$regime", ""))


# The addon list a document names resolves to the same list every time (definitions are fixed
# for the process); kept per list as given.
_RESOLVED: dict[tuple[str, ...], tuple[str, ...]] = {}


def resolve_addons(doc: dict[str, Any]) -> list[str]:
    """Known addons plus the ones they require; unknown keys are silently dropped."""
    given = doc.get("$addons")
    if not given:
        doc.pop("$addons", None)
        return []
    try:
        found = _RESOLVED.get(tuple(given))
    except TypeError:  # a member that is not text: resolved below, and not kept
        found = None
    if found is None:
        keys: list[str] = []
        for key in given:
            a = addon(key)
            if a is None:
                continue
            for k in (*a.requires, key):
                if k not in keys:
                    keys.append(k)
        found = tuple(keys)
        if all(k.__class__ is str for k in given) and len(_RESOLVED) < 1024:
            _RESOLVED[tuple(given)] = found
    if found:
        doc["$addons"] = list(found)
    else:
        doc.pop("$addons", None)
    return list(found)


def _migrate(doc: dict[str, Any], schema: str) -> None:
    tax = doc.get("tax")
    if tax:
        legacy_tags = tax.pop("tags", None)
        if legacy_tags:
            tags = list(doc.get("$tags") or ())
            tags.extend(t for t in legacy_tags if t not in tags)
            doc["$tags"] = tags
        rounding = tax.get("rounding")
        if rounding in LEGACY:
            tax["rounding"] = LEGACY[rounding]
    payment = doc.get("payment")
    if payment:
        for record in payment.get("advances") or ():
            migrate_record(record)
    if schema == SCHEMA and not doc.get("type"):
        doc["type"] = "standard"


# Definitions are fixed for the process, so what a (regime, addons, schema) allows and applies
# is worked out once. Regimes are keyed by country: ``regime()`` gives one object per country.
_ALLOWED_TAGS: dict[tuple[str, tuple[str, ...], str], frozenset[str]] = {}
_SCENARIOS: dict[
    tuple[str, tuple[str, ...], str], tuple[tuple[Scenario, ...], tuple[Scenario, ...]]
] = {}


def _allowed_tags(reg: RegimeDef | None, addons: list[str], schema: str) -> frozenset[str]:
    key = (reg.country if reg is not None else "", tuple(addons), schema)
    found = _ALLOWED_TAGS.get(key)
    if found is None:
        allowed = set(BASE_TAGS)
        if reg is not None:
            allowed.update(reg.tags.get(schema, ()))
        for k in addons:
            a = addon(k)
            if a is not None:
                allowed.update(a.tags.get(schema, ()))
        found = _ALLOWED_TAGS[key] = frozenset(allowed)
    return found


def _check_tags(doc: dict[str, Any], reg: RegimeDef | None, addons: list[str], schema: str) -> None:
    tags = doc.get("$tags")
    if not tags:
        return
    allowed = _allowed_tags(reg, addons, schema)
    for t in tags:
        if t not in allowed:
            raise calculation(f"$tags: '{t}' undefined")


def _scenarios(
    reg: RegimeDef | None, addons: list[str], schema: str
) -> tuple[tuple[Scenario, ...], tuple[Scenario, ...]]:
    """All scenarios of a (regime, addons, schema), and those that ask for no tag.

    Most documents carry no ``$tags``, and then no scenario that asks for a tag can match.
    """
    key = (reg.country if reg is not None else "", tuple(addons), schema)
    found = _SCENARIOS.get(key)
    if found is None:
        out: list[Scenario] = list(reg.scenarios.get(schema, ())) if reg else []
        for k in addons:
            a = addon(k)
            if a is not None:
                out.extend(a.scenarios.get(schema, ()))
        found = _SCENARIOS[key] = (tuple(out), tuple(s for s in out if not s.tags))
    return found


def scenarios_for(reg: RegimeDef | None, addons: list[str], schema: str) -> list[Scenario]:
    return list(_scenarios(reg, addons, schema)[0])


def calculate_invoice(doc: dict[str, Any]) -> None:
    """Normalize and calculate an invoice in place (gobl ``Invoice.Calculate``)."""
    calculate_bill(doc, SCHEMA)


class _Plan(NamedTuple):
    """What a (regime, addons, schema) runs: worked out once, as definitions are fixed."""

    combo_normalizers: tuple[Callable[[dict[str, Any]], None], ...]
    invoice_normalizers: tuple[Callable[[dict[str, Any]], None], ...]
    scenarios: tuple[Scenario, ...]
    untagged_scenarios: tuple[Scenario, ...]


_PLANS: dict[tuple[str, tuple[str, ...], str], _Plan] = {}


def _plan(reg: RegimeDef | None, addons: list[str], schema: str) -> _Plan:
    key = (reg.country if reg is not None else "", tuple(addons), schema)
    plan = _PLANS.get(key)
    if plan is None:
        code = [ADDONS[k] for k in addons if k in ADDONS]
        every, untagged = _scenarios(reg, addons, schema)
        plan = _PLANS[key] = _Plan(
            tuple(c.combo for c in code if c.combo is not None),
            tuple(c.invoice for c in code if c.invoice is not None),
            every,
            untagged,
        )
    return plan


def calculate_bill(doc: dict[str, Any], schema: str) -> None:
    """The pipeline shared by invoices, orders and deliveries (same calculator in gobl)."""
    reg = resolve_regime(doc)
    addons = resolve_addons(doc)
    _migrate(doc, schema)
    plan = _plan(reg, addons, schema)
    normalize_document(doc, combo_normalizers=plan.combo_normalizers)
    for normalize in plan.invoice_normalizers:
        normalize(doc)
    if doc.get("$tags"):  # most documents have none: _check_tags would return at once
        _check_tags(doc, reg, addons, schema)
    tax_date = doc.get("value_date") or doc.get("issue_date") or ""
    calculate_document(doc, reg, tax_date=tax_date)
    apply_scenarios(doc, plan.scenarios if doc.get("$tags") else plan.untagged_scenarios)
