"""Port of gobl's validation entry points (gobl.go ``Validate``, envelope.go; 7a4ad62).

Validation never calculates: it reads the document as given. Rule sets apply by guard: core
rules always, ES rules when ``$regime`` is ES, addon rules when the addon is listed
(:data:`facturo.gobl.addons.registry.ADDONS`). Core rules bound to a type (terms, identities,
notes, combos, lines...) run on every value of that type wherever it sits, as gobl's
``rules.For`` sets do (:mod:`facturo.gobl.rules.registry`). Inside an envelope every document
path is prefixed ``$.doc`` and the digest is checked.
"""

from __future__ import annotations

from typing import Any

from facturo.errors import Fault
from facturo.gobl.addons.registry import ADDONS
from facturo.gobl.bill import invoice_rules
from facturo.gobl.dsig import digest_document
from facturo.gobl.errors import validation
from facturo.gobl.regimes.es import bill_invoice as es_rules
from facturo.gobl.rules.clean_invoice import is_clean
from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.registry import CORE_TYPE_CHECKS
from facturo.gobl.rules.walk import RuleContext, check_types
from facturo.gobl.schema.codec import Encoded, decode_document, encode_document
from facturo.gobl.schema.registry import GOBL_BASE, node_for
from facturo.gobl.tax.regime_def import addon, regime


def document_faults(doc: dict[str, Any], prefix: str = "") -> list[Fault]:
    """Faults of a bare document (gobl JSON or typed tree).

    An invoice that :func:`~facturo.gobl.rules.clean_invoice.is_clean` sees through has none,
    and is answered in one pass; any other document goes through :func:`rule_faults`.
    """
    return typed_faults(decode_document(doc, prefix or "$"), prefix)


def typed_faults(typed: dict[str, Any], prefix: str = "") -> list[Fault]:
    """:func:`document_faults` of a document already read (:func:`decode_document`)."""
    if is_clean(typed):
        return []
    return rule_faults(typed, prefix)


def built_faults(typed: dict[str, Any], enc: Encoded, prefix: str = "") -> list[Fault]:
    """Faults of a document just calculated (``typed``) and written (``enc``): the build's check.

    Rules judge a document as gobl writes it, which is ``enc.out`` read back. Reading it back
    costs as much as a tenth of a build, and nearly every built invoice is valid, so the
    calculated tree is asked first: :func:`~facturo.gobl.rules.clean_invoice.is_clean`
    answers yes only where the written document has no fault either (members the writer
    drops, such as empty ones, make it stricter, never looser). Any other answer, and output
    that does not read back, goes to :func:`document_faults` of the output, as before.
    """
    if enc.readable and is_clean(typed):
        return []
    return document_faults(enc.out, prefix)


def rule_faults(typed: dict[str, Any], prefix: str = "") -> list[Fault]:
    """Faults of a typed document from every rule set that applies to it (the general path)."""
    f = Faults(prefix)
    schema = str(typed.get("$schema", ""))[len(GOBL_BASE) :]
    if schema == "bill/invoice":
        reg = regime(typed.get("$regime", ""))
        invoice_rules.check_invoice(f, typed, reg)
        if typed.get("$regime") == "ES":
            es_rules.check_invoice(f, typed)
        else:
            for who in ("supplier", "customer"):
                party = typed.get(who) or {}
                es_rules.check_es_tax_identity(f, party.get("tax_id"), f"$.{who}.tax_id")
        for key in typed.get("$addons") or ():
            code = ADDONS.get(key)
            if code is not None and code.invoice_rules is not None:
                code.invoice_rules(f, typed)
    elif schema in ("org/party", "bill/payment", "bill/order", "bill/delivery", "bill/status"):
        for who in ("supplier", "customer", ""):
            party = (typed.get(who) or {}) if who else typed
            path = f"$.{who}.tax_id" if who else "$.tax_id"
            es_rules.check_es_tax_identity(f, party.get("tax_id"), path)
    elif schema == "tax/identity":
        es_rules.check_es_tax_identity(f, typed, "$")
    for i, key in enumerate(typed.get("$addons") or ()):
        if addon(key) is None:  # calculation drops them; a document only validated keeps them
            f.add("GOBL-TAX-ADDONS-01", f"$.$addons[{i}]", "add-on must be registered")
    node = node_for(str(typed.get("$schema", "")))
    if node is not None:
        ctx = RuleContext(typed, regime(typed.get("$regime", "")))
        check_types(f, typed, node, CORE_TYPE_CHECKS, ctx)
    return f.to_list()


def envelope_faults(env: dict[str, Any]) -> list[Fault]:
    """Faults of an envelope: its document's (paths under ``$.doc``), its digest, its seals."""
    head = env.get("head") or {}
    ignore = frozenset(head.get("ignore") or ())
    out: list[Fault] = []
    doc = env.get("doc")
    if not doc:
        out.append(Fault("GOBL-ENVELOPE-03", "envelope doc is required", ("$.doc",)))
        return out
    typed = decode_document(doc, "$.doc")  # read once: the rules and the digest take it
    out.extend(typed_faults(typed, prefix="$.doc"))
    dig = head.get("dig") or {}
    if dig.get("val") != digest_document(encode_document(typed)).val:
        out.append(
            Fault("GOBL-ENVELOPE-11", "envelope digest does not match document contents", ("$",))
        )
    if head.get("stamps") and not env.get("sigs"):
        out.append(
            Fault(
                "GOBL-ENVELOPE-12",
                "envelope header cannot have stamps when not signed",
                ("$.head.stamps",),
            )
        )
    if env.get("sigs") and doc.get("$schema") == GOBL_BASE + "bill/invoice" and not doc.get("code"):
        out.append(
            Fault(
                "GOBL-ENVELOPE-13",
                "envelope doc is not ready to be signed, check code or other key fields",
                ("$",),
            )
        )
    return [f for f in out if f.code not in ignore]


def validate(data: dict[str, Any]) -> None:
    """Raise :class:`GoblError` (key ``validation``) when a document or envelope has faults."""
    from facturo.gobl.envelope import is_envelope

    faults = envelope_faults(data) if is_envelope(data) else document_faults(data)
    if faults:
        raise validation(faults)
