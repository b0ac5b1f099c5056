"""Whether an invoice of the usual shape has no faults, in one pass.

Every built invoice is validated, and almost all of them are valid. The general path
(:func:`facturo.gobl.validate.rule_faults`) walks the lines four times (core invoice rules, ES
rules, add-on rules, the type walk) and builds each value's path as it goes, in case a fault
needs it. :func:`is_clean` asks one question, in one pass and without paths: would the general
path find nothing at all? It answers yes only when it has seen every rule that would run pass;
anything else (a rule that fails, a member it does not follow, a value of a class it does not
expect, an add-on whose rules it does not know) is a no, and the caller runs the general path,
which reports the faults, or raises, as it always did. So the caller's answer is the general
path's; this module only has to never say yes where a rule would fail.

It mirrors, for an invoice of any regime with no add-on or with ``es-verifactu-v1``:
:func:`facturo.gobl.bill.invoice_rules.check_invoice`,
:func:`facturo.gobl.regimes.es.bill_invoice.check_invoice` (and the tax identity check run for
other regimes), :func:`facturo.gobl.addons.es_verifactu.rules.check_invoice`, and the type checks
the walk runs on the invoice, its tax and tax notes, parties (tax IDs, identities, contacts,
people), lines, items and their identities, combos, line charges, notes, exchange rates,
preceding documents, document discounts and charges, and the payment's terms, due dates and
instructions. Which members the walk looks into comes from the walk itself
(:func:`~facturo.gobl.rules.walk.checked_members`): a value holding any other such member (a
line's sub-lines or seller, an invoice's ordering or delivery, a payment's advances...) is left
to the general path. The plan, made once, checks that the registry runs exactly the mirrored
functions on those types; when it does not (a rule set registered for a line, say),
:func:`is_clean` always says no. A rule changed in a mirrored function is changed here too:
``tests/gobl/perf/test_rules_clean_invoice.py`` compares both answers over drawn documents.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from facturo.gobl.addons.es_verifactu import rules as verifactu_rules
from facturo.gobl.addons.es_verifactu.bill import CORRECTION_TYPE, DOC_TYPE, IDENTITY_TYPE
from facturo.gobl.addons.es_verifactu.tax import EXEMPT, OP_CLASS, REGIME
from facturo.gobl.addons.registry import ADDONS
from facturo.gobl.bill import invoice_rules, line_charge_rules, line_rules, tax_rules
from facturo.gobl.cal import rules as cal_rules
from facturo.gobl.currency import is_defined
from facturo.gobl.currency import rules as currency_rules
from facturo.gobl.currency.rules import can_convert_to
from facturo.gobl.org import rules as org_rules
from facturo.gobl.pay import rules as pay_rules
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
_NOTE_MAX: Final = 500  # es-verifactu BILL-INVOICE-14, general notes

# (type, member, kind, type of the member's objects): where the followed types sit
_SHAPES: Final = (
    ("bill.Invoice", "lines", "array", "bill.Line"),
    ("bill.Invoice", "supplier", "object", "org.Party"),
    ("bill.Invoice", "customer", "object", "org.Party"),
    ("bill.Invoice", "tax", "object", "bill.Tax"),
    ("bill.Invoice", "notes", "array", "org.Note"),
    ("bill.Invoice", "exchange_rates", "array", "currency.ExchangeRate"),
    ("bill.Invoice", "discounts", "array", "bill.Discount"),
    ("bill.Invoice", "charges", "array", "bill.Charge"),
    ("bill.Invoice", "payment", "object", "bill.PaymentDetails"),
    ("bill.Invoice", "preceding", "array", "org.DocumentRef"),
    ("org.DocumentRef", "identities", "array", "org.Identity"),
    ("bill.Tax", "notes", "array", "tax.Note"),
    ("org.Party", "tax_id", "object", "tax.Identity"),
    ("org.Party", "identities", "array", "org.Identity"),
    ("org.Party", "telephones", "array", "org.Telephone"),
    ("org.Party", "websites", "array", "org.Website"),
    ("org.Party", "inboxes", "array", "org.Inbox"),
    ("org.Party", "endpoints", "array", "org.Endpoint"),
    ("org.Party", "registration", "object", "org.Registration"),
    ("org.Party", "people", "array", "org.Person"),
    ("org.Person", "name", "object", "org.Name"),
    ("org.Person", "identities", "array", "org.Identity"),
    ("org.Person", "telephones", "array", "org.Telephone"),
    ("org.Item", "identities", "array", "org.Identity"),
    ("bill.Line", "item", "object", "org.Item"),
    ("bill.Line", "taxes", "array", "tax.Combo"),
    ("bill.Line", "charges", "array", "bill.LineCharge"),
    ("bill.Discount", "taxes", "array", "tax.Combo"),
    ("bill.Charge", "taxes", "array", "tax.Combo"),
    ("bill.PaymentDetails", "terms", "object", "pay.Terms"),
    ("bill.PaymentDetails", "instructions", "object", "pay.Instructions"),
    ("pay.Terms", "due_dates", "array", "pay.DueDate"),
)


def _mirrored() -> dict[str, tuple[Any, ...]]:
    """The rule sets the walk runs on each followed type, as this module mirrors them."""
    dates = cal_rules.TYPE_CHECKS
    return {
        "bill.Invoice": (
            dates["bill.Invoice"],
            currency_rules.check_document_currency,
            tax_rules.check_invoice_tax_point,
        ),
        "bill.Tax": (tax_rules.check_tax,),
        "tax.Note": (tax_rules.check_tax_note,),
        "org.Party": (),
        "org.Identity": (org_rules.check_identity,),
        "org.Telephone": (org_rules.check_telephone,),
        "org.Website": (org_rules.check_website,),
        "org.Inbox": (org_rules.check_inbox,),
        "org.Endpoint": (org_rules.check_endpoint,),
        "org.Registration": (org_rules.check_registration,),
        "org.Person": (org_rules.check_person,),
        "org.Name": (org_rules.check_name,),
        "org.DocumentRef": (dates["org.DocumentRef"], org_rules.check_document_ref),
        "tax.Identity": (identity_rules.check_tax_identity,),
        "bill.Line": (line_rules.check_line,),
        "org.Item": (org_rules.check_item, currency_rules.check_document_currency),
        "tax.Combo": (combo_rules.check_combo,),
        "bill.LineCharge": (line_charge_rules.check_line_charge,),
        "org.Note": (org_rules.check_note,),
        "currency.ExchangeRate": (currency_rules.check_exchange_rate,),
        "bill.Discount": (),
        "bill.Charge": (),
        "bill.PaymentDetails": (),
        "pay.Terms": (pay_rules.check_terms,),
        "pay.DueDate": (dates["pay.DueDate"], pay_rules.check_due_date),
        "pay.Instructions": (pay_rules.check_instructions,),
    }


# the types whose members this module follows, and the members it follows in each
_FOLLOWED: Final = {
    "bill.Invoice": frozenset(
        [
            "tax",
            "supplier",
            "customer",
            "lines",
            "notes",
            "exchange_rates",
            "discounts",
            "charges",
            "payment",
            "preceding",
        ]
    ),
    "org.DocumentRef": frozenset(["identities"]),
    "bill.Tax": frozenset(["notes"]),
    "org.Party": frozenset(
        [
            "tax_id",
            "identities",
            "telephones",
            "websites",
            "inboxes",
            "endpoints",
            "registration",
            "people",
        ]
    ),
    "org.Person": frozenset(["name", "identities", "telephones"]),
    "bill.Line": frozenset(["item", "taxes", "charges"]),
    "org.Item": frozenset(["identities"]),
    "bill.Discount": frozenset(["taxes"]),
    "bill.Charge": frozenset(["taxes"]),
    "bill.PaymentDetails": frozenset(["terms", "instructions"]),
    "pay.Terms": frozenset(["due_dates"]),
    "pay.Instructions": frozenset(),
}
# followed types whose members the walk must never look into
_LEAVES: Final = (
    "tax.Identity",
    "tax.Note",
    "org.Identity",
    "org.Telephone",
    "org.Website",
    "org.Inbox",
    "org.Endpoint",
    "org.Registration",
    "org.Name",
    "tax.Combo",
    "bill.LineCharge",
    "org.Note",
    "currency.ExchangeRate",
    "pay.DueDate",
)


@dataclass(frozen=True, slots=True)
class _Plan:
    """Per followed type, the members the walk would look into that this module does not."""

    invoice: frozenset[str]
    tax: frozenset[str]
    party: frozenset[str]
    person: frozenset[str]
    line: frozenset[str]
    item: frozenset[str]
    discount: frozenset[str]
    charge: frozenset[str]
    payment: frozenset[str]
    preceding: frozenset[str]
    terms: frozenset[str]
    instructions: frozenset[str]


def _objects(root: Node) -> dict[str, Node]:
    """The object nodes reachable from ``root``, by type name (the first one met)."""
    seen: dict[str, Node] = {}
    stack = [root]
    visited: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in visited:
            continue
        visited.add(id(n))
        if n.kind == "object":
            seen.setdefault(n.name, n)
        stack.extend(n.props.values())
        if n.item is not None:
            stack.append(n.item)
    return seen


def _make_plan() -> _Plan | None:
    """The plan, or None when the schema or the registry is not the one this module mirrors."""
    root = node_for(INVOICE)
    if root is None:
        return None
    objects = _objects(root)
    for owner, key, kind, name in _SHAPES:
        node = objects.get(owner)
        sub = node.props.get(key) if node is not None else None
        if sub is not None and kind == "array" and sub.kind == "array":
            sub = sub.item
        elif sub is not None and sub.kind != kind:
            sub = None
        if sub is None or sub.kind != "object" or sub.name != name:
            return None
    if any(checks_of(CORE_TYPE_CHECKS.get(t)) != want for t, want in _mirrored().items()):
        return None
    members = checked_members(root, CORE_TYPE_CHECKS)
    none: frozenset[str] = frozenset()
    if any(members.get(name, none) for name in _LEAVES):
        return None
    other = {name: members.get(name, none) - keys for name, keys in _FOLLOWED.items()}
    return _Plan(
        invoice=other["bill.Invoice"],
        tax=other["bill.Tax"],
        party=other["org.Party"],
        person=other["org.Person"],
        line=other["bill.Line"],
        item=other["org.Item"],
        discount=other["bill.Discount"],
        charge=other["bill.Charge"],
        payment=other["bill.PaymentDetails"],
        preceding=other["org.DocumentRef"],
        terms=other["pay.Terms"],
        instructions=other["pay.Instructions"],
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
    """The proof itself: the document's own rules, its parties, then every line in one loop.

    Long because each line's checks (core, walk and add-on rules alike) run in one place, with
    no call per rule and no path written; the rare members have helpers of their own.
    """
    plan = _plans[0] if _plans else _plan()
    if plan is None or inv.get("$schema") != INVOICE or not plan.invoice.isdisjoint(inv):
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
    for name in cal_rules.DATE_FIELDS["bill.Invoice"]:
        if not _date_clean(inv.get(name), required=False):
            return False
    tax = inv.get("tax")
    doc_type = ""
    ext: Any = None
    if tax is not None:
        if tax.__class__ is not dict or not plan.tax.isdisjoint(tax):
            return False
        rounding = tax.get("rounding")
        if rounding and (rounding.__class__ is not str or rounding not in VALID_ROUNDING):
            return False
        point = tax.get("point")
        if point and (point.__class__ is not str or point not in tax_rules.TAX_POINTS):
            return False
        if point and inv.get("value_date"):
            return False
        if not _each(tax.get("notes"), lambda note: bool(note.get("text"))):
            return False
        ext = tax.get("ext")
        if ext:
            if ext.__class__ is not dict:
                return False
            doc_type = ext.get(DOC_TYPE, "")
            if doc_type.__class__ is not str:
                return False
    notes = inv.get("notes")
    if notes is not None and not _notes_clean(notes, verifactu):
        return False
    rates = inv.get("exchange_rates")
    if rates is not None and not _rates_clean(rates):
        return False
    payment = inv.get("payment")
    if payment is not None and not _payment_clean(payment, plan):
        return False
    preceding = inv.get("preceding")
    if preceding is not None and not _preceding_clean(preceding, plan, verifactu, typ):
        return False
    # parties -------------------------------------------------------------------------------
    supplier = inv.get("supplier")
    if supplier.__class__ is not dict or not supplier.get("name"):
        return False
    if not _party_clean(supplier, plan):
        return False
    customer = inv.get("customer")
    if customer is not None:
        if customer.__class__ is not dict or not _party_clean(customer, plan):
            return False
        if customer and (customer.get("tax_id") or {}).get("code") and not customer.get("name"):
            return False
    if country == "ES":
        tid = supplier.get("tax_id")
        if not tid or not tid.get("code"):
            return False
    if verifactu:
        if (typ == "corrective" and not preceding) or not tax or not doc_type:
            return False
        if doc_type[:1] == "R" and CORRECTION_TYPE not in ext:
            return False
        if typ == "standard" and doc_type not in _STANDARD_DOCS:
            return False
        if typ in _CORRECTIONS and doc_type not in _CORRECTION_DOCS:
            return False
        if not can_convert_to(inv, "EUR"):
            return False
        tid = customer.get("tax_id") if customer else None
        typed_id = _verifactu_identities(customer.get("identities") if customer else None)
        if typed_id is None:
            return False
        if doc_type in _SIMPLIFIED:
            if customer and (tid or typed_id):
                return False
        elif not customer or not (tid or typed_id) or (tid and not tid.get("code")):
            return False
    # lines, discounts and charges ----------------------------------------------------------
    lines = inv.get("lines")
    discounts = inv.get("discounts")
    charges = inv.get("charges")
    if lines is None:
        lines = []
    if discounts is None:
        discounts = []
    if charges is None:
        charges = []
    if lines.__class__ is not list or discounts.__class__ is not list:
        return False
    if charges.__class__ is not list or not (lines or discounts or charges):
        return False
    ext_keys = invoice_rules.ext_keys_of(reg, tuple(addons or ()))
    line_other = plan.line
    item_other = plan.item
    for line in lines:
        if line.__class__ is not dict or not line_other.isdisjoint(line) or not line.get("i"):
            return False
        item = line.get("item")
        if item.__class__ is not dict or not item_other.isdisjoint(item) or not item.get("name"):
            return False
        price = item.get("price")
        if price is None or price.is_negative():  # the method the item rule calls
            return False
        ids = item.get("identities")
        if ids is not None and not _identities_clean(ids):
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
                if m.__class__ is not dict or not _line_charge_clean(m):
                    return False
        taxes = line.get("taxes")
        if taxes is None:
            if verifactu:
                return False  # a line needs a main tax
            continue
        main = _taxes_clean(taxes, reg, ext_keys, verifactu)
        if main is None or (verifactu and not main):
            return False
    for mods, other in ((discounts, plan.discount), (charges, plan.charge)):
        for m in mods:
            if m.__class__ is not dict or not other.isdisjoint(m):
                return False
            if m.get("base") is not None and m.get("percent") is None:
                return False
            taxes = m.get("taxes")
            if taxes is not None and _taxes_clean(taxes, reg, ext_keys, verifactu) is None:
                return False
    return True


def _taxes_clean(
    taxes: Any, reg: RegimeDef | None, ext_keys: frozenset[str], verifactu: bool
) -> bool | None:
    """None when a rule on the combos ``taxes`` fails; else whether one is a main tax.

    Core COMBO-04 and 06 and SET-01, the type's COMBO-01..03 and 05 and, with
    ``es-verifactu-v1``, its TAX-COMBO-01..04 on VAT and IGIC combos.
    """
    if taxes.__class__ is not list:
        return None
    main = False
    for combo in taxes:
        if combo.__class__ is not dict or "country" in combo:
            return None  # a combo of another country is judged by that regime
        cat = combo.get("cat")
        if cat.__class__ is not str:
            return None
        percent = combo.get("percent")
        if percent is None and combo.get("surcharge") is not None:
            return None
        key = combo.get("key", "")
        rate = combo.get("rate")
        if key.__class__ is not str or (rate is not None and rate.__class__ is not str):
            return None
        if reg is not None:
            hit = _VERDICTS.get((id(reg), cat, key, rate, percent is None))
            if hit is None:
                hit = _verdict(reg, cat, key, rate, percent is None)
            if not hit[1]:
                return None
        ext = combo.get("ext")
        if ext and (ext.__class__ is not dict or not ext_keys.issuperset(ext)):
            return None
        if cat == "VAT" or cat == "IGIC":
            main = True
            if verifactu:
                if not ext or REGIME not in ext:
                    return None
                if ext[REGIME] == "01" and ext.get(EXEMPT) in ("E2", "E3"):
                    return None
                if OP_CLASS in ext and EXEMPT in ext:
                    return None
                if percent is not None and OP_CLASS not in ext:
                    return None
        elif cat == "IPSI":
            main = True
    if len(taxes) > 1 and len({c["cat"] for c in taxes}) != len(taxes):
        return None
    return main


# (regime, category, key, rate, no percent) -> the regime and whether the combo rules that read
# the regime's definitions pass; the entry keeps the regime (and so its id) alive
_VERDICTS: dict[tuple[int, str, str, str | None, bool], tuple[RegimeDef, bool]] = {}


def _verdict(
    reg: RegimeDef, cat_code: str, key: str, rate: str | None, no_percent: bool
) -> tuple[RegimeDef, bool]:
    """Rules COMBO-01..03 of the type and COMBO-04 of the invoice, for text, remembered."""
    ok = not text_fault(reg, cat_code, key, rate)
    if ok and no_percent:
        cat = reg.categories.get(cat_code)
        ok = not (cat is not None and cat.keys and cat.keys.get(key) is False)
    if len(_VERDICTS) >= 4096:
        _VERDICTS.clear()
    hit = _VERDICTS[(id(reg), cat_code, key, rate, no_percent)] = (reg, ok)
    return hit


def _party_clean(party: dict[str, Any], plan: _Plan) -> bool:
    """A party's core and ES rules, and the type checks on its members, pass."""
    if not plan.party.isdisjoint(party):
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
    ids = party.get("identities")
    if ids is not None and not _identities_clean(ids):
        return False
    if not _CONTACTS.isdisjoint(party) and not _contacts_clean(party, plan):
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


