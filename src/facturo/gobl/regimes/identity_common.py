"""What gobl's regimes share to normalize and check tax ID codes (``tax.NormalizeIdentity``).

Kept apart from the regimes that use it: Spain's module and the other countries' tables both
build on it.
"""

from __future__ import annotations

import re
from typing import Final

_BAD: Final = re.compile(r"[^A-Z0-9Ñ&]+")


def go_upper(text: str) -> str:
    """Go's ``strings.ToUpper``: each character's single upper-case form, or itself.

    Python's ``str.upper`` applies full case mappings (``ß`` becomes ``SS``); Go maps one rune
    to one rune and leaves a character without a simple upper case as it is.
    """
    if text.isascii():
        return text.upper()
    return "".join(u if len(u := ch.upper()) == 1 else ch for ch in text)


def common(code: str, country: str, *alt: str) -> str:
    """gobl's ``tax.NormalizeIdentity``: upper-case, bad characters out, prefixes trimmed.

    The identity's own country code is trimmed once from the start, then each ``alt`` code in
    turn (Go's ``strings.TrimPrefix``).
    """
    code = _BAD.sub("", go_upper(code))
    for prefix in (country, *alt):
        if prefix and code.startswith(prefix):
            code = code[len(prefix) :]
    return code


def luhn_check_digit(number: str) -> str:
    """The Luhn check digit of a string of digits (gobl's ``common.ComputeLuhnCheckDigit``)."""
    total = 0
    for pos, ch in enumerate(reversed(number)):
        n = int(ch)
        if pos % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return str((10 - total % 10) % 10)
