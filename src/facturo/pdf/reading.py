"""Reading untrusted GOBL JSON and formatting its values with one locale.

The envelope is whatever the Silo stored, valid or not, so every accessor answers "missing"
for a wrong type instead of raising, and every text is cut to :data:`MAX_TEXT` characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any, Final

from facturo.pdf.labels import Words
from facturo.pdf.numbers import NumberFormat, currency_symbol

#: A description longer than this is cut (with "…") so that one line always fits on a page.
MAX_TEXT: Final = 1500


@dataclass(frozen=True, slots=True)
class PartyView:
    name: str
    tax_id: str
    lines: tuple[str, ...]  # address lines, identities, e-mails, telephones


def as_map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


def as_text(value: Any) -> str:
    if value is None or isinstance(value, (Mapping, list)):
        return ""
    out = str(value).strip()
    return out if len(out) <= MAX_TEXT else out[: MAX_TEXT - 1] + "…"


class Reader:
    """Formats values with one locale's words, number format and date format."""

    def __init__(
        self, words: Words, numbers: NumberFormat, date_format: str, time_format: str, cur: str
    ) -> None:
        self.words = words
        self.numbers = numbers
        self.date_format = date_format
        self.time_format = time_format
        self.symbol = currency_symbol(cur)
        self.home = ""  # the supplier's country, left out of domestic addresses

    def money(self, value: Any, *, negate: bool = False) -> str:
        text = as_text(value)
        if not text:
            return ""
        if negate and not text.startswith("-"):
            text = "-" + text
        elif negate:
            text = text[1:]
        return self.numbers.money(text, self.symbol)

    def date(self, value: Any) -> str:
        text = as_text(value)
        try:
            return date.fromisoformat(text).strftime(self.date_format)
        except ValueError:
            return text

    def time(self, value: Any) -> str:
        text = as_text(value)
        if not text or not self.time_format:
            return text
        try:
            return time.fromisoformat(text).strftime(self.time_format)
        except ValueError:
            return text

    def tax_id(self, value: Any) -> str:
        tid = as_map(value)
        code, country = as_text(tid.get("code")), as_text(tid.get("country"))
        if not code:
            return ""
        return code if country in ("", "ES") else f"{country}{code}"

    def party(self, value: Any) -> PartyView | None:
        party = as_map(value)
        if not party:
            return None
        lines: list[str] = []
        for address in as_list(party.get("addresses"))[:2]:
            lines.extend(address_lines(as_map(address), self.home))
        for identity in as_list(party.get("identities"))[:3]:
            ident = as_map(identity)
            label = as_text(ident.get("label") or ident.get("type") or ident.get("key"))
            code = as_text(ident.get("code"))
            if code:
                lines.append(f"{label}: {code}" if label else code)
        lines.extend(as_text(as_map(e).get("addr")) for e in as_list(party.get("emails"))[:3])
        lines.extend(as_text(as_map(t).get("num")) for t in as_list(party.get("telephones"))[:2])
        name = as_text(party.get("name")) or as_text(party.get("alias"))
        return PartyView(name, self.tax_id(party.get("tax_id")), tuple(x for x in lines if x))


def address_lines(address: Mapping[str, Any], home: str) -> list[str]:
    """Address lines; the country is left out when it is the supplier's own."""
    street = ", ".join(
        x
        for x in (
            as_text(address.get("street")),
            as_text(address.get("num")),
            " ".join(x for x in (as_text(address.get("floor")), as_text(address.get("door"))) if x),
        )
        if x
    )
    po_box = as_text(address.get("po_box"))
    extra = as_text(address.get("street_extra"))
    region = as_text(address.get("region"))
    locality = as_text(address.get("locality"))
    place = " ".join(x for x in (as_text(address.get("code")), locality) if x)
    if region and region != locality:
        place = f"{place} ({region})" if place else region
    country = as_text(address.get("country"))
    return [x for x in (street, extra, po_box, place, "" if country == home else country) if x]


__all__ = ["MAX_TEXT", "PartyView", "Reader", "address_lines", "as_list", "as_map", "as_text"]
