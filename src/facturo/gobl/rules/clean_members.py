"""The rules on an invoice's less frequent members, for :mod:`facturo.gobl.rules.clean_invoice`.

Each function answers whether every rule the general path runs on one member passes (parties
and what they hold, identities, line charges, dates, notes, exchange rates, preceding documents,
the payment): True only when it has seen them all pass, False on a fault or on anything it does
not expect. Which members a value may hold comes from :mod:`facturo.gobl.rules.clean_plan`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from facturo.gobl.addons.es_verifactu import rules as verifactu_rules
from facturo.gobl.addons.es_verifactu.bill import IDENTITY_TYPE
from facturo.gobl.bill import invoice_rules
from facturo.gobl.cal import rules as cal_rules
from facturo.gobl.currency import is_defined
from facturo.gobl.num import Amount
from facturo.gobl.org import rules as org_rules
from facturo.gobl.pay import rules as pay_rules
from facturo.gobl.regimes.es.bill_invoice import is_valid_tax_code
from facturo.gobl.regimes.identity_checks import CHECKS, code_fault
from facturo.gobl.rules.clean_plan import FOLLOWED, Plan
from facturo.gobl.tax.identity_rules import is_code_format, is_scheme_format


def party_clean(party: dict[str, Any], plan: Plan) -> bool:
    """A party's core and ES rules, and the type checks on its members, pass.

    Most parties hold a tax ID and none of the other checked members, which one test of
    ``plan.party_watch`` shows; the rest are looked at only when there.
    :mod:`facturo.gobl.rules.clean_invoice` reads an invoice's two parties itself, the same
    way, and calls :func:`party_extras_clean` for the rest.
    """
    if tax_id_code(party.get("tax_id")) is None:
        return False
    return plan.party_watch.isdisjoint(party) or party_extras_clean(party, plan)


def tax_id_code(tid: Any) -> str | None:
    """The code of a party's tax ID whose rules pass ("" when it has none); None if one fails.

    A blank in the tax ID's place is left out by the writer, so it is a party without one.
    """
    if tid is None or not (tid or tid.__class__ is dict):
        return ""
    if tid.__class__ is not dict:
        return None
    country = tid.get("country")
    if not country:
        return None
    code = tid.get("code")
    if code:
        if code.__class__ is not str:
            return None
        if not (TAX_CODES.get(code) or tax_code(code))[country == "ES"]:
            return None
        if country != "ES" and country in CHECKS and code_fault(country, code) is not None:
            return None  # the code's own regime refuses it
    else:
        code = ""
    scheme = tid.get("scheme")
    if scheme and (scheme.__class__ is not str or not is_scheme_format(scheme)):
        return None
    return code


def party_extras_clean(party: dict[str, Any], plan: Plan) -> bool:
    """The rules on a party's members other than its tax ID: identities, contacts, emails."""
    if plan.party and not plan.party.isdisjoint(party):
        return False
    ids = party.get("identities")
    if ids is not None and not identities_clean(ids):
        return False
    if not CONTACTS.isdisjoint(party) and not contacts_clean(party, plan):
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


# tax ID code -> (GOBL-TAX-IDENTITY-02 passes, and GOBL-ES-TAX-IDENTITY-01 passes too): the
# same few codes come back on every invoice of a supplier, and one table is read for both. An
# entry is a tuple of two, never empty, so ``TAX_CODES.get(code) or tax_code(code)`` reads it.
TAX_CODES: dict[str, tuple[bool, bool]] = {}


def tax_code(code: str) -> tuple[bool, bool]:
    """The entry of :data:`TAX_CODES` for ``code``, made and remembered."""
    ok = is_code_format(code)
    hit = (ok, ok and is_valid_tax_code(code))
    if len(TAX_CODES) >= 4096:
        TAX_CODES.clear()
    TAX_CODES[code] = hit
    return hit


def each(values: Any, ok: Callable[[dict[str, Any]], bool]) -> bool:
    """``values`` is absent, or a list of objects that each pass ``ok``."""
    if values is None:
        return True
    if values.__class__ is not list:
        return False
    return all(v.__class__ is dict and ok(v) for v in values)


# the followed members of a party :func:`contacts_clean` looks at; many parties have none
CONTACTS: Final = FOLLOWED["org.Party"] - {"tax_id", "identities"}


def contacts_clean(holder: dict[str, Any], plan: Plan) -> bool:
    """The rules on a party's telephones, websites, inboxes, endpoints, registration, people."""
    if not each(holder.get("people"), lambda person: person_clean(person, plan)):
        return False
    if not each(holder.get("telephones"), telephone_ok):
        return False
    if not each(holder.get("websites"), website_ok):
        return False
    if not each(holder.get("inboxes"), inbox_ok):
        return False
    if not each(holder.get("endpoints"), lambda e: bool(e.get("uri"))):
        return False
    registration = holder.get("registration")
    if registration is None:
        return True
    if registration.__class__ is not dict:
        return False
    code = registration.get("currency")
    return not code or (code.__class__ is str and is_defined(code))


def telephone_ok(tel: dict[str, Any]) -> bool:
    """ORG-TELEPHONE-01: a number."""
    return bool(tel.get("num"))


def website_ok(site: dict[str, Any]) -> bool:
    """ORG-WEBSITE-01: a valid URL."""
    url = site.get("url")
    return bool(url) and url.__class__ is str and pay_rules.is_url(url)


