"""Port of gobl bill/invoice.go (7a4ad62): the invoice calculation pipeline.

``calculate_invoice`` runs gobl's ``Invoice.Calculate``: regime from the supplier, addon list
cleaned, normalization (children before parents, then addon normalizers), ``$tags`` checked,
totals calculated, scenarios applied. The invoice is a typed JSON tree (see
:mod:`facturo.gobl.schema.codec`) and is changed in place.
"""

from __future__ import annotations

from typing import Any, Final

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


def resolve_addons(doc: dict[str, Any]) -> list[str]:
    """Known addons plus the ones they require; unknown keys are silently dropped."""
    keys: list[str] = []
    for key in doc.get("$addons") or ():
        a = addon(key)
        if a is None:
            continue
        for k in (*a.requires, key):
            if k not in keys:
                keys.append(k)
    if keys:
        doc["$addons"] = keys
    else:
        doc.pop("$addons", None)
    return keys


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
    for record in (doc.get("payment") or {}).get("advances") or ():
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


def calculate_bill(doc: dict[str, Any], schema: str) -> None:
    """The pipeline shared by invoices, orders and deliveries (same calculator in gobl)."""
    reg = resolve_regime(doc)
    addons = resolve_addons(doc)
    _migrate(doc, schema)
    code = [ADDONS[k] for k in addons if k in ADDONS]
    normalize_document(
        doc,
        combo_normalizers=[c.combo for c in code if c.combo is not None],
    )
    for c in code:
        if c.invoice is not None:
            c.invoice(doc)
    _check_tags(doc, reg, addons, schema)
    tax_date = doc.get("value_date") or doc.get("issue_date") or ""
    calculate_document(doc, reg, tax_date=tax_date)
    every, untagged = _scenarios(reg, addons, schema)
    apply_scenarios(doc, every if doc.get("$tags") else untagged)
