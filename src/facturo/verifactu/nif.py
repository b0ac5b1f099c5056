"""The Spanish NIF control character, as the AEAT checks it on every identifier (1123, 4116).

Port of python-stdnum's ``es.nif`` rule (DNI, NIE, K/L/M and CIF), kept here so building a
record does not pay for stdnum's generic cleaning on the hot path (it was most of the cost of a
record). K, L and M numbers use the DNI letter, as stdnum and the AEAT do; gobl checks them
with the CIF algorithm instead (STYLE.md, "Tax IDs").
"""

from __future__ import annotations

from typing import Final

_DNI_LETTERS: Final = "TRWAGMYFPDXBNJZSQVHLCKE"
_CIF_FIRST: Final = frozenset("ABCDEFGHJNPQRSUVW")
_CIF_LETTERS: Final = "JABCDEFGHI"
_NIE_PREFIX: Final = {"X": "0", "Y": "1", "Z": "2"}


def _dni_letter(digits: str) -> str:
    return _DNI_LETTERS[int(digits) % 23]


def _cif_checks(digits: str) -> str:
    """Both accepted control characters (digit and letter) of a CIF's 7 digits."""
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch)
        if i % 2 == 0:  # odd positions (1st, 3rd…) are doubled, Luhn style
            n *= 2
            n = n // 10 + n % 10
        total += n
    check = (10 - total % 10) % 10
    return f"{check}{_CIF_LETTERS[check]}"


def is_valid(number: str) -> bool:
    """Whether ``number`` is a 9-character NIF with the right control character."""
    if len(number) != 9 or not number[1:-1].isdigit() or not number.isascii():
        return False
    first, last = number[0], number[-1]
    if first.isdigit():
        return last == _dni_letter(number[:-1])
    if first in _NIE_PREFIX:
        return last == _dni_letter(_NIE_PREFIX[first] + number[1:-1])
    if first in "KLM":
        return last == _dni_letter(number[1:-1])
    if first in _CIF_FIRST:
        return last in _cif_checks(number[1:-1])
    return False


__all__ = ["is_valid"]
