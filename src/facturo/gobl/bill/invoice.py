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
    if schema == SCHEMA and not doc.get("type"):
        doc["type"] = "standard"


def _check_tags(doc: dict[str, Any], reg: RegimeDef | None, addons: list[str], schema: str) -> None:
    allowed = set(BASE_TAGS)
    if reg is not None:
        allowed.update(reg.tags.get(schema, ()))
    for key in addons:
        a = addon(key)
        if a is not None:
            allowed.update(a.tags.get(schema, ()))
    for t in doc.get("$tags") or ():
        if t not in allowed:
            raise calculation(f"$tags: '{t}' undefined")


def scenarios_for(reg: RegimeDef | None, addons: list[str], schema: str) -> list[Scenario]:
    out: list[Scenario] = list(reg.scenarios.get(schema, ())) if reg else []
    for key in addons:
        a = addon(key)
        if a is not None:
            out.extend(a.scenarios.get(schema, ()))
    return out


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
    apply_scenarios(doc, scenarios_for(reg, addons, schema))