def inbox_ok(inbox: dict[str, Any]) -> bool:
    """ORG-INBOX-01..05: exactly one of code, url and email, a valid url or email."""
    code, url, email = inbox.get("code"), inbox.get("url"), inbox.get("email")
    if (not code) + (not url) + (not email) != 2:
        return False
    if url:
        return url.__class__ is str and pay_rules.is_url(url)
    if email:
        return email.__class__ is str and org_rules.is_email(email)
    return True


def person_clean(person: dict[str, Any], plan: Plan) -> bool:
    """A person's rules, and those of its name, identities and telephones."""
    if not plan.person.isdisjoint(person):
        return False
    name = person.get("name")
    if name.__class__ is not dict or not (name.get("surname") or name.get("given")):
        return False
    ids = person.get("identities")
    if ids is not None and not identities_clean(ids):
        return False
    return each(person.get("telephones"), telephone_ok)


def identities_clean(ids: Any) -> bool:
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


def verifactu_identities(ids: Any) -> tuple[bool, bool] | None:
    """es-verifactu BILL-INVOICE-17 on the customer's identities: None when it fails, else
    whether one of them has the identity type extension's key, and whether one has a value
    for it (rules 05 and 07 ask).

    Both are needed because the answer must hold for the tree as given and as written: the
    rules read the key, which a tree may hold with a blank value, and the writer drops such a
    value. Rule 05 (no typed identity on a simplified invoice) fails on the key, and rule 07
    (a tax ID or a typed identity) passes on a value only.

    Called after :func:`identities_clean`, so ``ids`` is a list of objects.
    """
    keyed = valued = False
    for ident in ids:
        ext = ident.get("ext")
        if ext is None:
            continue
        if ext.__class__ is not dict:
            return None
        if IDENTITY_TYPE in ext:
            keyed = True
            it = ext[IDENTITY_TYPE]
            if it:
                valued = True
                if it != "02" and not ident.get("country"):
                    return None
    return keyed, valued


def item_extras_clean(item: dict[str, Any]) -> bool:
    """The rules on an item's identities, unit and currency."""
    ids = item.get("identities")
    if ids is not None and not identities_clean(ids):
        return False
    unit = item.get("unit")
    if unit and (unit.__class__ is not str or not org_rules.is_unit(unit)):
        return False
    code = item.get("currency")
    return not code or (code.__class__ is str and is_defined(code))


def line_extras_clean(line: dict[str, Any]) -> bool:
    """The rules on a line's charges, period, identifier and notes."""
    charges = line.get("charges")
    if charges:  # an empty one (or a blank in its place) is not written
        if charges.__class__ is not list:
            return False
        for m in charges:
            if m.__class__ is not dict or not line_charge_clean(m):
                return False
    period = line.get("period")
    if period is not None and (period.__class__ is not dict or not period_clean(period)):
        return False
    ident = line.get("identifier")
    written = ident is not None and (ident or ident.__class__ is dict)  # else it is left out
    if written and (ident.__class__ is not dict or not identities_clean([ident])):
        return False
    notes = line.get("notes")
    return notes is None or notes_clean(notes, verifactu=False)


def period_clean(period: dict[str, Any]) -> bool:
    """CAL-PERIOD-01, 02 and 10, and the date rule on both ends."""
    start, end = period.get("start"), period.get("end")
    if not start or not end or start.__class__ is not str or end.__class__ is not str:
        return False
    s, e = cal_rules.parse_date(start), cal_rules.parse_date(end)
    return s is not None and e is not None and not e < s


def line_charge_clean(charge: dict[str, Any]) -> bool:
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


def dates_clean(obj: dict[str, Any], type_name: str, required: str = "") -> bool:
    """The date rule on each ``cal.Date`` member of a type, and the member ``required`` there.

    A member is a calendar day when it is text, and there when required; a value of another
    class is left to the general path, which says what it is.
    """
    for name in cal_rules.DATE_FIELDS[type_name]:
        text = obj.get(name)
        if text:
            if text.__class__ is not str or not cal_rules.is_date(text):
                return False
        elif name == required or (text is not None and text.__class__ is not str):
            return False
    return not required or bool(obj.get(required))


def notes_clean(notes: Any, verifactu: bool) -> bool:
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
        if verifactu and key == "general" and len(text) > verifactu_rules.NOTE_MAX:
            return False
    return True


def rates_clean(rates: Any) -> bool:
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


def preceding_clean(refs: Any, plan: Plan, verifactu: bool, typ: str) -> bool:
    """The rules on preceding documents and, with ``es-verifactu-v1``, their date and tax."""
    if refs.__class__ is not list:
        return False
    for ref in refs:
        if ref.__class__ is not dict or not plan.preceding.isdisjoint(ref):
            return False
        if not ref.get("code"):
            return False
        if not dates_clean(ref, "org.DocumentRef", "issue_date" if verifactu else ""):
            return False
        url = ref.get("url")
        if url and (url.__class__ is not str or not pay_rules.is_url(url)):
            return False
        ids = ref.get("identities")
        if ids is not None and not identities_clean(ids):
            return False
        if verifactu and typ == "corrective":
            # the rule asks for a tax that is not empty as written: one with a sum is
            tax = ref.get("tax")
            if tax.__class__ is not dict or not isinstance(tax.get("sum"), Amount):
                return False
    return True


def payment_clean(payment: Any, plan: Plan) -> bool:
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
                if due.__class__ is not dict or not dates_clean(due, "pay.DueDate", "date"):
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
