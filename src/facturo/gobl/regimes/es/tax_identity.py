"""Port of gobl regimes/es/tax_identity.go (7a4ad62): Spanish NIF/CIF/NIE codes.

Where gobl and python-stdnum differ, this follows gobl: NIFs starting with K, L or M
("other" codes) are checked with the organisation (CIF) algorithm, whereas stdnum checks them
with the DNI letter. ``L1111111G`` is valid for stdnum and invalid here; ``L1111111I`` (or
``L11111119``) is what gobl accepts. The check character of organisations may be the digit or
the letter, whatever the first letter.
"""

from __future__ import annotations

import re
from typing import Final

from facturo.gobl.regimes.identity_common import common, luhn_check_digit

_LETTERS: Final = "TRWAGMYFPDXBNJZSQVHLCKE"
_ORG_LETTERS: Final = "JABCDEFGHI"
_ORG: Final = re.compile(r"^[ABCDEFGHJNPQRSUVW][0-9]{7}[0-9JABCDEFGHI]$")
_NATIONAL: Final = re.compile(rf"^[0-9]{{8}}[{_LETTERS}]$")
_FOREIGNER: Final = re.compile(rf"^[XYZ][0-9]{{7}}[{_LETTERS}]$")
_OTHER: Final = re.compile(r"^[KLM][0-9]{7}[0-9JABCDEFGHI]$")


def normalize_code(code: str) -> str:
    """gobl's common normalization (:func:`common`), then numeric NIFs left-padded to nine."""
    code = common(code, "ES")
    if code[:1].isdigit():
        code = code.rjust(9, "0")
    return code


def _check_org(code: str) -> bool:
    """The seven digits' Luhn digit (odd positions from the left doubled), or its letter."""
    c = int(luhn_check_digit(code[1:8]))
    return code[8] in (str(c), _ORG_LETTERS[c])


def _check_national(code: str) -> bool:
    n = int(code[:8])
    return n != 0 and _LETTERS[n % 23] == code[8]


def _check_foreigner(code: str) -> bool:
    n = int(str("XYZ".index(code[0])) + code[1:8])
    return _LETTERS[n % 23] == code[8]


def is_valid_code(code: str) -> bool:
    """gobl's ``verifyTaxCode``: organisation, national, foreigner, then other."""
    if _ORG.match(code):
        return _check_org(code)
    if _NATIONAL.match(code):
        return _check_national(code)
    if _FOREIGNER.match(code):
        return _check_foreigner(code)
    if _OTHER.match(code):
        return _check_org(code)
    return False


def identity_kind(code: str) -> str:
    """gobl ``TaxIdentityKey``: ``org``, ``national``, ``foreigner``, ``other`` or ``""``.

    Addons use it to tell companies from individuals (TicketBAI asks Bizkaia individuals for
    their activity code); the kind comes from the code's shape, valid or not.
    """
    if _ORG.match(code):
        return "org"
    if _NATIONAL.match(code):
        return "national"
    if _FOREIGNER.match(code):
        return "foreigner"
    if _OTHER.match(code):
        return "other"
    return ""
