"""Port of gobl bill/invoice_scenarios.go and tax/scenario.go (7a4ad62).

Scenarios are data (regime and addon JSON). Matches apply in list order: regime first, then
each addon; notes with the same (cat, key) replace earlier ones, and the merged ``ext`` is
written **over** the user's ``tax.ext`` (scenario codes win, as in gobl).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from facturo.gobl.tax.regime_def import Scenario


def _used_categories(inv: dict[str, Any]) -> set[str]:
    cats: set[str] = set()
    for k in ("lines", "discounts", "charges"):
        for holder in inv.get(k) or ():
            for combo in holder.get("taxes") or ():
                cats.add(combo.get("cat", ""))
    return cats


def _matches(
    s: Scenario,
    typ: Any,
    tags: Collection[str],
    inv: dict[str, Any],
    cats: list[set[str]],
    ext: dict[str, str],
) -> bool:
    if s.types and typ not in s.types:
        return False
    for t in s.tags:
        if t not in tags:
            return False
    if s.categories:
        if not cats:  # the document's categories, read once and only when a filter needs them
            cats.append(_used_categories(inv))
        if not any(c in cats[0] for c in s.categories):
            return False
    return not s.ext_key or (s.ext_key in ext and not (s.ext_code and ext[s.ext_key] != s.ext_code))


def apply_scenarios(inv: dict[str, Any], scenarios: Sequence[Scenario]) -> None:
    """Apply the matching scenarios' notes and codes (gobl ``Invoice.prepareScenarios``).

    Runs for every document: a scenario's type filter, the usual first and often only test,
    is read here, and :func:`_matches` is called only for a scenario with other filters.
    """
    cats: list[set[str]] = []
    typ = inv.get("type")
    tags = inv.get("$tags") or ()
    tax_ext = (inv.get("tax") or {}).get("ext") or {}  # scenarios only change it at the end
    notes: list[dict[str, str]] = []
    ext: dict[str, str] = {}
    for s in scenarios:
        types = s.types
        if types and typ not in types:
            continue
        if (s.tags or s.categories or s.ext_key) and not _matches(s, typ, tags, inv, cats, tax_ext):
            continue
        notes = take_scenario(s, notes, ext)
    if notes or ext:
        put_scenarios(inv, notes, ext)


def take_scenario(
    s: Scenario, notes: list[dict[str, str]], ext: dict[str, str]
) -> list[dict[str, str]]:
    """Add a matched scenario's codes to ``ext``; returns ``notes`` with its note, which
    replaces an earlier one of the same category and key."""
    if s.note:
        n = dict(s.note)
        notes = [x for x in notes if (x.get("cat"), x.get("key")) != (n.get("cat"), n.get("key"))]
        notes.append(n)
    ext.update(s.ext)
    return notes


def put_scenarios(inv: dict[str, Any], notes: list[dict[str, str]], ext: dict[str, str]) -> None:
    """Write the matched scenarios' notes (those the document lacks) and codes into ``tax``."""
    tax = inv.setdefault("tax", {})
    if notes:
        existing = tax.setdefault("notes", [])
        for n in notes:
            if not any(
                (x.get("cat"), x.get("key")) == (n.get("cat"), n.get("key")) for x in existing
            ):
                existing.append(n)
    if ext:
        merged = dict(tax.get("ext") or {})
        merged.update(ext)
        tax["ext"] = merged