def _each(values: Any, ok: Callable[[dict[str, Any]], bool]) -> bool:
    """``values`` is absent, or a list of objects that each pass ``ok``."""
    if values is None:
        return True
    if values.__class__ is not list:
        return False
    return all(v.__class__ is dict and ok(v) for v in values)


# the followed members of a party :func:`_contacts_clean` looks at; many parties have none
_CONTACTS: Final = _FOLLOWED["org.Party"] - {"tax_id", "identities"}


def _contacts_clean(holder: dict[str, Any], plan: _Plan) -> bool:
    """The rules on a party's telephones, websites, inboxes, endpoints, registration, people."""
    if not _each(holder.get("people"), lambda person: _person_clean(person, plan)):
        return False
    if not _each(holder.get("telephones"), _telephone_ok):
        return False
    if not _each(holder.get("websites"), _website_ok):
        return False
    if not _each(holder.get("inboxes"), _inbox_ok):
        return False
    if not _each(holder.get("endpoints"), lambda e: bool(e.get("uri"))):
        return False
    registration = holder.get("registration")
    if registration is None:
        return True
    if registration.__class__ is not dict:
        return False
    code = registration.get("currency")
    return not code or (code.__class__ is str and is_defined(code))


def _telephone_ok(tel: dict[str, Any]) -> bool:
    return bool(tel.get("num"))


