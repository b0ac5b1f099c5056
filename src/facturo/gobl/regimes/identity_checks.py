"""Tax ID codes checked by their own country's regime: Europe's VAT codes, UK, Swiss, Norwegian.

gobl checks every tax identity with the regime of the identity's country (``GOBL-XX-TAX-
IDENTITY-NN``, only when a code is given), after the regime normalized it
(:mod:`facturo.gobl.regimes.identity_codes`). Spain's check is
:mod:`facturo.gobl.regimes.es.tax_identity`; these are the other member states that have a
regime in gobl, the United Kingdom, Switzerland and Norway, each the format and check digits
gobl's regime tests. Where gobl and python-stdnum differ, this follows gobl (the Dutch code
accepts the mod-97 form of sole traders; a French code is checked on its key alone).

Countries gobl has no regime for, and the regimes outside Europe, get no check here: their
codes are judged by the common format rule only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Final

from facturo.gobl.regimes.identity_common import luhn_check_digit

Check = Callable[[str], str | None]
"""A code's check: None when it passes, else the number of the rule that fails ("01")."""


def _digits(code: str, n: int) -> list[int] | None:
    return [int(c) for c in code] if len(code) == n and code.isdigit() and code.isascii() else None


def _weighted(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False))


def _at(code: str) -> str | None:
    if not re.fullmatch(r"U\d{8}", code):
        return "01"
    total = 0
    for i, w in enumerate((1, 2, 1, 2, 1, 2, 1)):
        x = int(code[i + 1]) * w
        total += x // 10 + x % 10 if x > 9 else x
    chk = 10 - (total + 4) % 10
    return None if (0 if chk == 10 else chk) == int(code[8]) else "01"


def _be(code: str) -> str | None:
    if not re.fullmatch(r"[01]?\d{9}", code):
        return "01"
    if len(code) == 9:
        code = "0" + code
    return None if 97 - int(code[:8]) % 97 == int(code[8:]) else "01"


def _ch(code: str) -> str | None:
    if not re.fullmatch(r"E\d{9}", code):
        return "01"
    total = 11 - _weighted([int(c) for c in code[1:9]], (5, 4, 3, 2, 7, 6, 5, 4)) % 11
    if total == 10:
        return "01"
    return None if (0 if total == 11 else total) == int(code[9]) else "01"


def _cy(code: str) -> str | None:
    return None if re.fullmatch(r"\d{8}[A-Z]", code) else "01"


def _cz(code: str) -> str | None:
    if not re.fullmatch(r"\d{8,10}", code):
        return "01"
    if len(code) == 8:
        chk = 11 - _weighted([int(c) for c in code[:7]], (8, 7, 6, 5, 4, 3, 2)) % 11
        chk = {10: 0, 11: 1}.get(chk, chk)
        return None if chk == int(code[7]) else "01"
    if len(code) == 10:
        return None if int(code) % 11 == 0 else "01"
    return None  # nine digits: no check digit


def _de(code: str) -> str | None:
    if not re.fullmatch(r"[1-9]\d{8}", code):
        return "01"
    p = 10
    for c in code[:8]:
        s = (int(c) + p) % 10 or 10
        p = (2 * s) % 11
    chk = 11 - p
    return None if (0 if chk == 10 else chk) == int(code[8]) else "01"


def _dk(code: str) -> str | None:
    d = _digits(code, 8)
    return None if d is not None and _weighted(d, (2, 7, 6, 5, 4, 3, 2, 1)) % 11 == 0 else "01"


def _ee(code: str) -> str | None:
    d = _digits(code, 9)
    if d is None:
        return "01"
    return None if (10 - _weighted(d, (3, 7, 1, 3, 7, 1, 3, 7)) % 10) % 10 == d[8] else "01"


def _el(code: str) -> str | None:
    d = _digits(code, 9)
    if d is None:
        return "01"
    total = sum(d[i] * 2 ** (8 - i) for i in range(8))
    return None if total % 11 % 10 == d[8] else "01"


def _fi(code: str) -> str | None:
    d = _digits(code, 8)
    return None if d is not None and _weighted(d, (7, 9, 10, 5, 8, 4, 2, 1)) % 11 == 0 else "01"


def _fr(code: str) -> str | None:
    if not re.fullmatch(r"\d{11}", code):
        return "01"
    return None if code[:2] == f"{(int(code[2:]) * 100 + 12) % 97:02d}" else "01"


def _gb_commercial(code: str) -> bool:
    num = int(code[:7])
    total = _weighted([int(c) for c in code[:7]], (8, 7, 6, 5, 4, 3, 2))
    while total > 0:
        total -= 97
    chk = abs(total)
    last = int(code[7:9])
    if (
        chk == last
        and num < 9990001
        and (num < 100000 or num > 999999)
        and (num < 9490001 or num > 9700000)
    ):
        return True
    chk = chk - 55 if chk >= 55 else chk + 42
    return chk == last and num > 1000000


