"""Port of gobl's core invoice rules (bill/invoice.go, bill/line.go, bill/discounts.go,
bill/charges.go, tax/combo.go, tax/set.go, tax/identity.go, org/item.go, org/email.go; 7a4ad62).

Codes, paths and messages are those of ``data/rules/{bill,tax,org}.json``. Rules read the
calculated, typed invoice; they never change it.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

import re
from typing import Any, Final

from facturo.gobl.rules.faults import Faults
from facturo.gobl.tax.combo import combo_regime
from facturo.gobl.tax.identity_rules import is_code_format
from facturo.gobl.tax.regime_def import RegimeDef, addon
from facturo.gobl.tax.rounding_rules import VALID as VALID_ROUNDING

TYPES: Final = ("standard", "proforma", "corrective", "credit-note", "debit-note", "other")
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(addr: str) -> bool:
    """Whether a party's email address has the shape gobl asks (``GOBL-ORG-EMAIL-02``)."""
    return _EMAIL.match(addr) is not None


def check_tax_identity(f: Faults, tid: dict[str, Any], path: str) -> None:
    if not tid.get("country"):
        f.add("GOBL-TAX-IDENTITY-01", f"{path}.country", "tax id country code is always required")
    code = tid.get("code")
    if code and not is_code_format(code):
        f.add("GOBL-TAX-IDENTITY-02", f"{path}.code", "tax id code must have a valid format")


def check_party(f: Faults, party: dict[str, Any], path: str) -> None:
    tid = party.get("tax_id")
    if tid:
        check_tax_identity(f, tid, f"{path}.tax_id")
    for i, e in enumerate(party.get("emails") or ()):
        addr = e.get("addr")
        if not addr:
            f.add("GOBL-ORG-EMAIL-01", f"{path}.emails[{i}].addr", "email address is required")
        elif not is_email(addr):
            f.add("GOBL-ORG-EMAIL-02", f"{path}.emails[{i}].addr", "email address must be valid")


# Definitions are fixed for the process: the extension keys a (regime, addons) pair defines
# are worked out once. Regimes are keyed by country (``regime()`` gives one object each).
_EXT_KEYS: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}


def ext_keys_of(reg: RegimeDef | None, addons: tuple[str, ...]) -> frozenset[str]:
    """The extension keys ``reg`` and ``addons`` define, which combos may use (COMBO-06)."""
    ck = (reg.country if reg is not None else "", addons)
    found = _EXT_KEYS.get(ck)
    if found is None:
        keys: set[str] = set(reg.extensions) if reg else set()
        for k in addons:
            a = addon(k)
            if a is not None:
                keys.update(a.extensions)
        if len(_EXT_KEYS) >= 256:
            _EXT_KEYS.clear()
        found = _EXT_KEYS[ck] = frozenset(keys)
    return found


def check_taxes(
    f: Faults,
    taxes: list[dict[str, Any]],
    where: str,
    i: int,
    reg: RegimeDef | None,
    ext_keys: frozenset[str],
) -> None:
    """Rules of the (non-empty) combos ``taxes`` of ``$.<where>[<i>]``.

    The path is only written for a fault.
    """
    path = ""
    if len(taxes) > 1:
        cats = [c.get("cat") for c in taxes]
        if len(set(cats)) != len(cats):
            path = f"{where}[{i}]"
            f.add("GOBL-TAX-SET-01", f"{path}.taxes", "all tax categories in a set must be unique")
    for j, combo in enumerate(taxes):
        # a combo with a percent passes rule 04 whatever its key: most do, so the regime's
        # definitions are only looked up for the others
        if combo.get("percent") is None:
            r = combo_regime(combo, reg) if "country" in combo else reg
            cat = r.categories.get(combo.get("cat", "")) if r else None
            if cat is not None and cat.keys and cat.keys.get(combo.get("key", "")) is False:
                path = path or f"{where}[{i}]"
                f.add(
                    "GOBL-TAX-COMBO-04",
                    f"{path}.taxes[{j}]",
                    "tax combo percent required or invalid for key in regime",
                )
        ext = combo.get("ext")
        if ext and not ext_keys.issuperset(ext):
            path = path or f"{where}[{i}]"
            for k in ext:
                if k not in ext_keys:
                    f.add(
                        "GOBL-TAX-COMBO-06",
                        f"{path}.taxes[{j}].ext",
                        "tax combo extension key not defined in regime",
                    )


