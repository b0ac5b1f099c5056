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
people), lines (period, identifier, notes), items and their identities, combos, line charges,
notes, exchange rates, preceding documents, document discounts and charges, and the payment's
terms, due dates and instructions. Which members the walk looks into comes from the walk itself
(:func:`~facturo.gobl.rules.walk.checked_members`): a value holding any other such member (a
line's sub-lines or seller, an invoice's ordering or delivery, a payment's advances...) is left
to the general path. The plan (:mod:`facturo.gobl.rules.clean_plan`), made once, checks that
the registry runs exactly the mirrored functions on those types; when it does not (a rule set
registered for a line, say), :func:`is_clean` always says no. The members met less often are
checked in :mod:`facturo.gobl.rules.clean_members`. A rule changed in a mirrored function is
changed here too: ``tests/gobl/perf/test_rules_clean_invoice.py`` compares both answers over
drawn documents.

It may be asked about the calculated tree before it is written, and then its yes must hold for the
document as written and read back. The writer leaves out members holding None, blank text, 0, False
or an empty array or map, blank ``ext`` values and members the schema does not know, so a check
that passes on a member's presence reads its value instead (``ext.get(REGIME)``, not ``REGIME in
ext``), and an object a rule needs must hold a member that is surely written (a preceding
document's tax, the totals: their sum). A check that fails on a member's presence keeps reading the
key, since the answer must also hold for the tree as given (a document read from JSON may hold
blank values, and its rules read keys); it only makes the one pass stricter on a written document,
and a stricter check only sends a document to the general path; the usual blanks (a line's empty
discounts, a blank where an object goes) are read as absent, as the writer does, so they stay on
the one pass.
``tests/gobl/perf/test_rules_clean_typed_sweep.py`` holds it to that.
"""

from __future__ import annotations

from typing import Any, Final

from facturo.gobl.addons.es_verifactu import rules as verifactu_rules
from facturo.gobl.addons.es_verifactu.bill import CORRECTION_TYPE, DOC_TYPE
from facturo.gobl.addons.es_verifactu.tax import EXEMPT, OP_CLASS, REGIME
from facturo.gobl.addons.registry import ADDONS
from facturo.gobl.bill import invoice_rules, tax_rules
from facturo.gobl.cal.rules import DATE_FIELDS, is_date
from facturo.gobl.currency import is_defined
from facturo.gobl.currency.rules import can_convert_to
from facturo.gobl.num import Amount
from facturo.gobl.rules import clean_plan
from facturo.gobl.rules.clean_members import (
    each,
    item_extras_clean,
    line_extras_clean,
    notes_clean,
    party_extras_clean,
    payment_clean,
    preceding_clean,
    rates_clean,
    tax_id_code,
    verifactu_identities,
)
from facturo.gobl.rules.clean_plan import INVOICE
from facturo.gobl.tax.combo_rules import text_fault
from facturo.gobl.tax.regime_def import RegimeDef, addon, regime
from facturo.gobl.tax.rounding_rules import VALID as VALID_ROUNDING

# the invoice's dates other than the issue date, which is checked first, as it must be there
_OTHER_DATES: Final = tuple(n for n in DATE_FIELDS["bill.Invoice"] if n != "issue_date")
# the members of the invoice's tax with rules of their own, other than its ext
_TAX_EXTRAS: Final = frozenset(["rounding", "point", "notes"])
_SIMPLIFIED: Final = verifactu_rules.SIMPLIFIED
_CORRECTIONS: Final = verifactu_rules.CORRECTIONS
_STANDARD_DOCS: Final = verifactu_rules.STANDARD_DOC_TYPES
_CORRECTION_DOCS: Final = verifactu_rules.CORRECTION_DOC_TYPES


def is_clean(inv: dict[str, Any]) -> bool:
    """True only when the general path would find no fault in the typed document ``inv``.

    False for any document it does not follow in full (see the module's docstring), so a
    caller runs the general path then. An error inside is also a no: the general path raises
    its own for a document it cannot read, or reports its faults.

    The proof itself runs here, in one function: the document's own rules, its parties, then
    every line in one loop. Long because it is run on every built invoice, and a call costs
    about as much as a few of its checks: each line's checks (core, walk and add-on rules
    alike) run in one place, with no call per rule and no path written, what the regime, the
    add-ons, the type and the currency decide is read from one remembered profile, and the
    invoice's dates are read here; the rare members have helpers of their own.
    """
    try:
        plan = clean_plan.plan()
        if plan is None or inv.get("$schema") != INVOICE:
            return False
        for name in plan.invoice:  # a few names: faster than a search of the invoice's members
            if name in inv:
                return False
        # document --------------------------------------------------------------------------
        addons = inv.get("$addons") or []
        if addons.__class__ is not list:
            return False
        country = inv.get("$regime", "")
        typ: Any = inv.get("type")
        currency = inv.get("currency")
        try:
            profile = _PROFILES[country][typ][currency][
                addons[0] if len(addons) == 1 else tuple(addons)
            ]
        except KeyError:
            found = _profile(country, addons, typ, currency)
            if found is None:
                return False
            profile = found
        reg, verifactu, ext_keys, verdicts, convert, docs = profile
        totals = inv.get("totals")  # not empty as written: a sum is always written
        if totals.__class__ is not dict or not isinstance(totals.get("sum"), Amount):
            return False
        # the date rule on the invoice's dates; the issue date must be there too
        issued = inv.get("issue_date")
        if not issued or issued.__class__ is not str or not is_date(issued):
            return False
        for name in _OTHER_DATES:
            text = inv.get(name)
            if text:
                if text.__class__ is not str or not is_date(text):
                    return False
            elif text is not None and text.__class__ is not str:
                return False
        tax = inv.get("tax") or None  # an empty tax is no tax to any rule, as written or not
        doc_type = ""
        ext: Any = None
        if tax is not None:
            if tax.__class__ is not dict or (plan.tax and not plan.tax.isdisjoint(tax)):
                return False
            if not _TAX_EXTRAS.isdisjoint(tax):  # most taxes hold none of these
                rounding = tax.get("rounding")
                if rounding and (rounding.__class__ is not str or rounding not in VALID_ROUNDING):
                    return False
                point = tax.get("point")
                if point and (point.__class__ is not str or point not in tax_rules.TAX_POINTS):
                    return False
                if point and inv.get("value_date"):
                    return False
                notes = tax.get("notes")
                if notes is not None and not each(notes, _has_text):
                    return False
            ext = tax.get("ext")
            if ext:
                if ext.__class__ is not dict:
                    return False
                doc_type = ext.get(DOC_TYPE, "")
                if doc_type.__class__ is not str:
                    return False
        # an empty array member (or blank text, 0, False or {} in its place) is not written
        notes = inv.get("notes")
        if notes and not notes_clean(notes, verifactu):
            return False
        rates = inv.get("exchange_rates")
        if rates and not rates_clean(rates):
            return False
        payment = inv.get("payment")
        if payment is not None and not payment_clean(payment, plan):
            return False
        preceding = inv.get("preceding")
        if preceding and not preceding_clean(preceding, plan, verifactu, typ):
            return False
        # parties ---------------------------------------------------------------------------
        # Each party's tax ID rules (party_clean's, read here: a party seldom holds more). The
        # codes read are kept for the rules that ask for one: ES's on the supplier, and
        # es-verifactu-v1's on the customer, with the customer's name when it has a code.
        party_watch = plan.party_watch
        supplier = inv.get("supplier")
        if supplier.__class__ is not dict or not supplier.get("name"):
            return False
        supplier_code = tax_id_code(supplier.get("tax_id"))
        if supplier_code is None:
            return False
        if not party_watch.isdisjoint(supplier) and not party_extras_clean(supplier, plan):
            return False
        if not supplier_code and country == "ES":
            return False
        customer = inv.get("customer") or None  # so is an empty customer
        customer_tid = None
        if customer is not None:
            if customer.__class__ is not dict:
                return False
            customer_tid = customer.get("tax_id")
            code = tax_id_code(customer_tid)
            if code is None:
                return False
            if code:
                if not customer.get("name"):
                    return False
            elif (
                verifactu
                and customer_tid is not None
                and (customer_tid or customer_tid.__class__ is dict)
            ):
                return False  # es-verifactu-v1: a customer's tax ID, when written, has a code
            if not party_watch.isdisjoint(customer) and not party_extras_clean(customer, plan):
                return False
        if verifactu:
            if not tax or not doc_type or (docs is not None and doc_type not in docs):
                return False
            if typ == "corrective" and not preceding:
                return False
            if doc_type[:1] == "R" and not ext.get(CORRECTION_TYPE):
                return False
            if convert and not can_convert_to(inv, "EUR"):
                return False
            tid = customer_tid
            ids = customer.get("identities") if customer else None
            typed_id = verifactu_identities(ids) if ids else (False, False)
            if typed_id is None:
                return False
            if doc_type in _SIMPLIFIED:
                if customer and (tid or typed_id[0]):
                    return False
            elif not customer or not (tid or typed_id[1]):
                return False
        # lines, discounts and charges ----------------------------------------------------------
        lines = inv.get("lines") or []
        discounts = inv.get("discounts") or []
        charges = inv.get("charges") or []
        if lines.__class__ is not list or discounts.__class__ is not list:
            return False
        if charges.__class__ is not list or not (lines or discounts or charges):
            return False
        line_other = plan.line
        line_watch = plan.line_watch  # a line holds none of these, most of the time
        item_other = plan.item
        item_watch = plan.item_watch
        for line in lines:
            # members that absent fail anyway are read by subscript: a KeyError is a no, too
            if line.__class__ is not dict or not line["i"]:
                return False
            item = line["item"]
            if item.__class__ is not dict or not item["name"]:
                return False
            if item["price"].is_negative():  # the method the item rule calls
                return False
            if not item_watch.isdisjoint(item):
                if item_other and not item_other.isdisjoint(item):
                    return False
                if not item_extras_clean(item):
                    return False
            if line["sum"] is None or line["total"] is None:
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
            if not line_watch.isdisjoint(line) and (
                not line_other.isdisjoint(line) or not line_extras_clean(line)
            ):
                return False
        if not _taxes_clean(lines, reg, verdicts, ext_keys, verifactu):
            return False
        if not (discounts or charges):
            return True  # most invoices have neither
        for mods, other in ((discounts, plan.discount), (charges, plan.charge)):
            for m in mods:
                if m.__class__ is not dict or (other and not other.isdisjoint(m)):
                    return False
                if m.get("base") is not None and m.get("percent") is None:
                    return False
            if mods and not _taxes_clean(mods, reg, verdicts, ext_keys, verifactu, lines=False):
                return False
        return True
    except Exception:  # a doubt, never an answer: the general path decides
        return False


def _taxes_clean(
    holders: list[dict[str, Any]],
    reg: RegimeDef | None,
    verdicts: Verdicts,
    ext_keys: frozenset[str],
    verifactu: bool,
    lines: bool = True,
) -> bool:
    """Whether the rules on the combos of every one of ``holders`` pass: the lines, or the
    document's discounts or charges (objects, as the caller has seen).

    Core COMBO-04 and 06 and SET-01, the type's COMBO-01..03 and 05 and, with
    ``es-verifactu-v1``, its TAX-COMBO-01..04 on VAT and IGIC combos and, on lines, its rule
    that each has a main tax. One call for all the lines, not one per line: the combos are
    most of a line's checks, and a call costs about as much as the checks of a combo.
    """
    need_main = verifactu and lines
    for holder in holders:
        taxes = holder.get("taxes")
        if not taxes:  # an empty array, or a blank in its place, is not written
            if need_main:
                return False
            continue
        if taxes.__class__ is not list:
            return False
        main = False
        for combo in taxes:
            if combo.__class__ is not dict or "country" in combo:
                return False  # a combo of another country is judged by that regime
            cat = combo.get("cat")
            if cat.__class__ is not str:
                return False
            percent = combo.get("percent")
            if percent is None and combo.get("surcharge") is not None:
                return False
            key = combo.get("key", "")
            rate = combo.get("rate")
            if key.__class__ is not str or (rate is not None and rate.__class__ is not str):
                return False
            if reg is not None:
                try:
                    ok = verdicts[cat][key][rate][percent is None]
                except KeyError:
                    ok = _verdict(reg, verdicts, cat, key, rate)[percent is None]
                if not ok:
                    return False
            ext = combo.get("ext")
            if cat == "VAT" or cat == "IGIC":
                main = True
                if verifactu:
                    if not ext or ext.__class__ is not dict:
                        return False
                    # the answer holds for the tree as given, whose rules read keys, and as
                    # written, without blank values: a rule that needs a key needs a value,
                    # one that a key breaks is broken by a blank one too
                    regime_code = ext.get(REGIME)
                    exempt = ext.get(EXEMPT)
                    op_class = ext.get(OP_CLASS)
                    if not regime_code or (percent is not None and not op_class):
                        return False
                    if (
                        (op_class is not None or OP_CLASS in ext)
                        and (exempt is not None or EXEMPT in ext)
                    ) or (regime_code == "01" and exempt in _E2_E3):
                        return False
                    # COMBO-06: these three keys are the combo's own (the profile has them
                    # among ``ext_keys``), so an ext of no other needs no search
                    known = 1 + (exempt is not None) + (op_class is not None)
                    if len(ext) != known and not ext_keys.issuperset(ext):
                        return False
                    continue
            elif cat == "IPSI":
                main = True
            if ext and (ext.__class__ is not dict or not ext_keys.issuperset(ext)):
                return False
        if len(taxes) > 1 and len({c["cat"] for c in taxes}) != len(taxes):
            return False
        if need_main and not main:
            return False
    return True


_VERIFACTU_COMBO_KEYS: Final = frozenset([REGIME, EXEMPT, OP_CLASS])
_E2_E3: Final = ("E2", "E3")  # the exempt codes es-verifactu TAX-COMBO-02 forbids with regime 01


# Verdicts, by category, key and rate, on the combo rules that read a regime's definitions:
# (with a percent, without one). Nested tables of text keys are read faster than one table of
# tuples, which would be built and hashed for every combo.
Verdicts = dict[str, dict[str, dict[str | None, tuple[bool, bool]]]]

# (regime, type, currency, add-ons) -> the regime, whether es-verifactu-v1's rules run, the
# extension keys the combos may use, the regime's verdicts, whether es-verifactu-v1 asks for a
# rate to EUR and the document types it allows for the type (None: any); for the invoices the
# one pass follows only. The type and the currency are in the key because their rules (a known
# type, a defined currency) read only them: an invoice that has a profile has passed those.
Profile = tuple[RegimeDef | None, bool, frozenset[str], Verdicts, bool, tuple[str, ...] | None]
# Kept by regime, then type, then currency, then the add-on (the list of them when there is
# not exactly one): reading nested tables costs less than building and hashing a tuple.
_PROFILES: dict[Any, dict[Any, dict[Any, dict[Any, Profile]]]] = {}
_PROFILE_COUNT: Final = [0]  # profiles remembered
_VERDICTS: dict[int, tuple[RegimeDef, Verdicts]] = {}  # by regime, which the entry keeps alive
_SIZE: Final = [0]  # verdicts remembered, over every regime


def _profile(country: Any, addons: list[Any], typ: Any, currency: Any) -> Profile | None:
    """What ``$regime``, ``$addons``, ``type`` and ``currency`` decide for the one pass,
    remembered; None when a rule on the type or the currency fails, or when it does not follow
    an invoice with these (an add-on with rules of its own, say)."""
    if country is not None and country.__class__ is not str:
        return None
    if typ.__class__ is not str or typ not in invoice_rules.TYPES:
        return None
    if currency.__class__ is not str or not currency or not is_defined(currency):
        return None
    reg = regime(country)
    verifactu = False
    for key in addons:
        if key.__class__ is not str or addon(key) is None:
            return None
        code = ADDONS.get(key)
        rules = code.invoice_rules if code is not None else None
        if rules is verifactu_rules.check_invoice:
            verifactu = True
        elif rules is not None:
            return None
    verdicts: Verdicts = {}
    if reg is not None:
        verdicts = _VERDICTS.setdefault(id(reg), (reg, verdicts))[1]
    ext_keys = invoice_rules.ext_keys_of(reg, tuple(addons))
    if verifactu and not ext_keys >= _VERIFACTU_COMBO_KEYS:
        return None  # the combo checks count on these being known, as es-verifactu-v1 has them
    # es-verifactu-v1 BILL-INVOICE-02 and 03: the document types of the type
    docs: tuple[str, ...] | None = None
    if typ == "standard":
        docs = _STANDARD_DOCS
    elif typ in _CORRECTIONS:
        docs = _CORRECTION_DOCS
    profile = (reg, verifactu, ext_keys, verdicts, verifactu and currency != "EUR", docs)
    if _PROFILE_COUNT[0] >= 256:
        _PROFILES.clear()
        _PROFILE_COUNT[0] = 0
    _PROFILE_COUNT[0] += 1
    by_type = _PROFILES.setdefault(country, {}).setdefault(typ, {})
    by_type.setdefault(currency, {})[addons[0] if len(addons) == 1 else tuple(addons)] = profile
    return profile


def _has_text(note: dict[str, Any]) -> bool:
    """GOBL-TAX-NOTE-01: a tax note has text."""
    return bool(note.get("text"))


def _verdict(
    reg: RegimeDef, table: Verdicts, cat_code: str, key: str, rate: str | None
) -> tuple[bool, bool]:
    """Rules COMBO-01..03 of the type and COMBO-04 of the invoice, with a percent and without
    one, for text, remembered in ``table``."""
    ok = not text_fault(reg, cat_code, key, rate)
    cat = reg.categories.get(cat_code)
    bare = ok and not (cat is not None and cat.keys and cat.keys.get(key) is False)
    if _SIZE[0] >= 4096:
        for _, old in _VERDICTS.values():
            old.clear()
        _SIZE[0] = 0
    _SIZE[0] += 1
    hit = table.setdefault(cat_code, {}).setdefault(key, {})[rate] = (ok, bare)
    return hit
