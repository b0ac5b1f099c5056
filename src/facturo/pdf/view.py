"""An invoice as it will be printed: every value read from the envelope and formatted once.

Reading and formatting are kept apart from page layout so each can be checked on its own: this
module knows GOBL's JSON (gobl ``bill/invoice.go``, ``org/party.go``, ``pay/*.go``), the layout
module knows only strings. The envelope is untrusted (any JSON the Silo stored, valid or not),
so every field is optional here and a wrong type reads as missing instead of raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from facturo.pdf.errors import NotAnInvoice
from facturo.pdf.labels import Words
from facturo.pdf.numbers import NumberFormat
from facturo.pdf.payment import payment_lines
from facturo.pdf.reading import PartyView, Reader, as_list, as_map, as_text

INVOICE_SCHEMA: Final = "https://gobl.org/draft-0/bill/invoice"

_SIMPLIFIED_DOC_TYPES: Final = frozenset({"F2", "R5"})  # VERI*FACTU / SII TipoFactura
_EXEMPTION_EXTS: Final = (
    "es-verifactu-exempt",
    "es-verifactu-op-class",
    "es-sii-exempt",
    "es-tbai-exemption",
)
_TAXED_OP_CLASSES: Final = frozenset({"S1"})  # subject and not exempt: nothing to explain


@dataclass(frozen=True, slots=True)
class LineView:
    index: str
    description: str
    quantity: str
    price: str
    discount: str
    total: str


@dataclass(frozen=True, slots=True)
class TaxRowView:
    tax: str
    base: str
    rate: str
    amount: str
    surcharge_rate: str
    surcharge_amount: str
    retained: bool


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """The printed invoice: titles, parties, lines, taxes, totals, payment, notes."""

    title: str
    number: str
    facts: tuple[tuple[str, str], ...]  # (label, value): dates, currency, order reference
    supplier: PartyView
    customer: PartyView | None
    preceding: tuple[str, ...]
    lines: tuple[LineView, ...]
    taxes: tuple[TaxRowView, ...]
    exemptions: tuple[str, ...]
    totals: tuple[tuple[str, str, bool], ...]  # (label, value, emphasised)
    payment: tuple[str, ...]
    notes: tuple[str, ...]
    has_surcharge: bool = False
    has_discounts: bool = False


def build_view(
    envelope: Mapping[str, Any],
    *,
    words: Words,
    numbers: NumberFormat,
    date_format: str,
    time_format: str = "",
    duplicate: bool = False,
    label: str = "",
) -> InvoiceView:
    """Read a GOBL invoice envelope (or bare invoice) into printable strings."""
    doc = as_map(envelope.get("doc")) if "doc" in envelope else envelope
    if as_text(doc.get("$schema")) != INVOICE_SCHEMA:
        raise NotAnInvoice()
    currency = as_text(doc.get("currency")) or "EUR"
    r = Reader(words, numbers, date_format, time_format, currency)

    title = words[_title_key(doc)]
    marks = [m for m in (label, words["duplicate"] if duplicate else "") if m]
    if marks:
        title = f"{title} · {' · '.join(marks)}"
    number = "-".join(x for x in (as_text(doc.get("series")), as_text(doc.get("code"))) if x)

    facts: list[tuple[str, str]] = [(words["issue_date"], r.date(doc.get("issue_date")))]
    if doc.get("issue_time"):
        facts.append((words["issue_time"], r.time(doc.get("issue_time"))))
    for key, label in (("op_date", "operation_date"), ("value_date", "value_date")):
        if doc.get(key):
            facts.append((words[label], r.date(doc.get(key))))
    ordering = as_map(doc.get("ordering"))
    if ordering.get("code"):
        facts.append((words["ordering"], as_text(ordering.get("code"))))
    if currency != "EUR":
        facts.append((words["currency"], currency))

    r.home = _home_country(as_map(doc.get("supplier")))
    supplier = r.party(doc.get("supplier")) or PartyView("", "", ())
    customer = r.party(doc.get("customer"))

    preceding = tuple(
        _preceding(r, as_map(p)) for p in as_list(doc.get("preceding")) if isinstance(p, Mapping)
    )
    lines = tuple(_line(r, as_map(line), n) for n, line in enumerate(as_list(doc.get("lines")), 1))
    for charge in as_list(doc.get("charges")):
        c = as_map(charge)
        lines += (
            LineView(
                "",
                as_text(c.get("reason")) or words["charges"],
                "",
                "",
                "",
                r.money(c.get("amount")),
            ),
        )
    for discount in as_list(doc.get("discounts")):
        d = as_map(discount)
        lines += (
            LineView(
                "",
                as_text(d.get("reason")) or words["discounts"],
                "",
                "",
                "",
                r.money(d.get("amount"), negate=True),
            ),
        )

    totals_doc = as_map(doc.get("totals"))
    taxes, exemptions = _taxes(r, as_map(totals_doc.get("taxes")))
    return InvoiceView(
        title=title,
        number=number,
        facts=tuple(facts),
        supplier=supplier,
        customer=customer,
        preceding=preceding,
        lines=lines,
        taxes=taxes,
        exemptions=exemptions,
        totals=_totals(r, totals_doc),
        payment=payment_lines(r, as_map(doc.get("payment"))),
        notes=tuple(
            t for t in (as_text(as_map(n).get("text")) for n in as_list(doc.get("notes"))) if t
        ),
        has_surcharge=any(t.surcharge_amount for t in taxes),
        has_discounts=any(line.discount for line in lines),
    )


def _home_country(supplier: Mapping[str, Any]) -> str:
    country = as_text(as_map(supplier.get("tax_id")).get("country"))
    addresses = as_list(supplier.get("addresses"))
    return country or (as_text(as_map(addresses[0]).get("country")) if addresses else "")


def _title_key(doc: Mapping[str, Any]) -> str:
    kind = as_text(doc.get("type")) or "standard"
    tags = {as_text(t) for t in as_list(doc.get("$tags"))}
    ext = as_map(as_map(doc.get("tax")).get("ext"))
    doc_types = {as_text(v) for k, v in ext.items() if str(k).endswith("-doc-type")}
    simplified = "simplified" in tags or bool(doc_types & _SIMPLIFIED_DOC_TYPES)
    if simplified:
        return "simplified" if kind == "standard" else "simplified-corrective"
    return kind if kind in ("corrective", "credit-note", "debit-note", "proforma") else "standard"


def _preceding(r: Reader, p: Mapping[str, Any]) -> str:
    number = "-".join(x for x in (as_text(p.get("series")), as_text(p.get("code"))) if x)
    parts = [number, r.date(p.get("issue_date")) if p.get("issue_date") else ""]
    reason = as_text(p.get("reason"))
    if reason:
        parts.append(f"{r.words['correction_reason']}: {reason}")
    return " · ".join(x for x in parts if x)


def _line(r: Reader, line: Mapping[str, Any], n: int) -> LineView:
    item = as_map(line.get("item"))
    parts = [as_text(item.get("name"))]
    if item.get("description"):
        parts.append(as_text(item.get("description")))
    identifier = as_map(line.get("identifier"))
    if identifier.get("code"):
        parts.append(
            f"{as_text(identifier.get('label'))} {as_text(identifier.get('code'))}".strip()
        )
    for note in as_list(line.get("notes")):
        parts.append(as_text(as_map(note).get("text")))
    description = as_text("\n".join(p for p in parts if p))
    quantity = r.numbers.number(as_text(line.get("quantity")))
    unit = as_text(item.get("unit"))
    if quantity and unit:
        quantity = f"{quantity} {unit}"
    discounts = []
    for d in as_list(line.get("discounts")):
        disc = as_map(d)
        pct = as_text(disc.get("percent"))
        amount = r.money(disc.get("amount"))
        discounts.append(f"{r.numbers.percent(pct)} ({amount})" if pct and amount else amount)
    return LineView(
        index=as_text(line.get("i")) or str(n),
        description=description,
        quantity=quantity,
        price=r.money(item.get("price")),
        discount="\n".join(d for d in discounts if d),
        total=r.money(line.get("total")),
    )


def _taxes(r: Reader, taxes: Mapping[str, Any]) -> tuple[tuple[TaxRowView, ...], tuple[str, ...]]:
    rows: list[TaxRowView] = []
    exemptions: list[str] = []
    for category in as_list(taxes.get("categories")):
        cat = as_map(category)
        code = as_text(cat.get("code"))
        retained = cat.get("retained") is True
        for rate in as_list(cat.get("rates")):
            rt = as_map(rate)
            key = as_text(rt.get("key"))
            percent = as_text(rt.get("percent"))
            name = r.words.category(code)
            if retained:
                name = f"{r.words['retained']} {name}"
            surcharge = as_map(rt.get("surcharge"))
            rows.append(
                TaxRowView(
                    tax=name,
                    base=r.money(rt.get("base")),
                    rate=r.numbers.percent(percent) if percent else r.words.rate_key(key),
                    amount=r.money(rt.get("amount"), negate=retained),
                    surcharge_rate=r.numbers.percent(as_text(surcharge.get("percent")))
                    if surcharge.get("percent")
                    else "",
                    surcharge_amount=r.money(surcharge.get("amount")),
                    retained=retained,
                )
            )
            reason = _exemption(r, key, percent, as_map(rt.get("ext")))
            if reason and reason not in exemptions:
                exemptions.append(reason)
    return tuple(rows), tuple(exemptions)


def _exemption(r: Reader, key: str, percent: str, ext: Mapping[str, Any]) -> str:
    codes = [as_text(ext.get(k)) for k in _EXEMPTION_EXTS if ext.get(k)]
    codes = [c for c in codes if c not in _TAXED_OP_CLASSES]
    if not codes and percent:
        return ""
    if not codes:
        return r.words.rate_key(key) if key and key != "zero" else ""
    described = [f"{c}: {r.words.exemptions[c]}" if c in r.words.exemptions else c for c in codes]
    return f"{r.words.rate_key(key)} — {'; '.join(described)}" if key else "; ".join(described)


def _totals(r: Reader, totals: Mapping[str, Any]) -> tuple[tuple[str, str, bool], ...]:
    w = r.words
    out: list[tuple[str, str, bool]] = []

    def add(label: str, key: str, *, negate: bool = False, strong: bool = False) -> None:
        if totals.get(key) not in (None, ""):
            out.append((w[label], r.money(totals.get(key), negate=negate), strong))

    add("sum", "sum")
    add("discounts", "discount", negate=True)
    add("charges", "charge")
    add("total", "total")
    add("tax_total", "tax")
    add("total_with_tax", "total_with_tax", strong=True)
    add("retained_tax", "retained_tax", negate=True)
    add("rounding", "rounding")
    if totals.get("retained_tax") or totals.get("rounding") or totals.get("advance"):
        add("payable", "payable", strong=True)
    add("advance", "advance", negate=True)
    add("due", "due", strong=True)
    return tuple(out)


__all__ = ["INVOICE_SCHEMA", "InvoiceView", "LineView", "TaxRowView", "build_view"]
