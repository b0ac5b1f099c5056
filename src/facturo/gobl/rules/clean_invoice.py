"""Whether an invoice of the usual shape has no faults, in one pass.

Every built invoice is validated, and almost all of them are valid. The general path
(:func:`facturo.gobl.validate.document_faults`) walks the lines four times (core invoice rules,
ES rules, addon rules, the type walk) and builds each value's path as it goes, in case a fault
needs it. :func:`is_clean` asks one question, in one pass and without paths: would the general
path find nothing at all? It answers yes only when it has seen every rule that would run pass;
anything else (a rule that fails, a member it does not follow, a value of a class it does not
expect, an add-on whose rules it does not know) is a no, and the caller runs the general path,
which reports the faults, or raises, as it always did. So the answer the caller gives is the
general path's; this module only has to never say yes where a rule would fail.

It mirrors, for an invoice of the ES or any other regime with no add-on or ``es-verifactu-v1``:
:func:`facturo.gobl.bill.invoice_rules.check_invoice`,
:func:`facturo.gobl.regimes.es.bill_invoice.check_invoice` (and the tax identity check run for
other regimes), :func:`facturo.gobl.addons.es_verifactu.rules.check_invoice`, and the type checks
the walk runs on the invoice, its tax, its parties and their tax identities, its lines, their
items, combos and charges. The members the walk looks into come from the walk itself
(:func:`~facturo.gobl.rules.walk.checked_members`): an invoice with any other of them (notes,
payment, preceding, discounts...) is left to the general path. The plan is made once and checks
that the registry still runs exactly the mirrored functions on those types; when it does not (a
rule set registered for a line, say), :func:`is_clean` always says no. A rule changed in one of
the mirrored functions must be changed here too: ``tests/gobl/perf/test_rules_clean_invoice.py``
compares both answers over drawn documents.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Final

from facturo.gobl.addons.es_verifactu import rules as verifactu_rules
from facturo.gobl.addons.es_verifactu.bill import CORRECTION_TYPE, DOC_TYPE
from facturo.gobl.addons.es_verifactu.tax import EXEMPT, OP_CLASS, REGIME
from facturo.gobl.addons.registry import ADDONS
from facturo.gobl.bill import invoice_rules, line_charge_rules, line_rules, tax_rules
from facturo.gobl.cal import rules as cal_rules
from facturo.gobl.currency import is_defined
from facturo.gobl.currency import rules as currency_rules
from facturo.gobl.org import rules as org_rules
from facturo.gobl.regimes.es.bill_invoice import is_valid_tax_code
from facturo.gobl.rules.registry import CORE_TYPE_CHECKS
from facturo.gobl.rules.walk import checked_members, checks_of
from facturo.gobl.schema.registry import GOBL_BASE, Node, node_for
from facturo.gobl.tax import combo_rules, identity_rules
from facturo.gobl.tax.combo_rules import text_fault
from facturo.gobl.tax.identity_rules import is_code_format, is_scheme_format
from facturo.gobl.tax.regime_def import RegimeDef, addon, regime
from facturo.gobl.tax.rounding_rules import VALID as VALID_ROUNDING

INVOICE: Final = GOBL_BASE + "bill/invoice"
_SIMPLIFIED: Final = ("F2", "R5")
_CORRECTIONS: Final = ("corrective", "credit-note", "debit-note")
_STANDARD_DOCS: Final = ("F1", "F2", "F3")
_CORRECTION_DOCS: Final = ("R1", "R2", "R3", "R4", "R5")


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the walk would look into beyond the members :func:`is_clean` follows itself."""

    invoice_other: frozenset[str]
    tax_other: frozenset[str]
    party_other: frozenset[str]
    line_other: frozenset[str]
    item_other: frozenset[str]
    dates: tuple[str, ...]


def _member(node: Node, key: str, kind: str, name: str) -> Node | None:
    """The object node of ``node.<key>`` (of an array's item for ``kind`` array)."""
    sub = node.props.get(key)
    if sub is None or sub.kind != kind:
        return None
    if kind == "array":
        sub = sub.item
    return sub if sub is not None and sub.kind == "object" and sub.name == name else None