def _gb(code: str) -> str | None:
    if not re.fullmatch(r"\d{9}|\d{12}|GD\d{3}|HA\d{3}", code):
        return "01"
    if code[:2] == "GD":
        return None if int(code[2:]) <= 499 else "01"
    if code[:2] == "HA":
        return None if int(code[2:]) >= 500 else "01"
    if not code.strip("0"):
        return "02"
    return None if _gb_commercial(code) else "03"


def _hr(code: str) -> str | None:
    d = _digits(code, 11)
    if d is None:
        return "01"
    r = 10
    for x in d[:10]:
        a = (r + x) % 10 or 10
        r = (a * 2) % 11
    chk = 11 - r
    return None if (0 if chk == 10 else chk) == d[10] else "01"


def _hu(code: str) -> str | None:
    if not re.fullmatch(r"[1-9]\d{7}", code):
        return "01"
    d = [int(c) for c in code]
    return None if (10 - _weighted(d, (9, 7, 3, 1, 9, 7, 3)) % 10) % 10 == d[7] else "01"


_IE_LETTERS: Final = "WABCDEFGHIJKLMNOPQRSTUV"


def _ie(code: str) -> str | None:
    old = re.fullmatch(r"(\d)([A-Z+*])(\d{5})([A-Z])", code)
    if old:
        total = 2 * int(code[0]) + _weighted([int(c) for c in code[2:7]], (7, 6, 5, 4, 3))
        return None if _IE_LETTERS[total % 23] == code[7] else "01"
    new = re.fullmatch(r"(\d{7})([A-W][AH]?)", code)
    if new:
        total = _weighted([int(c) for c in code[:7]], (8, 7, 6, 5, 4, 3, 2))
        extra = code[8:9]
        total += 9 if extra == "A" else 72 if extra == "H" else 0
        return None if _IE_LETTERS[total % 23] == code[7] else "01"
    return "01"


def _it(code: str) -> str | None:
    d = _digits(code, 11)
    return None if d is not None and luhn_check_digit(code[:10]) == code[10] else "01"


def _lt(code: str) -> str | None:
    if not re.fullmatch(r"\d{7}1\d|\d{10}1\d", code):
        return "01"
    d = [int(c) for c in code]
    body = d[:-1]
    r = _weighted(body, (1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2)) % 11
    if r == 10:
        r = _weighted(body, (3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4)) % 11
        if r == 10:
            r = 0
    return None if r == d[-1] else "02"


def _lu(code: str) -> str | None:
    d = _digits(code, 8)
    return None if d is not None and int(code[:6]) % 89 == int(code[6:]) else "01"


def _lv(code: str) -> str | None:
    d = _digits(code, 11)
    if d is None:
        return "01"
    if d[0] <= 3:  # a person's code: a new random one (32..39), or a birth date
        if 32 <= int(code[:2]) <= 39:
            return None
        century = {0: 1800, 1: 1900, 2: 2000}.get(d[6])
        if century is None:
            return "01"
        try:
            date(century + int(code[4:6]), int(code[2:4]), int(code[:2]))
        except ValueError:
            return "01"
        return None
    chk = 3 - _weighted(d, (9, 1, 4, 8, 3, 10, 2, 5, 7, 6)) % 11
    if chk < 0:
        chk += 11
    return None if chk < 10 and chk == d[10] else "01"


def _mt(code: str) -> str | None:
    d = _digits(code, 8)
    if d is None:
        return "01"
    return None if 37 - _weighted(d, (3, 4, 6, 7, 8, 9)) % 37 == int(code[6:]) else "01"


def _nl_mod97(code: str) -> bool:
    text = "".join(str(ord(c) - 55) if c.isalpha() else c for c in "NL" + code)
    return int(text) % 97 == 1


def _nl(code: str) -> str | None:
    if len(code) != 12 or code[9] != "B":
        return "01"
    body, check = code[:9], code[10:]
    if not (body.isdigit() and body.isascii() and check.isdigit() and check.isascii()):
        return "01"
    s = _weighted([int(c) for c in body[:8]], (9, 8, 7, 6, 5, 4, 3, 2)) % 11
    if (0 if s > 9 else s) == int(body[8]):
        return None
    return None if _nl_mod97(code) else "01"


def _no(code: str) -> str | None:
    d = _digits(code, 9)
    if d is None:
        return "01"
    rem = _weighted(d, (3, 2, 7, 6, 5, 4, 3, 2)) % 11
    chk = 0 if rem == 0 else 11 - rem
    return None if chk != 10 and chk == d[8] else "01"


def _pl(code: str) -> str | None:
    if not re.fullmatch(r"[1-9]((\d[1-9])|([1-9]\d))\d{7}", code):
        return "01"
    d = [int(c) for c in code]
    return None if _weighted(d, (6, 5, 7, 2, 3, 4, 5, 6, 7)) % 11 == d[9] else "01"


_PT_FIRST: Final = frozenset("123568")
_PT_PAIRS: Final = frozenset(
    ["45", "70", "71", "72", "74", "75", "77", "78", "79", "90", "91", "98", "99"]
)


