"""Port of gobl bill/invoice_scenarios.go and tax/scenario.go (7a4ad62).

Scenarios are data (regime and addon JSON). Matches apply in list order: regime first, then
each addon; notes with the same (cat, key) replace earlier ones, and the merged ``ext`` is
written **over** the user's ``tax.ext`` (scenario codes win, as in gobl).
"""

from __future__ import annotations

from typing import Any

from facturo.gobl.tax.regime_def import Scenario


def _used_categories(inv: dict[str, Any]) -> set[str]:
    cats: set[str] = set()
    for holder in (
        *(inv.get("lines") or ()),
        *(inv.get("discounts") or ()),
        *(inv.get("charges") or ()),
    ):
        for combo in holder.get("taxes") or ():
            cats.add(combo.get("cat", ""))
    return cats


def _matches(s: Scenario, inv: dict[str, Any], cats: set[str]) -> bool:
    if s.types and inv.get("type") not in s.types:
        return False
    tags = inv.get("$tags") or ()
    if any(t not in tags for t in s.tags):
        return False
    if s.categories and not any(c in cats for c in s.categories):
        return False
    if s.ext_key:
        ext = (inv.get("tax") or {}).get("ext") or {}
        if s.ext_key not in ext or (s.ext_code and ext[s.ext_key] != s.ext_code):
            return False
    return True


def apply_scenarios(inv: dict[str, Any], scenarios: list[Scenario]) -> None:
    cats = _used_categories(inv)
    notes: list[dict[str, str]] = []
    ext: dict[str, str] = {}
    for s in scenarios:
        if not _matches(s, inv, cats):
            continue
        if s.note:
            n = dict(s.note)
            notes = [
                x for x in notes if (x.get("cat"), x.get("key")) != (n.get("cat"), n.get("key"))
            ]
            notes.append(n)
        ext.update(s.ext)
    if not notes and not ext:
        return
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
