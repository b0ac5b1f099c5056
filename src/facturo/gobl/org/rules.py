"""Port of gobl org/*.go rules (identity, note, item, unit, document_ref, person, name,
telephone, website, endpoint, inbox, registration; 7a4ad62).

Codes, paths and messages are those of ``data/rules/org.json``. Like every gobl rule set they
are bound to a type and apply wherever that type appears, so they are registered by type for
:func:`facturo.gobl.rules.walk.check_types`. Party emails, item names and tax identities are
checked where the invoice rules already look at them.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

import re
from typing import Any, Final

from facturo.gobl import currency
from facturo.gobl.num import Amount
from facturo.gobl.pay.rules import is_url
from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext

_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
IDENTITY_SCOPES: Final = frozenset(["tax", "legal"])
NOTE_KEYS: Final = frozenset(
    [
        "goods",
        "payment",
        "payment-method",
        "payment-term",
        "legal",
        "dangerous-goods",
        "ack",
        "rate",
        "reason",
        "dispute",
        "customer",
        "glossary",
        "customs",
        "general",
        "handling",
        "packaging",
        "loading",
        "price",
        "priority",
        "regulatory",
        "safety",
        "ship-line",
        "supplier",
        "transport",
        "delivery",
        "quarantine",
        "tax",
        "other",
    ]
)
_UNECE_UNIT: Final = re.compile(r"^[A-Z0-9]{2,3}$")
UNITS: Final = frozenset(
    [
        "mg",
        "cg",
        "g",
        "kg",
        "t",
        "mm",
        "cm",
        "dm",
        "m",
        "lm",
        "km",
        "in",
        "ft",
        "lft",
        "mm2",
        "cm2",
        "dm2",
        "m2",
        "ac",
        "ha",
        "mm3",
        "cm3",
        "dm3",
        "m3",
        "ml",
        "cl",
        "dl",
        "l",
        "kl",
        "w",
        "kw",
        "kwh",
        "rate",
        "yr",
        "mon",
        "wk",
        "day",
        "s",
        "h",
        "min",
        "piece",
        "item",
        "pair",
        "dozen",
        "assortment",
        "service",
        "job",
        "activity",
        "trip",
        "group",
        "outfit",
        "kit",
        "basebox",
        "pk",
        "one",
        "bag",
        "box",
        "bin",
        "can",
        "tub",
        "case",
        "tray",
        "portion",
        "set",
        "roll",
        "carton",
        "cylinder",
        "barrel",
        "jerrican",
        "carboy",
        "demijohn",
        "bottle",
        "6pack",
        "canister",
        "pkg",
        "pkt",
        "bunch",
        "bdl",
        "blk",
        "tetrabrik",
        "pallet",
        "reel",
        "sack",
        "sheet",
        "envelope",
        "lot",
        "unit",
    ]
)


def is_unit(unit: str) -> bool:
    """gobl ``org.Unit``: one of gobl's unit keys, or a UN/ECE Rec. 20 code."""
    return unit in UNITS or bool(_UNECE_UNIT.match(unit))


def is_email(addr: str) -> bool:
    """Whether an inbox's email address has the shape gobl asks (``GOBL-ORG-INBOX-05``)."""
    return _EMAIL.match(addr) is not None


