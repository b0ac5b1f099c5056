"""What an e-mail template sees: the variables documented by Invopop, from the envelope and the job.

Spec §5.1 names ``{{.full_code}}``, ``{{.customer_name}}``, ``{{.faults}}`` and ``{{args.x}}``;
the catalogue adds ``{{ .supplier_name }}``. The rest follow the same pattern (a flat name per
thing an e-mail about an invoice says), and ``doc`` and ``head`` give the whole envelope to a
template that needs more (``{{.doc.payment.terms.notes}}``). PURE: callers pass the envelope and
the job's args and faults.

Amounts stay the strings GOBL writes (``"2178.00"``), so a template prints exactly what the
invoice says; ``full_code`` is ``SERIES-CODE`` (the code alone without a series), as invoices are
referred to in the Console and on the PDF.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any

from facturo.errors import Fault

_DRAFT = "https://gobl.org/draft-0/"


class FaultList(list[dict[str, Any]]):
    """The job's faults: ``{{range .faults}}{{.code}}{{end}}`` works, ``{{.faults}}`` reads well.

    Go prints a slice of structs as ``[{a b} {c d}]``; an e-mail saying "failed with error:
    {{.faults}}" (Invopop's Stripe template) should rather say what failed, so the list prints
    as ``provider: message (code)`` items joined by ``; ``.
    """

    def template_text(self) -> str:
        return "; ".join(_fault_text(item) for item in self)


def _fault_text(item: Mapping[str, Any]) -> str:
    text = str(item.get("message") or item.get("code") or "")
    if item.get("code") and item.get("message"):
        text = f"{text} ({item['code']})"
    if item.get("provider"):
        text = f"{item['provider']}: {text}"
    return text


def fault_list(faults: Iterable[Fault]) -> FaultList:
    return FaultList(
        {"code": f.code, "message": f.message, "provider": f.provider, "paths": list(f.paths)}
        for f in faults
    )


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _tax_id(party: Mapping[str, Any]) -> str:
    tax_id = _map(party.get("tax_id"))
    return f"{_text(tax_id.get('country'))}{_text(tax_id.get('code'))}"


def party_emails(party: Any) -> list[str]:
    """A GOBL ``org/party``'s e-mail addresses as ``Name <addr>`` (or bare addresses)."""
    party = _map(party)
    emails = party.get("emails")
    name = _text(party.get("name"))
    found: list[str] = []
    for item in emails if isinstance(emails, list) else []:
        addr = _text(_map(item).get("addr")).strip()
        if addr:
            found.append(formataddr((name, addr)) if name else addr)
    return found


@dataclass(frozen=True, slots=True)
class JobFacts:
    """The parts of a job a template may read."""

    job_id: str
    silo_entry_id: str
    key: str
    args: Mapping[str, str]
    faults: Sequence[Fault]
    state: str = ""


def template_data(envelope: Mapping[str, Any] | None, job: JobFacts) -> dict[str, Any]:
    """The top-level dot of the subject and body templates."""
    env = _map(envelope)
    doc = _map(env.get("doc"))
    head = _map(env.get("head"))
    totals = _map(doc.get("totals"))
    supplier = _map(doc.get("supplier"))
    customer = _map(doc.get("customer"))
    series, code = _text(doc.get("series")), _text(doc.get("code"))
    due_dates = _map(_map(doc.get("payment")).get("terms")).get("due_dates")
    first_due = _map(due_dates[0]) if isinstance(due_dates, list) and due_dates else {}
    stamps = head.get("stamps")
    supplier_emails, customer_emails = party_emails(supplier), party_emails(customer)
    return {
        "schema": _text(doc.get("$schema")).removeprefix(_DRAFT),
        "type": _text(doc.get("type")),
        "series": series,
        "code": code,
        "full_code": f"{series}-{code}" if series and code else code,
        "issue_date": _text(doc.get("issue_date")),
        "op_date": _text(doc.get("op_date")),
        "due_date": _text(first_due.get("date")),
        "currency": _text(doc.get("currency")),
        "sum": _text(totals.get("sum")),
        "tax": _text(totals.get("tax")),
        "total": _text(totals.get("total_with_tax")),
        "total_with_tax": _text(totals.get("total_with_tax")),
        "payable": _text(totals.get("payable")),
        "supplier_name": _text(supplier.get("name")),
        "supplier_tax_id": _tax_id(supplier),
        "supplier_email": supplier_emails[0] if supplier_emails else "",
        "customer_name": _text(customer.get("name")),
        "customer_tax_id": _tax_id(customer),
        "customer_email": customer_emails[0] if customer_emails else "",
        # An org/party entry (supplier registration flows) names the party itself.
        "name": _text(doc.get("name")),
        "tax_id": _tax_id(doc),
        "stamps": {
            _text(_map(s).get("prv")): _text(_map(s).get("val"))
            for s in (stamps if isinstance(stamps, list) else [])
        },
        "doc": doc,
        "head": head,
        "args": dict(job.args),
        "faults": fault_list(job.faults),
        "job_id": job.job_id,
        "silo_entry_id": job.silo_entry_id,
        "key": job.key,
        "state": job.state,
    }
