"""Domain types of the Sequence context: series and the entries they issue.

Field names are those of Invopop's ``sequence_v1.yaml`` (``SequenceSeries``, ``SequenceEntry``).
A series keeps ``last_index``, the last number issued, or ``start - 1`` before the first, so the
next number is always ``last_index + 1`` (the guide calls the start number ``last_index`` too).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import NewType

SeriesId = NewType("SeriesId", uuid.UUID)
SequenceEntryId = NewType("SequenceEntryId", uuid.UUID)

DEFAULT_PADDING = 6
"""Padding of a series the ``sequence.enumerate`` step creates itself (``DOCS:guides/series``)."""


def format_code(prefix: str, number: int, padding: int, suffix: str) -> str:
    """The code of ``number``: prefix, the number zero-padded to ``padding``, suffix.

    The series' own ``code`` is a label and not part of entry codes (``DOCS:guides/series`` FAQ).

    >>> format_code("F", 7, 6, "-26")
    'F000007-26'
    """
    return f"{prefix}{number:0{max(padding, 0)}d}{suffix}"


@dataclass(frozen=True, slots=True)
class Series:
    id: SeriesId
    workspace_id: uuid.UUID
    name: str
    code: str
    description: str
    prefix: str
    suffix: str
    padding: int
    start: int
    last_index: int
    last_entry_id: SequenceEntryId | None
    created_at: datetime
    updated_at: datetime

    def code_for(self, number: int) -> str:
        return format_code(self.prefix, number, self.padding, self.suffix)


@dataclass(frozen=True, slots=True)
class SequenceEntry:
    id: SequenceEntryId
    series_id: SeriesId
    number: int
    code: str
    previous_id: SequenceEntryId | None
    created_at: datetime
    meta: dict[str, str] = field(default_factory=dict)
