"""Port of gobl tax/identity.go rules (7a4ad62): every tax ID in a document.

The country is always needed (it says which regime checks the code), the code is upper-case
letters and digits once normalized, and a scheme, when given, is a code. Country-specific
checksums are the regime's, run here for every tax ID wherever it sits (Spain's
``GOBL-ES-TAX-IDENTITY-01``, the others' :mod:`facturo.gobl.regimes.identity_checks`). Codes,
paths and messages of the common rules are those of ``data/rules/tax.json``.

A valid invoice of the usual shape is answered by :mod:`facturo.gobl.rules.clean_invoice`,
which mirrors these rules in one pass: a rule changed here is changed there too.
"""

from __future__ import annotations

import re
from typing import Any, Final

from facturo.gobl.regimes.es.bill_invoice import check_es_tax_identity
from facturo.gobl.regimes.identity_checks import code_fault
from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext

_CODE: Final = re.compile(r"^[A-Z0-9Ñ&]+$")
_SCHEME: Final = re.compile(r"^[A-ZÑa-z0-9]+([.\-:/,_& ]?[A-ZÑa-z0-9]+)*$")


# Whether a code has the format, by code: a supplier's tax ID is checked on every invoice it
# issues, by the invoice rules and by this type's. Emptied when full.
_CODE_OK: dict[str, bool] = {}


def is_code_format(code: str) -> bool:
    """Whether a tax ID code is upper-case letters and digits (``GOBL-TAX-IDENTITY-02``)."""
    ok = _CODE_OK.get(code)
    if ok is None:
        ok = _CODE.match(code) is not None
        if len(_CODE_OK) >= 4096:
            _CODE_OK.clear()
        _CODE_OK[code] = ok
    return ok


def is_scheme_format(scheme: str) -> bool:
    """Whether a tax ID scheme is a code (``GOBL-TAX-IDENTITY-03``)."""
    return _SCHEME.match(scheme) is not None


def check_tax_identity(f: Faults, tid: dict[str, Any], path: str, ctx: RuleContext) -> None:
    if not tid.get("country"):
        f.add("GOBL-TAX-IDENTITY-01", f"{path}.country", "tax id country code is always required")
    code = tid.get("code")
    if code and not is_code_format(code):
        f.add("GOBL-TAX-IDENTITY-02", f"{path}.code", "tax id code must have a valid format")
    scheme = tid.get("scheme")
    if scheme and not is_scheme_format(scheme):
        f.add("GOBL-TAX-IDENTITY-03", f"{path}.scheme", "tax id scheme must be a valid code")
    country = tid.get("country")
    if code and code.__class__ is str and country.__class__ is str:
        if country == "ES":
            check_es_tax_identity(f, tid, path)
        else:
            fault = code_fault(country, code)
            if fault is not None:
                f.add(fault[0], f"{path}.code", fault[1])


TYPE_CHECKS: Final = {"tax.Identity": check_tax_identity}