def _website_ok(site: dict[str, Any]) -> bool:
    url = site.get("url")
    return bool(url) and url.__class__ is str and pay_rules.is_url(url)


def _inbox_ok(inbox: dict[str, Any]) -> bool:
    """ORG-INBOX-01..05: exactly one of code, url and email, a valid url or email."""
    code, url, email = inbox.get("code"), inbox.get("url"), inbox.get("email")
    if (not code) + (not url) + (not email) != 2:
        return False
    if url:
        return url.__class__ is str and pay_rules.is_url(url)
    if email:
        return email.__class__ is str and org_rules.is_email(email)
    return True


def _person_clean(person: dict[str, Any], plan: _Plan) -> bool:
    """A person's rules, and those of its name, identities and telephones."""
    if not plan.person.isdisjoint(person):
        return False
    name = person.get("name")
    if name.__class__ is not dict or not (name.get("surname") or name.get("given")):
        return False
    ids = person.get("identities")
    if ids is not None and not _identities_clean(ids):
        return False
    return _each(person.get("telephones"), _telephone_ok)


def _identities_clean(ids: Any) -> bool:
    """The identity rules pass for every identity of a party or an item."""
    if ids.__class__ is not list:
        return False
    for ident in ids:
        if ident.__class__ is not dict or not ident.get("code"):
            return False
        if ident.get("key") and ident.get("type"):
            return False
        scope = ident.get("scope")
        if scope and (scope.__class__ is not str or scope not in org_rules.IDENTITY_SCOPES):
            return False
    return True


