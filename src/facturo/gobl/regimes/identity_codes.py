"""Tax ID codes normalized by their own country's regime, as gobl's ``tax.Identity`` is.

gobl normalizes every tax identity of a document with the regime of the identity's *own*
country, whatever the document's regime: a French customer's code is made French, a Greek one
Greek. Most regimes run gobl's common ``tax.NormalizeIdentity`` (upper-case, keep
``A-Z 0-9 Ñ &``, drop a leading copy of the country code); the ones below add a step of their
own, and a country without a regime gets the common one alone. The United States regime has
no normalizer for identities, so a US code is left exactly as given (its format rule then
judges it).

Only normalization is here: it changes the document, so its bytes and digest depend on it.
The checks that follow it are :mod:`facturo.gobl.regimes.es.tax_identity` and
:mod:`facturo.gobl.regimes.identity_checks`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from facturo.gobl.regimes.es.tax_identity import normalize_code as es_normalize_code
from facturo.gobl.regimes.identity_common import common, go_upper, luhn_check_digit

_MX_BAD: Final = re.compile(r"[^A-ZÑ&0-9]+")
_MX_PERSON: Final = re.compile(r"^[A-ZÑ&]{4}[0-9]{6}[A-Z0-9]{3}$")
_MX_COMPANY: Final = re.compile(r"^[A-ZÑ&]{3}[0-9]{6}[A-Z0-9]{3}$")
_PA_BAD: Final = re.compile(r"[^A-Z0-9-]+")
_CH_SUFFIX: Final = re.compile(r"(MWST|TVA|IVA)$")
_SIREN: Final = re.compile(r"^\d{9}$|^\d{14}$")


def _fr(code: str, country: str) -> str:
    """A SIREN (9 digits) or SIRET (14) with a good Luhn digit becomes the VAT code.

    The two check digits ``(SIREN × 100 + 12) mod 97`` are put before the SIREN; a code that is
    neither is left for validation to judge.
    """
    if not code:
        return code
    code = common(code, country)
    if _SIREN.match(code) and luhn_check_digit(code[:8]) == code[8]:
        siren = code[:9]
        return f"{(int(siren) * 100 + 12) % 97:02d}{siren}"
    return code


def _ch(code: str, country: str) -> str:
    """``CHE-123.456.789 MWST`` → ``E123456789``: the VAT register suffix is dropped."""
    return _CH_SUFFIX.sub("", common(code, country))


def _no(code: str, country: str) -> str:
    """Norway's ``MVA`` suffix is dropped."""
    code = common(code, country)
    return code[:-3] if code.endswith("MVA") else code


def _gb(code: str, country: str) -> str:
    """The United Kingdom's regime also serves Northern Ireland (``XI``) and ``XU``."""
    return common(code, country, "XI", "XU")


def _el(code: str, country: str) -> str:
    """Greece: ``EL`` or ``GR`` identities, both prefixes trimmed (the country becomes EL)."""
    return common(code, country, "GR")


def _hu(code: str, country: str) -> str:
    """Hungary: the full 11-digit number (``13895459-2-41``) keeps its 8-digit adószám."""
    if not code:
        return code
    code = common(code, country)
    return code[:8] if len(code) == 11 else code


def _in(code: str, country: str) -> str:
    """India trims its own code as an alternative prefix too (the same ``IN``)."""
    return common(code, country, "IN")


def _mx(code: str, country: str) -> str:
    """Mexico keeps ``Ñ`` and ``&`` (RFCs hold them) and trims ``MX`` only when what is left
    is an RFC."""
    code = _MX_BAD.sub("", go_upper(code))
    if code.startswith("MX"):
        rest = code[2:]
        if _MX_PERSON.match(rest) or _MX_COMPANY.match(rest):
            return rest
    return code


def _my(code: str, country: str) -> str:
    """Malaysia removes spaces and upper-cases, nothing else (its formats hold hyphens)."""
    return go_upper(code.strip().replace(" ", ""))


def _pa(code: str, country: str) -> str:
    """Panama keeps hyphens (they separate a RUC's parts) and trims ``PA`` then ``-``."""
    code = _PA_BAD.sub("", go_upper(code))
    if code.startswith("PA"):
        code = code[2:]
    return code[1:] if code.startswith("-") else code


def _us(code: str, country: str) -> str:
    """The United States regime has no normalizer for tax identities: the code is as given."""
    return code


def _es(code: str, country: str) -> str:
    return es_normalize_code(code) if code else code


_REGIMES: Final[dict[str, Callable[[str, str], str]]] = {
    "CH": _ch,
    "EL": _el,
    "ES": _es,
    "FR": _fr,
    "GB": _gb,
    "GR": _el,
    "HU": _hu,
    "IN": _in,
    "MX": _mx,
    "MY": _my,
    "NO": _no,
    "PA": _pa,
    "US": _us,
    "XI": _gb,
    "XU": _gb,
}


def normalize_code(code: str, country: str) -> str:
    """A tax ID code as the regime of ``country`` (or gobl's common normalizer) leaves it."""
    fn = _REGIMES.get(country)
    return fn(code, country) if fn is not None else common(code, country)


def normalize_identity(tid: dict[str, Any]) -> None:
    """Normalize a typed ``tax.Identity`` in place: its code, and Greece's country code.

    Members that are not text are left for validation (the reader has checked their types).
    """
    country = tid.get("country")
    country = country if country.__class__ is str else ""
    code = tid.get("code")
    if code.__class__ is str:
        tid["code"] = normalize_code(code, country)
    if country == "GR":  # the Greek regime is EL's, and names its identities so
        tid["country"] = "EL"
