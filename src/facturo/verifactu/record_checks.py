"""The text and NIF checks every part of a VERI*FACTU record shares, and how faults gather.

A record reports every rule it breaks at once, each fault with its AEAT code (``errores.csv``)
and the element path inside the record, so a caller fixes an invoice in one round instead of
one fault at a time [VAL §3.1]. Texts follow the XSD's lengths and what survives XML 1.0 and
the AEAT's trimming: values that would change on the way are refused, never rewritten.
"""

from __future__ import annotations

import re
from typing import Final

from facturo.errors import Fault
from facturo.verifactu import formats
from facturo.verifactu.errors import RecordInvalid

#: Characters XML 1.0 cannot carry, plus the noncharacters U+FFFE and U+FFFF.
CONTROL_RE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Faults:
    """Collects faults so a record reports every broken rule at once, not the first."""

    def __init__(self) -> None:
        self.items: list[Fault] = []

    def add(self, code: str, message: str, path: str) -> None:
        self.items.append(Fault(code=code, message=message, paths=(path,)))

    def check_text(self, value: str, path: str, *, max_len: int, required: bool = True) -> None:
        stripped = value.strip()
        if required and not stripped:
            self.add("1100", "value is required", path)
        elif len(value) > max_len:
            self.add("1100", f"longer than {max_len} characters", path)
        elif value != stripped:
            self.add("1100", "leading or trailing blanks (the AEAT trims them)", path)
        elif has_control(value):
            self.add("1100", "control characters cannot travel in XML 1.0", path)

    def check_nif(self, value: str, path: str) -> None:
        if formats.NIF_RE.fullmatch(value) is None:
            self.add("1123", "NIF must be 9 upper-case letters or digits", path)

    def raise_if_any(self, what: str) -> None:
        if self.items:
            raise RecordInvalid(f"{what} breaks AEAT rules", faults=self.items)


def is_plain_text(value: str, max_len: int) -> bool:
    """Whether :meth:`Faults.check_text` finds nothing wrong with a required ``value``."""
    return (
        0 < len(value) <= max_len
        and value == value.strip()
        and ((value.isascii() and value.isprintable()) or CONTROL_RE.search(value) is None)
    )  # the second test of has_control, written out: every record checks two texts


def has_control(value: str) -> bool:
    """Whether ``value`` has a character :data:`CONTROL_RE` finds.

    Printable ASCII (space to ``~``) has none of them, and most names and descriptions are
    printable ASCII: two string methods answer for those in less time than the regular
    expression takes; any other text goes to the expression.
    """
    return not (value.isascii() and value.isprintable()) and CONTROL_RE.search(value) is not None


__all__ = ["CONTROL_RE", "Faults", "has_control", "is_plain_text"]