def check_identity(f: Faults, ident: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if ident.get("key") and ident.get("type"):
        f.add(
            "GOBL-ORG-IDENTITY-03",
            path,
            "identity must have either a key or type defined, but not both",
        )
    if not ident.get("code"):
        f.add("GOBL-ORG-IDENTITY-01", f"{path}.code", "identity code must be provided")
    scope = ident.get("scope")
    if scope and scope not in IDENTITY_SCOPES:
        f.add(
            "GOBL-ORG-IDENTITY-02",
            f"{path}.scope",
            "identity scope when provided must be either 'tax' or 'legal'",
        )


def check_note(f: Faults, note: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not note.get("text"):
        f.add("GOBL-ORG-NOTE-01", f"{path}.text", "note text is required")
    key = note.get("key")
    if key and key not in NOTE_KEYS:
        f.add("GOBL-ORG-NOTE-02", f"{path}.key", "note key must be a valid value")


def check_item(f: Faults, item: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not item.get("name"):
        f.add("GOBL-ORG-ITEM-01", f"{path}.name", "item name is required")
    price: Amount | None = item.get("price")
    if price is not None and price.is_negative():
        f.add("GOBL-ORG-ITEM-02", f"{path}.price", "item price must be zero or positive")
    unit = item.get("unit")
    if unit and not is_unit(unit):
        f.add("GOBL-ORG-UNIT-01", f"{path}.unit", "unit must be a valid value or UN/ECE code")


def check_document_ref(f: Faults, ref: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not ref.get("code"):
        f.add("GOBL-ORG-DOCUMENTREF-01", f"{path}.code", "document reference code is required")
    url = ref.get("url")
    if url and not is_url(url):
        f.add("GOBL-ORG-DOCUMENTREF-03", f"{path}.url", "document reference URL must be valid")


def check_person(f: Faults, person: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not person.get("name"):
        f.add("GOBL-ORG-PERSON-01", f"{path}.name", "person name is required")


def check_name(f: Faults, name: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not name.get("surname") and not name.get("given"):
        f.add(
            "GOBL-ORG-NAME-01",
            f"{path}.given",
            "given name is required when surname is absent",
        )
        f.add(
            "GOBL-ORG-NAME-02",
            f"{path}.surname",
            "surname is required when given name is absent",
        )


def check_telephone(f: Faults, tel: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not tel.get("num"):
        f.add("GOBL-ORG-TELEPHONE-01", f"{path}.num", "telephone number is required")


def check_website(f: Faults, site: dict[str, Any], path: str, ctx: RuleContext) -> None:
    url = site.get("url")
    if not url or not is_url(url):
        f.add("GOBL-ORG-WEBSITE-01", f"{path}.url", "website URL is required and must be valid")


def check_endpoint(f: Faults, endpoint: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not endpoint.get("uri"):
        f.add("GOBL-ORG-ENDPOINT-01", f"{path}.uri", "endpoint uri is required")


def check_inbox(f: Faults, inbox: dict[str, Any], path: str, ctx: RuleContext) -> None:
    code, url, email = inbox.get("code"), inbox.get("url"), inbox.get("email")
    if not (code or url or email):
        f.add("GOBL-ORG-INBOX-01", path, "inbox requires a code, url, or email")
    if url and (code or email):
        f.add("GOBL-ORG-INBOX-02", path, "inbox url must be blank when code or email is provided")
    if email and (code or url):
        f.add("GOBL-ORG-INBOX-03", path, "inbox email must be blank when code or url is provided")
    if url and not is_url(url):
        f.add("GOBL-ORG-INBOX-04", f"{path}.url", "inbox url must be valid")
    if email and not is_email(email):
        f.add("GOBL-ORG-INBOX-05", f"{path}.email", "inbox email must be valid")


def check_registration(f: Faults, reg: dict[str, Any], path: str, ctx: RuleContext) -> None:
    cur = reg.get("currency")
    if cur and not currency.is_defined(cur):
        f.add(
            "GOBL-ORG-REGISTRATION-01",
            f"{path}.currency",
            "registration currency must be a valid ISO 4217 code",
        )


TYPE_CHECKS: Final = {
    "org.Identity": check_identity,
    "org.Note": check_note,
    "org.Item": check_item,
    "org.DocumentRef": check_document_ref,
    "org.Person": check_person,
    "org.Name": check_name,
    "org.Telephone": check_telephone,
    "org.Website": check_website,
    "org.Endpoint": check_endpoint,
    "org.Inbox": check_inbox,
    "org.Registration": check_registration,
}
