"""Comparing a taxpayer's name as written with the name the AEAT census holds. PURE.

The census check (AEAT's NIF identification service) answers whether a NIF and a name belong
together; people and companies write their names with or without accents, punctuation or the
legal-form suffix ("Acme, S.L." vs "ACME SL"), so both sides are reduced the same way before
comparing, and one may be a word-wise part of the other ("Invopop" vs "Invopop Sociedad").
The AEAT sandbox (answering) and the lookup step (checking) share this one rule.
"""

from __future__ import annotations

import unicodedata
from typing import Final

LEGAL_FORMS: Final = frozenset({"SL", "SA", "SLU", "SAU", "SLL", "SC", "SCOOP", "CB", "SLNE"})
"""Suffixes that say what kind of company it is, not which one."""


def normalise_name(name: str) -> str:
    """A name reduced for comparison: no accents, punctuation, case or legal-form suffix."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).upper()
    words = "".join(c if c.isalnum() else " " for c in plain.replace(".", "")).split()
    while words and words[-1] in LEGAL_FORMS:
        words.pop()
    return " ".join(words)


def names_match(written: str, known: str) -> bool:
    """Loose match: equal once normalised, or one a word-wise part of the other."""
    a, b = normalise_name(written), normalise_name(known)
    if not a or not b:
        return False
    return a == b or f" {a} " in f" {b} " or f" {b} " in f" {a} "