def _modifiers(f: Faults, mods: list[dict[str, Any]], path: str, code: str) -> None:
    for i, m in enumerate(mods):
        if m.get("base") is not None and m.get("percent") is None:
            f.add(code, f"{path}[{i}].percent", "percent is required when base is set")


def check_invoice(f: Faults, inv: dict[str, Any], reg: RegimeDef | None) -> None:
    ext_keys = ext_keys_of(reg, tuple(inv.get("$addons") or ()))
    typ = inv.get("type")
    if not typ:
        f.add("GOBL-BILL-INVOICE-01", "$.type", "invoice type is required")
    elif typ not in TYPES:
        f.add("GOBL-BILL-INVOICE-02", "$.type", "invoice type is not valid")
    if not inv.get("issue_date"):
        f.add("GOBL-BILL-INVOICE-03", "$.issue_date", "invoice issue date is required")
    if not inv.get("currency"):
        f.add("GOBL-BILL-INVOICE-04", "$.currency", "invoice currency is required")
    tax = inv.get("tax") or {}
    if tax.get("rounding") and tax["rounding"] not in VALID_ROUNDING:
        f.add("GOBL-BILL-TAX-01", "$.tax.rounding", "rounding model is not valid")
    supplier = inv.get("supplier")
    if not supplier:
        f.add("GOBL-BILL-INVOICE-05", "$.supplier", "invoice supplier is required")
    else:
        if not supplier.get("name"):
            f.add("GOBL-BILL-INVOICE-06", "$.supplier.name", "invoice supplier name is required")
        check_party(f, supplier, "$.supplier")
    customer = inv.get("customer")
    if customer:
        if (customer.get("tax_id") or {}).get("code") and not customer.get("name"):
            f.add(
                "GOBL-BILL-INVOICE-07",
                "$.customer.name",
                "invoice customer name required when tax ID is set",
            )
        check_party(f, customer, "$.customer")
    lines = inv.get("lines") or []
    discounts = inv.get("discounts") or []
    charges = inv.get("charges") or []
    if not lines and not discounts and not charges:
        f.add(
            "GOBL-BILL-INVOICE-10",
            "$.lines",
            "invoice lines are required without discounts or charges",
        )
    for i, line in enumerate(lines):  # paths are only written for a fault
        item = line.get("item")
        if not item:
            f.add("GOBL-BILL-LINE-03", f"$.lines[{i}].item", "item is required")
        else:
            if not item.get("name"):
                f.add("GOBL-ORG-ITEM-01", f"$.lines[{i}].item.name", "item name is required")
            if item.get("price") is None:
                f.add(
                    "GOBL-BILL-INVOICE-08",
                    f"$.lines[{i}].item.price",
                    "invoice line item price is required",
                )
        mods = line.get("discounts")
        if mods:
            _modifiers(f, mods, f"$.lines[{i}].discounts", "GOBL-BILL-LINEDISCOUNT-01")
        mods = line.get("charges")
        if mods:
            _modifiers(f, mods, f"$.lines[{i}].charges", "GOBL-BILL-LINECHARGE-01")
        taxes = line.get("taxes")
        if taxes:
            check_taxes(f, taxes, "$.lines", i, reg, ext_keys)
    _modifiers(f, discounts, "$.discounts", "GOBL-BILL-DISCOUNT-01")
    _modifiers(f, charges, "$.charges", "GOBL-BILL-CHARGE-01")
    for i, d in enumerate(discounts):
        taxes = d.get("taxes")
        if taxes:
            check_taxes(f, taxes, "$.discounts", i, reg, ext_keys)
    for i, c in enumerate(charges):
        taxes = c.get("taxes")
        if taxes:
            check_taxes(f, taxes, "$.charges", i, reg, ext_keys)
    if not inv.get("totals"):
        f.add("GOBL-BILL-INVOICE-09", "$.totals", "invoice totals are required")
