"""Payment terms, means and advances as printed lines (gobl ``pay/terms.go``,
``pay/instructions.go``, ``pay/advance.go``), in Spanish or English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from facturo.pdf.reading import Reader, as_list, as_map, as_text

_MEANS: Final = {
    "es": {
        "credit-transfer": "Transferencia bancaria",
        "direct-debit": "Domiciliación bancaria",
        "card": "Tarjeta",
        "cash": "Efectivo",
        "cheque": "Cheque",
        "online": "Pago en línea",
        "promissory-note": "Pagaré",
        "netting": "Compensación",
        "other": "Otro",
        "any": "Cualquiera",
    },
    "en": {
        "credit-transfer": "Bank transfer",
        "direct-debit": "Direct debit",
        "card": "Card",
        "cash": "Cash",
        "cheque": "Cheque",
        "online": "Online payment",
        "promissory-note": "Promissory note",
        "netting": "Netting",
        "other": "Other",
        "any": "Any",
    },
}
_TERMS: Final = {
    "es": {
        "due-date": "Pago a fecha de vencimiento",
        "instant": "Pago inmediato",
        "end-of-month": "Pago a fin de mes",
        "advanced": "Pagado por anticipado",
        "pending": "Pendiente",
    },
    "en": {
        "due-date": "Due on the dates below",
        "instant": "Due on receipt",
        "end-of-month": "Due at the end of the month",
        "advanced": "Paid in advance",
        "pending": "Pending",
    },
}


def payment_lines(r: Reader, payment: Mapping[str, Any]) -> tuple[str, ...]:
    """The lines of the Payment section; none when the invoice says nothing of payment."""
    if not payment:
        return ()
    lang = r.words.language
    w = r.words
    out: list[str] = []
    terms = as_map(payment.get("terms"))
    if terms:
        key = as_text(terms.get("key"))
        text = _TERMS[lang].get(key, key)
        detail = as_text(terms.get("detail"))
        out.append(f"{w['terms']}: {' — '.join(x for x in (text, detail) if x)}")
        for due in as_list(terms.get("due_dates")):
            d = as_map(due)
            out.append(f"  {r.date(d.get('date'))}: {r.money(d.get('amount'))}")
    instructions = as_map(payment.get("instructions"))
    if instructions:
        key = as_text(instructions.get("key"))
        means = _MEANS[lang].get(key.split("+", 1)[0], key)
        detail = as_text(instructions.get("detail"))
        out.append(f"{w['means']}: {' — '.join(x for x in (means, detail) if x)}")
        for transfer in as_list(instructions.get("credit_transfer")):
            t = as_map(transfer)
            fields = [
                f"{w['iban']}: {as_text(t.get('iban'))}" if t.get("iban") else "",
                f"{w['bic']}: {as_text(t.get('bic'))}" if t.get("bic") else "",
                as_text(t.get("number")),
                as_text(t.get("name")),
            ]
            out.append("  " + " · ".join(f for f in fields if f))
        debit = as_map(instructions.get("direct_debit"))
        if debit.get("account"):
            out.append(f"  {w['iban']}: {as_text(debit.get('account'))}")
        for online in as_list(instructions.get("online")):
            o = as_map(online)
            out.append(
                "  " + " ".join(x for x in (as_text(o.get("label")), as_text(o.get("url"))) if x)
            )
    for advance in as_list(payment.get("advances")):
        a = as_map(advance)
        parts = [r.date(a.get("date")) if a.get("date") else "", as_text(a.get("description"))]
        out.append(
            f"{w['advance']}: {' '.join(p for p in parts if p)} {r.money(a.get('amount'))}".strip()
        )
    return tuple(x for x in out if x.strip())


__all__ = ["payment_lines"]