def _make_plan() -> _Plan | None:
    """The plan, or None when the schema or the registry is not the one this module mirrors."""
    root = node_for(INVOICE)
    if root is None:
        return None
    line = _member(root, "lines", "array", "bill.Line")
    party = _member(root, "supplier", "object", "org.Party")
    shapes_ok = (
        line is not None
        and party is not None
        and _member(root, "customer", "object", "org.Party") is not None
        and _member(root, "tax", "object", "bill.Tax") is not None
        and _member(party, "tax_id", "object", "tax.Identity") is not None
        and _member(line, "item", "object", "org.Item") is not None
        and _member(line, "taxes", "array", "tax.Combo") is not None
        and _member(line, "charges", "array", "bill.LineCharge") is not None
    )
    expected = {
        "bill.Invoice": (
            cal_rules.TYPE_CHECKS["bill.Invoice"],
            currency_rules.check_document_currency,
            tax_rules.check_invoice_tax_point,
        ),
        "bill.Tax": (tax_rules.check_tax,),
        "org.Party": (),
        "tax.Identity": (identity_rules.check_tax_identity,),
        "bill.Line": (line_rules.check_line,),
        "org.Item": (org_rules.check_item, currency_rules.check_document_currency),
        "tax.Combo": (combo_rules.check_combo,),
        "bill.LineCharge": (line_charge_rules.check_line_charge,),
    }
    if not shapes_ok or any(
        checks_of(CORE_TYPE_CHECKS.get(name)) != want for name, want in expected.items()
    ):
        return None
    members = checked_members(root, CORE_TYPE_CHECKS)
    none: frozenset[str] = frozenset()
    # the leaves this module checks itself must hold nothing else the walk would check
    if any(members.get(name, none) for name in ("tax.Identity", "tax.Combo", "bill.LineCharge")):
        return None
    return _Plan(
        invoice_other=members["bill.Invoice"] - {"tax", "supplier", "customer", "lines"},
        tax_other=members.get("bill.Tax", none),
        party_other=members.get("org.Party", none) - {"tax_id"},
        line_other=members["bill.Line"] - {"item", "taxes", "charges"},
        item_other=members.get("org.Item", none),
        dates=cal_rules.DATE_FIELDS["bill.Invoice"],
    )


_PLANNING: Final = threading.Lock()
_plans: list[_Plan | None] = []


def _plan() -> _Plan | None:
    if not _plans:
        with _PLANNING:
            if not _plans:
                _plans.append(_make_plan())
    return _plans[0]


def is_clean(inv: dict[str, Any]) -> bool:
    """True only when the general path would find no fault in the typed document ``inv``.

    False for any document it does not follow in full (see the module's docstring), so a
    caller runs the general path then. An error inside is also a no: the general path raises
    its own for a document it cannot read, or reports its faults.
    """
    try:
        return _clean(inv)
    except Exception:  # a doubt, never an answer: the general path decides
        return False


