"""Errors of the Silo context (kinds from ``facturo.errors``)."""

from __future__ import annotations

from facturo.errors import Conflict, Invalid, NotFound


class EntryNotFound(NotFound):
    """No entry with that id or key in this workspace."""


class EntryExists(Conflict):
    """entry already exists with same id"""


class KeyTaken(Conflict):
    """entry already exists with same key"""


class TimeBasedIdRequired(Invalid):
    """Entries in this folder need a time-based UUID (v7, or v1); generate one with uuid v7."""


class UnsupportedContentType(Invalid):
    """`content_type` must be application/json or application/merge-patch+json."""


class NothingToBuild(Invalid):
    """`data` must be a GOBL document or envelope (a JSON object with `$schema`)."""


class InvalidCursor(Invalid):
    """The cursor is not one this server gave for this listing; start again without it."""
