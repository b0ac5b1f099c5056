"""Port of gobl currency/def.go (7a4ad62): currency definitions from package data.

Only the number of subunits (decimal places) matters to calculation: it fixes the exponent of
every rounded amount (EUR 2, JPY 0, KWD 3).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _subunits() -> dict[str, int]:
    out: dict[str, int] = {}
    for name in ("iso.json", "non-iso.json"):
        path = resources.files("facturo.gobl.data").joinpath("currency", name)
        for d in json.loads(path.read_text("utf-8")):
            out.setdefault(d["iso_code"], int(d.get("subunits", 0)))
    return out


def subunits(code: str) -> int | None:
    """Decimal places of a currency, or None when the code is not defined."""
    return _subunits().get(code)


def is_defined(code: str) -> bool:
    return code in _subunits()
