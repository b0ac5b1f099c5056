"""Bounds that keep an expression cheap to parse and to run, whatever the document holds.

Expressions come from workflow authors and run on every job, on documents from anyone, so each
cost has a ceiling: the source length and nesting depth (checked when the workflow is saved), the
number of evaluation steps, the size of strings and lists an expression builds, and regular
expressions (pattern length, subject length, and no nested quantifiers, which are what makes a
backtracking engine like Python's ``re`` take exponential time).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Ceilings for one compile and one evaluation."""

    max_source: int = 4096  # characters of expression source
    max_depth: int = 100  # nesting of sub-expressions (the evaluator recurses per level)
    max_steps: int = 100_000  # evaluation steps (nodes visited, items compared)
    max_string: int = 1_000_000  # characters of a string the expression builds
    max_items: int = 100_000  # items of a list or map the expression builds
    max_pattern: int = 256  # characters of a regular expression
    max_subject: int = 100_000  # characters a regular expression may scan


DEFAULT_LIMITS = Limits()