def _pt(code: str) -> str | None:
    d = _digits(code, 9)
    if d is None or not (code[0] in _PT_FIRST or code[:2] in _PT_PAIRS):
        return "01"
    r = _weighted(d, (9, 8, 7, 6, 5, 4, 3, 2)) % 11
    return None if (0 if r < 2 else 11 - r) == d[8] else "01"


def _ro(code: str) -> str | None:
    if not re.fullmatch(r"\d{2,10}", code):
        return "01"
    body = [int(c) for c in code[:-1]]
    weights = (7, 5, 3, 2, 1, 7, 5, 3, 2)[9 - len(body) :]
    chk = _weighted(body, weights) * 10 % 11
    return None if (0 if chk == 10 else chk) == int(code[-1]) else "01"


def _se(code: str) -> str | None:
    if len(code) != 12 or code[10:] != "01" or not (code.isdigit() and code.isascii()):
        return "01"
    return None if luhn_check_digit(code[:9]) == code[9] else "01"


def _si(code: str) -> str | None:
    d = _digits(code, 8)
    if d is None or d[0] == 0:
        return "01"
    r = _weighted(d, (8, 7, 6, 5, 4, 3, 2)) % 11
    if r == 0:
        return "01"
    return None if (0 if r == 1 else 11 - r) == d[7] else "01"


def _sk(code: str) -> str | None:
    return None if re.fullmatch(r"[1-9]\d{9}", code) and int(code) % 11 == 0 else "01"


# country -> (gobl's rule prefix, the check, the message of each rule number)
CHECKS: Final[dict[str, tuple[str, Check, dict[str, str]]]] = {
    "AT": ("AT", _at, {"01": "invalid Austrian VAT identity code"}),
    "BE": ("BE", _be, {"01": "invalid Belgian VAT identity code"}),
    "CH": ("CH", _ch, {"01": "invalid Swiss VAT identity code"}),
    "CY": ("CY", _cy, {"01": "invalid Cyprus TIN identity code"}),
    "CZ": ("CZ", _cz, {"01": "invalid Czech VAT identity code"}),
    "DE": ("DE", _de, {"01": "invalid German VAT identity code"}),
    "DK": ("DK", _dk, {"01": "invalid Danish VAT identity code"}),
    "EE": ("EE", _ee, {"01": "invalid Estonian VAT identity code"}),
    "EL": ("GR", _el, {"01": "invalid Greek VAT identity code"}),
    "FI": ("FI", _fi, {"01": "invalid Finnish VAT identity code"}),
    "FR": ("FR", _fr, {"01": "invalid French VAT identity code"}),
    "GB": (
        "GB",
        _gb,
        {
            "01": "invalid UK VAT identity format",
            "02": "all-zero UK VAT identity codes are not allowed",
            "03": "UK VAT identity checksum mismatch",
        },
    ),
    "HR": ("HR", _hr, {"01": "invalid Croatian VAT identity code"}),
    "HU": ("HU", _hu, {"01": "invalid Hungarian adószám code"}),
    "IE": ("IE", _ie, {"01": "invalid Irish VAT identity code"}),
    "IT": ("IT", _it, {"01": "invalid Italian VAT identity code"}),
    "LT": (
        "LT",
        _lt,
        {
            "01": "invalid Lithuanian VAT identity code format",
            "02": "invalid Lithuanian VAT identity code checksum",
        },
    ),
    "LU": ("LU", _lu, {"01": "invalid Luxembourg TVA number"}),
    "LV": ("LV", _lv, {"01": "invalid VAT identity code"}),
    "MT": ("MT", _mt, {"01": "invalid Maltese VAT identity code"}),
    "NL": ("NL", _nl, {"01": "invalid Dutch VAT identity code"}),
    "NO": ("NO", _no, {"01": "invalid organisasjonsnummer"}),
    "PL": ("PL", _pl, {"01": "invalid Polish VAT identity code"}),
    "PT": ("PT", _pt, {"01": "invalid Portuguese NIF tax identity code"}),
    "RO": ("RO", _ro, {"01": "invalid Romanian VAT identity code"}),
    "SE": ("SE", _se, {"01": "invalid Swedish VAT identity code"}),
    "SI": ("SI", _si, {"01": "invalid Slovenian VAT identity code"}),
    "SK": (
        "SK",
        _sk,
        {"01": "tax identity code for SK must be 10 digits starting with 1-9 and divisible by 11"},
    ),
}

# (country, code) -> the failing rule's (id, message), or None: a customer's code comes back on
# every invoice to it. Emptied when full.
_SEEN: dict[tuple[str, str], tuple[str, str] | None] = {}


def code_fault(country: str, code: str) -> tuple[str, str] | None:
    """The rule id and message a non-empty ``code`` of ``country`` fails, or None.

    None too for a country without a check here (Spain's is its own module).
    """
    key = (country, code)
    if key in _SEEN:
        return _SEEN[key]
    found = CHECKS.get(country)
    fault = None
    if found is not None:
        prefix, check, messages = found
        n = check(code)
        if n is not None:
            fault = (f"GOBL-{prefix}-TAX-IDENTITY-{n}", messages[n])
    if len(_SEEN) >= 4096:
        _SEEN.clear()
    _SEEN[key] = fault
    return fault