def _clean(inv: dict[str, Any]) -> bool:
    """The proof itself; one long function, as the checks of each line run in one loop."""
    plan = _plans[0] if _plans else _plan()
    if plan is None or inv.get("$schema") != INVOICE or not plan.invoice_other.isdisjoint(inv):
        return False
    # document ------------------------------------------------------------------------------
    country = inv.get("$regime", "")
    if country is not None and country.__class__ is not str:
        return False
    reg = regime(country)
    addons = inv.get("$addons")
    verifactu = False
    if addons:
        if addons.__class__ is not list:
            return False
        for key in addons:
            if key.__class__ is not str or addon(key) is None:
                return False
            code = ADDONS.get(key)
            rules = code.invoice_rules if code is not None else None
            if rules is verifactu_rules.check_invoice:
                verifactu = True
            elif rules is not None:
                return False
    typ = inv.get("type")
    if typ.__class__ is not str or typ not in invoice_rules.TYPES:
        return False
    currency = inv.get("currency")
    if currency.__class__ is not str or not currency or not is_defined(currency):
        return False
    if not inv.get("issue_date") or not inv.get("totals"):
        return False
    for name in plan.dates:
        text = inv.get(name)
        if text.__class__ is str:
            if text and not cal_rules.is_date(text):
                return False
        elif text is not None:
            return False  # a date of another class: the general path says what it is
    tax = inv.get("tax")
    doc_type = ""
    ext: Any = None
    if tax is not None:
        if tax.__class__ is not dict or not plan.tax_other.isdisjoint(tax):
            return False
        rounding = tax.get("rounding")
        if rounding and (rounding.__class__ is not str or rounding not in VALID_ROUNDING):
            return False
        point = tax.get("point")
        if point and (point.__class__ is not str or point not in tax_rules.TAX_POINTS):
            return False
        if point and inv.get("value_date"):
            return False
        ext = tax.get("ext")
        if ext:
            if ext.__class__ is not dict:
                return False
            doc_type = ext.get(DOC_TYPE, "")
            if doc_type.__class__ is not str:
                return False
    # parties -------------------------------------------------------------------------------
    supplier = inv.get("supplier")
    if supplier.__class__ is not dict or not supplier.get("name"):
        return False
    if not _party_clean(supplier, plan.party_other):
        return False
    customer = inv.get("customer")
    if customer is not None:
        if customer.__class__ is not dict or not _party_clean(customer, plan.party_other):
            return False
        if customer and (customer.get("tax_id") or {}).get("code") and not customer.get("name"):
            return False
    if country == "ES":
        tid = supplier.get("tax_id")
        if not tid or not tid.get("code"):
            return False
    if verifactu:
        if typ == "corrective" or not tax or not doc_type:
            return False  # no preceding documents, or no doc type
        if doc_type[:1] == "R" and CORRECTION_TYPE not in ext:
            return False
        if typ == "standard" and doc_type not in _STANDARD_DOCS:
            return False
        if typ in _CORRECTIONS and doc_type not in _CORRECTION_DOCS:
            return False
        if currency != "EUR":
            return False  # exchange rates are left to the general path
        tid = customer.get("tax_id") if customer else None
        if doc_type in _SIMPLIFIED:
            if tid:
                return False
        elif not customer or not tid or not tid.get("code"):
            return False
    # lines ---------------------------------------------------------------------------------
    lines = inv.get("lines")
    if lines.__class__ is not list or not lines:
        return False
    ext_keys = invoice_rules.ext_keys_of(reg, tuple(addons or ()))
    line_other = plan.line_other
    item_other = plan.item_other
    for line in lines:
        if line.__class__ is not dict or not line_other.isdisjoint(line) or not line.get("i"):
            return False
        item = line.get("item")
        if item.__class__ is not dict or not item_other.isdisjoint(item) or not item.get("name"):
            return False
        price = item.get("price")
        if price is None or price.is_negative():  # the method the item rule calls
            return False
        if line.get("sum") is None or line.get("total") is None:
            return False
        unit = item.get("unit")
        if unit and (unit.__class__ is not str or not org_rules.is_unit(unit)):
            return False
        code = item.get("currency")
        if code and (code.__class__ is not str or not is_defined(code)):
            return False
        mods = line.get("discounts")
        if mods:
            if mods.__class__ is not list:
                return False
            for m in mods:
                if m.__class__ is not dict or (
                    m.get("base") is not None and m.get("percent") is None
                ):
                    return False
        mods = line.get("charges")
        if mods is not None:
            if mods.__class__ is not list:
                return False
            for m in mods:
                if m.__class__ is not dict or not _charge_clean(m):
                    return False
        taxes = line.get("taxes")
        main = False
        if taxes is not None:
            if taxes.__class__ is not list:
                return False
            for combo in taxes:
                if combo.__class__ is not dict or "country" in combo:
                    return False
                cat = combo.get("cat")
                if cat.__class__ is not str:
                    return False
                percent = combo.get("percent")
                if percent is None:
                    if combo.get("surcharge") is not None:
                        return False
                    if reg is not None and _needs_percent(reg, cat, combo.get("key", "")):
                        return False
                if reg is not None:
                    key = combo.get("key") or ""
                    rate = combo.get("rate")
                    if key.__class__ is not str or (rate is not None and rate.__class__ is not str):
                        return False
                    if text_fault(reg, cat, key, rate):
                        return False
                cext = combo.get("ext")
                if cext and (cext.__class__ is not dict or not ext_keys.issuperset(cext)):
                    return False
                if verifactu:
                    if cat == "VAT" or cat == "IGIC":
                        main = True
                        if not cext or REGIME not in cext:
                            return False
                        if cext[REGIME] == "01" and cext.get(EXEMPT) in ("E2", "E3"):
                            return False
                        if OP_CLASS in cext and EXEMPT in cext:
                            return False
                        if percent is not None and OP_CLASS not in cext:
                            return False
                    elif cat == "IPSI":
                        main = True
            if len(taxes) > 1 and len({c["cat"] for c in taxes}) != len(taxes):
                return False
        if verifactu and not main:
            return False
    return True


def _party_clean(party: dict[str, Any], other: frozenset[str]) -> bool:
    """A party's core and ES rules, and its tax identity's type checks, pass."""
    if not other.isdisjoint(party):
        return False
    tid = party.get("tax_id")
    if tid is not None:
        if tid.__class__ is not dict or not tid.get("country"):
            return False
        code = tid.get("code")
        if code:
            if code.__class__ is not str or not is_code_format(code):
                return False
            if tid.get("country") == "ES" and not is_valid_tax_code(code):
                return False
        scheme = tid.get("scheme")
        if scheme and (scheme.__class__ is not str or not is_scheme_format(scheme)):
            return False
    emails = party.get("emails")
    if emails:
        if emails.__class__ is not list:
            return False
        for e in emails:
            if e.__class__ is not dict:
                return False
            addr = e.get("addr")
            if not addr or addr.__class__ is not str or not invoice_rules.is_email(addr):
                return False
    return True


def _charge_clean(charge: dict[str, Any]) -> bool:
    """A line charge's own rules and the invoice rule on its base pass."""
    proportional = charge.get("base") is not None or charge.get("percent") is not None
    if charge.get("base") is not None and charge.get("percent") is None:
        return False
    quantity = charge.get("quantity")
    if proportional and (quantity is not None or charge.get("rate") is not None):
        return False
    if quantity is None:
        return not charge.get("unit")
    return charge.get("rate") is not None


def _needs_percent(reg: RegimeDef, cat_code: str, key: Any) -> bool:
    """Rule COMBO-04 of the invoice rules: the regime's key asks for a percent."""
    cat = reg.categories.get(cat_code)
    return cat is not None and bool(cat.keys) and cat.keys.get(key) is False
