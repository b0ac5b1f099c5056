"""Amounts, quantities and percentages as printed: GOBL's strings with the locale's separators.

GOBL writes every amount as a decimal string with its exact precision (``"1970.20"``,
``"21.0%"``). The renderer keeps that text and only regroups its digits, so what the PDF shows
is exactly what the envelope holds: no float, no re-rounding, trailing zeros kept.

Templates follow gobl ``num/formatter.go``: ``%n`` is the number, ``%u`` the unit (the
currency's symbol); the negative template is used when the value is below zero and receives the
number without its sign (``-%n %u``, or ``(%u%n)`` for accountants).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_NUMBER = re.compile(r"^([+-]?)(\d+)(?:\.(\d+))?$")


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """How a locale writes numbers and money."""

    decimal_mark: str
    thousands_separator: str
    template: str
    negative_template: str

    def number(self, text: str) -> str:
        """A decimal string with this format's separators (``"1234.50"`` → ``"1.234,50"``)."""
        match = _NUMBER.match(text.strip())
        if match is None:
            return text  # not a plain decimal (already formatted or free text): print as is
        sign, whole, fraction = match.groups()
        grouped = _group(whole, self.thousands_separator)
        out = grouped + (self.decimal_mark + fraction if fraction is not None else "")
        return ("-" if sign == "-" and _nonzero(whole, fraction) else "") + out

    def money(self, text: str, symbol: str) -> str:
        """An amount with its currency symbol placed by the (negative) template."""
        stripped = text.strip()
        match = _NUMBER.match(stripped)
        negative = match is not None and match[1] == "-" and _nonzero(match[2], match[3])
        magnitude = self.number(stripped.lstrip("+-")) if negative else self.number(stripped)
        template = self.negative_template if negative else self.template
        return template.replace("%u", symbol).replace("%n", magnitude).strip()

    def percent(self, text: str) -> str:
        """A GOBL percentage (``"21.0%"``) with this format's decimal mark."""
        stripped = text.strip()
        if stripped.endswith("%"):
            return self.number(stripped[:-1]) + "%"
        return self.number(stripped)


def _group(digits: str, separator: str) -> str:
    digits = digits.lstrip("0") or "0"
    if not separator:
        return digits
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(parts)


def _nonzero(whole: str, fraction: str | None) -> bool:
    return any(c != "0" for c in whole + (fraction or ""))


@cache
def _currencies() -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for name in ("iso.json", "non-iso.json"):
        path = resources.files("facturo.gobl.data").joinpath("currency", name)
        for definition in json.loads(path.read_text("utf-8")):
            out.setdefault(str(definition["iso_code"]), definition)
    return out


def currency_symbol(code: str) -> str:
    """The symbol gobl's currency data gives (``EUR`` → ``€``), or the code itself."""
    definition = _currencies().get(code)
    symbol = definition.get("symbol") if definition else None
    return str(symbol) if symbol else code


__all__ = ["NumberFormat", "currency_symbol"]