def _verifactu_identities(ids: Any) -> bool | None:
    """es-verifactu BILL-INVOICE-17 on the customer's identities: None when it fails, else
    whether one of them carries the identity type extension (rules 05 and 07 ask).

    Called after :func:`_identities_clean`, so ``ids`` is None or a list of objects.
    """
    typed = False
    for ident in ids or ():
        ext = ident.get("ext")
        if ext is None:
            continue
        if ext.__class__ is not dict:
            return None
        if IDENTITY_TYPE in ext:
            typed = True
            it = ext[IDENTITY_TYPE]
            if it and it != "02" and not ident.get("country"):
                return None
    return typed


def _line_charge_clean(charge: dict[str, Any]) -> bool:
    """A line charge's own rules and the invoice rule on its base pass."""
    base = charge.get("base")
    percent = charge.get("percent")
    if base is not None and percent is None:
        return False
    quantity = charge.get("quantity")
    rate = charge.get("rate")
    if (base is not None or percent is not None) and (quantity is not None or rate is not None):
        return False
    if quantity is None:
        return not charge.get("unit")
    return rate is not None


def _date_clean(text: Any, required: bool) -> bool:
    """A ``cal.Date`` member passes: a calendar day when it is text (and there when required)."""
    if text.__class__ is str:
        return cal_rules.is_date(text) if text else not required
    return text is None and not required  # another class: the general path says what it is


