"""Port of gobl tax/regime_def.go and tax/addon_def.go (7a4ad62), read from package data.

gobl declares regimes and addons in Go and exports them as JSON; the port reads that JSON
(``data/regimes/*.json``, ``data/addons/*.json``) once and keeps only what calculation and
validation use. Definitions are immutable after loading and cached for the process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from facturo.gobl.num import Percentage


@dataclass(frozen=True, slots=True)
class RateValue:
    """One dated value of a rate; ``ext`` restricts it to combos carrying those codes."""

    percent: Percentage
    surcharge: Percentage | None = None
    since: str = ""
    ext: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RateDef:
    rate: str
    keys: tuple[str, ...]
    values: tuple[RateValue, ...]  # newest first, as gobl stores them


@dataclass(frozen=True, slots=True)
class CategoryDef:
    code: str
    retained: bool = False
    informative: bool = False
    keys: dict[str, bool] = field(default_factory=dict)  # key -> no_percent
    rates: tuple[RateDef, ...] = ()


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scenario (``tax/scenario.go``): filters, then a note and/or extension codes."""

    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    ext_key: str = ""
    ext_code: str = ""
    note: dict[str, str] | None = None
    ext: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CorrectionDef:
    schema: str
    types: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    copy_tax: bool = False


@dataclass(frozen=True, slots=True)
class RegimeDef:
    country: str
    currency: str
    time_zone: str
    rounding: str
    tags: dict[str, tuple[str, ...]]
    scenarios: dict[str, tuple[Scenario, ...]]
    corrections: tuple[CorrectionDef, ...]
    categories: dict[str, CategoryDef]
    identities: tuple[str, ...]
    extensions: tuple[str, ...]

    def category(self, code: str) -> CategoryDef | None:
        return self.categories.get(code)


@dataclass(frozen=True, slots=True)
class AddonDef:
    key: str
    requires: tuple[str, ...]
    extensions: tuple[str, ...]
    tags: dict[str, tuple[str, ...]]
    scenarios: dict[str, tuple[Scenario, ...]]
    corrections: tuple[CorrectionDef, ...]


def _pct(text: Any) -> Percentage | None:
    return Percentage.parse(str(text)) if text not in (None, "") else None


def _scenarios(data: Any) -> dict[str, tuple[Scenario, ...]]:
    out: dict[str, tuple[Scenario, ...]] = {}
    for group in data or ():
        items = []
        for s in group.get("list") or ():
            items.append(
                Scenario(
                    types=tuple(s.get("type") or ()),
                    tags=tuple(s.get("tags") or ()),
                    categories=tuple(s.get("cat") or ()),
                    ext_key=s.get("ext_key", ""),
                    ext_code=s.get("ext_code", ""),
                    note=s.get("note"),
                    ext=dict(s.get("ext") or {}),
                )
            )
        out[group["schema"]] = tuple(items)
    return out


def _tags(data: Any) -> dict[str, tuple[str, ...]]:
    return {g["schema"]: tuple(t["key"] for t in g.get("list") or ()) for g in data or ()}


def _corrections(data: Any) -> tuple[CorrectionDef, ...]:
    return tuple(
        CorrectionDef(
            schema=c["schema"],
            types=tuple(c.get("types") or ()),
            extensions=tuple(c.get("extensions") or ()),
            copy_tax=bool(c.get("copy_tax")),
        )
        for c in data or ()
    )


def _category(c: dict[str, Any]) -> CategoryDef:
    rates = []
    for r in c.get("rates") or ():
        values = tuple(
            RateValue(
                percent=Percentage.parse(v["percent"]),
                surcharge=_pct(v.get("surcharge")),
                since=v.get("since", ""),
                ext=dict(v.get("ext") or {}),
            )
            for v in r.get("values") or ()
        )
        rates.append(RateDef(rate=r["rate"], keys=tuple(r.get("keys") or ()), values=values))
    return CategoryDef(
        code=c["code"],
        retained=bool(c.get("retained")),
        informative=bool(c.get("informative")),
        keys={k["key"]: bool(k.get("no_percent")) for k in c.get("keys") or ()},
        rates=tuple(rates),
    )


def _read(*parts: str) -> dict[str, Any] | None:
    path = resources.files("facturo.gobl.data").joinpath(*parts)
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


# Definitions by the code a document gave, for the codes that have one. Codes come from
# documents, so only found definitions are kept: a table of every code ever asked for would
# grow without bound (the few spellings of a known code are all it ever holds).
_REGIMES: dict[str | None, RegimeDef] = {}
_ADDONS: dict[str, AddonDef] = {}


def regime(country: str | None) -> RegimeDef | None:
    """The regime of a tax country (``ES``), or None when this port has no data for it."""
    found = _REGIMES.get(country)
    if found is None:
        found = _load_regime(country)
        if found is not None:
            _REGIMES[country] = found
    return found


@cache
def _regime_files() -> frozenset[str]:
    return frozenset(_stems("regimes"))


def _stems(folder: str) -> Iterator[str]:
    for entry in resources.files("facturo.gobl.data").joinpath(folder).iterdir():
        if entry.name.endswith(".json"):
            yield entry.name[: -len(".json")]


def _load_regime(country: str | None) -> RegimeDef | None:
    if country.__class__ is not str or country.lower() not in _regime_files():
        return None
    return _regime_file(country.lower())


@cache
def _regime_file(stem: str) -> RegimeDef | None:
    """One definition per file, whatever the spelling of the code that asked for it."""
    data = _read("regimes", stem + ".json")
    if data is None:
        return None
    return RegimeDef(
        country=data["country"],
        currency=data.get("currency", ""),
        time_zone=data.get("time_zone", ""),
        rounding=data.get("calculator_rounding_rule", "") or "",
        tags=_tags(data.get("tags")),
        scenarios=_scenarios(data.get("scenarios")),
        corrections=_corrections(data.get("corrections")),
        categories={c["code"]: _category(c) for c in data.get("categories") or ()},
        identities=tuple(i.get("key", "") for i in data.get("identities") or ()),
        extensions=tuple(e["key"] for e in data.get("extensions") or ()),
    )


def addon(key: str) -> AddonDef | None:
    """An addon definition by key (``es-verifactu-v1``), or None if unknown here."""
    found = _ADDONS.get(key)
    if found is None:
        found = _load_addon(key)
        if found is not None:
            _ADDONS[key] = found
    return found


@cache
def _addon_files() -> frozenset[str]:
    return frozenset(_stems("addons"))


def _load_addon(key: str) -> AddonDef | None:
    if key.__class__ is not str or key not in _addon_files():
        return None
    data = _read("addons", key + ".json")
    if data is None:
        return None
    return AddonDef(
        key=data["key"],
        requires=tuple(data.get("requires") or ()),
        extensions=tuple(e["key"] for e in data.get("extensions") or ()),
        tags=_tags(data.get("tags")),
        scenarios=_scenarios(data.get("scenarios")),
        corrections=_corrections(data.get("corrections")),
    )
