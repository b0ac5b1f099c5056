"""Errors of the Sequence context (kinds from ``facturo.errors``)::

NotFound  ── SeriesNotFound, SequenceEntryNotFound
Conflict  ── SeriesExists, SequenceEntryElsewhere
Invalid   ── InvalidCursor
"""

from __future__ import annotations

from facturo.errors import Conflict, Invalid, NotFound


class SeriesNotFound(NotFound):
    """sequence not found"""


class SequenceEntryNotFound(NotFound):
    """No entry with that id in this series."""


class SeriesExists(Conflict):
    """A series with this id exists with other settings; GET it, or PUT with a new UUID."""


class SequenceEntryElsewhere(Conflict):
    """An entry with this id exists in another series; use a new UUID."""


class InvalidCursor(Invalid):
    """The cursor is not one this server gave for this listing; start again without it."""