def _notes_clean(notes: Any, verifactu: bool) -> bool:
    """The note rules and, with ``es-verifactu-v1``, the length of general notes pass."""
    if notes.__class__ is not list:
        return False
    for note in notes:
        if note.__class__ is not dict:
            return False
        text = note.get("text")
        if not text or text.__class__ is not str:
            return False
        key = note.get("key")
        if key and (key.__class__ is not str or key not in org_rules.NOTE_KEYS):
            return False
        if verifactu and key == "general" and len(text) > _NOTE_MAX:
            return False
    return True


def _rates_clean(rates: Any) -> bool:
    """The exchange rate rules pass for every rate."""
    if rates.__class__ is not list:
        return False
    for rate in rates:
        if rate.__class__ is not dict:
            return False
        for side in ("from", "to"):
            code = rate.get(side)
            if not code or code.__class__ is not str or not is_defined(code):
                return False
        amount = rate.get("amount")
        if amount is not None and amount.is_negative():
            return False
    return True


def _preceding_clean(refs: Any, plan: _Plan, verifactu: bool, typ: str) -> bool:
    """The rules on preceding documents and, with ``es-verifactu-v1``, their date and tax."""
    if refs.__class__ is not list:
        return False
    for ref in refs:
        if ref.__class__ is not dict or not plan.preceding.isdisjoint(ref):
            return False
        if not ref.get("code") or not _date_clean(ref.get("issue_date"), required=verifactu):
            return False
        url = ref.get("url")
        if url and (url.__class__ is not str or not pay_rules.is_url(url)):
            return False
        ids = ref.get("identities")
        if ids is not None and not _identities_clean(ids):
            return False
        if verifactu and typ == "corrective" and not ref.get("tax"):
            return False
    return True


def _payment_clean(payment: Any, plan: _Plan) -> bool:
    """The rules on the payment's terms, their due dates and its instructions pass."""
    if payment.__class__ is not dict or not plan.payment.isdisjoint(payment):
        return False
    terms = payment.get("terms")
    if terms is not None:
        if terms.__class__ is not dict or not plan.terms.isdisjoint(terms):
            return False
        key = terms.get("key")
        if key and (key.__class__ is not str or key not in pay_rules.TERM_KEYS):
            return False
        due_dates = terms.get("due_dates")
        if due_dates is not None:
            if due_dates.__class__ is not list:
                return False
            for due in due_dates:
                if due.__class__ is not dict or not _date_clean(due.get("date"), required=True):
                    return False
                amount = due.get("amount")
                if amount is None or amount.is_zero():
                    return False
    instructions = payment.get("instructions")
    if instructions is not None:
        if instructions.__class__ is not dict:
            return False
        if not plan.instructions.isdisjoint(instructions):
            return False
        key = instructions.get("key")
        if not key or key.__class__ is not str or not pay_rules.is_method_key(key):
            return False
    return True
