"""What the one-pass invoice validation follows, checked against the schema and the registry.

:mod:`facturo.gobl.rules.clean_invoice` mirrors the rule sets the walk runs on some types and
follows some members of some types. This plan says which, and is made only when the invoice
schema puts those types where they are expected and the registry runs exactly the mirrored
functions on them; else there is no plan and every invoice takes the general path. The members
the walk would look into and the one pass does not follow (a line's sub-lines, say) come from the
walk itself, per type: a value holding one is left to the general path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Final

from facturo.gobl.bill import line_charge_rules, line_rules, tax_rules
from facturo.gobl.cal import rules as cal_rules
from facturo.gobl.currency import rules as currency_rules
from facturo.gobl.org import rules as org_rules
from facturo.gobl.pay import rules as pay_rules
from facturo.gobl.rules.registry import CORE_TYPE_CHECKS
from facturo.gobl.rules.walk import checked_members, checks_of
from facturo.gobl.schema.registry import GOBL_BASE, Node, node_for
from facturo.gobl.tax import combo_rules, identity_rules

INVOICE: Final = GOBL_BASE + "bill/invoice"

# (type, member, kind, type of the member's objects): where the followed types sit
SHAPES: Final = (
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
    ("bill.Line", "period", "object", "cal.Period"),
    ("bill.Line", "identifier", "object", "org.Identity"),
    ("bill.Line", "notes", "array", "org.Note"),
    ("bill.Discount", "taxes", "array", "tax.Combo"),
    ("bill.Charge", "taxes", "array", "tax.Combo"),
    ("bill.PaymentDetails", "terms", "object", "pay.Terms"),
    ("bill.PaymentDetails", "instructions", "object", "pay.Instructions"),
    ("pay.Terms", "due_dates", "array", "pay.DueDate"),
)


def mirrored() -> dict[str, tuple[Any, ...]]:
    """The rule sets the walk runs on each followed type, as the one pass mirrors them."""
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
        "cal.Period": (cal_rules.check_period,),
        "org.Note": (org_rules.check_note,),
        "currency.ExchangeRate": (currency_rules.check_exchange_rate,),
        "bill.Discount": (),
        "bill.Charge": (),
        "bill.PaymentDetails": (),
        "pay.Terms": (pay_rules.check_terms,),
        "pay.DueDate": (dates["pay.DueDate"], pay_rules.check_due_date),
        "pay.Instructions": (pay_rules.check_instructions,),
    }


# the types whose members the one pass follows, and the members it follows in each
FOLLOWED: Final = {
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
    "bill.Line": frozenset(["item", "taxes", "charges", "period", "identifier", "notes"]),
    "org.Item": frozenset(["identities"]),
    "bill.Discount": frozenset(["taxes"]),
    "bill.Charge": frozenset(["taxes"]),
    "bill.PaymentDetails": frozenset(["terms", "instructions"]),
    "pay.Terms": frozenset(["due_dates"]),
    "pay.Instructions": frozenset(),
}
# the followed members of a line that most lines have none of, looked at only when present
LINE_EXTRAS: Final = FOLLOWED["bill.Line"] - {"item", "taxes"}
# the checked members of an item that most items have none of
ITEM_EXTRAS: Final = FOLLOWED["org.Item"] | {"unit", "currency"}
# the checked members of a party other than its tax ID, which most parties have none of
PARTY_EXTRAS: Final = (FOLLOWED["org.Party"] - {"tax_id"}) | {"emails"}

# followed types whose members the walk must never look into
LEAVES: Final = (
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
    "cal.Period",
    "currency.ExchangeRate",
    "pay.DueDate",
)


@dataclass(frozen=True, slots=True)
class Plan:
    """Per followed type, the members the walk would look into that the one pass does not.

    ``line_watch``, ``item_watch`` and ``party_watch`` add the members of a line, an item and a
    party that the one pass checks but that most of them do not have, so that one test finds
    there is none.
    """

    invoice: frozenset[str]
    tax: frozenset[str]
    party: frozenset[str]
    party_watch: frozenset[str]
    person: frozenset[str]
    line: frozenset[str]
    line_watch: frozenset[str]
    item: frozenset[str]
    item_watch: frozenset[str]
    discount: frozenset[str]
    charge: frozenset[str]
    payment: frozenset[str]
    preceding: frozenset[str]
    terms: frozenset[str]
    instructions: frozenset[str]


def objects_of(root: Node) -> dict[str, Node]:
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


def make_plan() -> Plan | None:
    """The plan, or None when the schema or the registry is not the one the pass mirrors."""
    root = node_for(INVOICE)
    if root is None:
        return None
    objects = objects_of(root)
    for owner, key, kind, name in SHAPES:
        node = objects.get(owner)
        sub = node.props.get(key) if node is not None else None
        if sub is not None and kind == "array" and sub.kind == "array":
            sub = sub.item
        elif sub is not None and sub.kind != kind:
            sub = None
        if sub is None or sub.kind != "object" or sub.name != name:
            return None
    if any(checks_of(CORE_TYPE_CHECKS.get(t)) != want for t, want in mirrored().items()):
        return None
    members = checked_members(root, CORE_TYPE_CHECKS)
    none: frozenset[str] = frozenset()
    if any(members.get(name, none) for name in LEAVES):
        return None
    other = {name: members.get(name, none) - keys for name, keys in FOLLOWED.items()}
    line_watch = other["bill.Line"] | LINE_EXTRAS
    item_watch = other["org.Item"] | ITEM_EXTRAS
    return Plan(
        invoice=other["bill.Invoice"],
        tax=other["bill.Tax"],
        party=other["org.Party"],
        party_watch=other["org.Party"] | PARTY_EXTRAS,
        person=other["org.Person"],
        line=other["bill.Line"],
        line_watch=line_watch,
        item=other["org.Item"],
        item_watch=item_watch,
        discount=other["bill.Discount"],
        charge=other["bill.Charge"],
        payment=other["bill.PaymentDetails"],
        preceding=other["org.DocumentRef"],
        terms=other["pay.Terms"],
        instructions=other["pay.Instructions"],
    )


_PLANNING: Final = threading.Lock()
_plans: list[Plan | None] = []


def plan() -> Plan | None:
    """The plan, made on first use; None when the one pass must never answer."""
    if not _plans:
        with _PLANNING:
            if not _plans:
                _plans.append(make_plan())
    return _plans[0]
