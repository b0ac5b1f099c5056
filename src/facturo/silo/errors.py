"""Errors of the Silo context (kinds from ``facturo.errors``)."""

from __future__ import annotations

from facturo.errors import Conflict, Invalid, NotFound, TooLarge


class EntryNotFound(NotFound):
    """No entry with that id or key in this workspace."""


class EntryExists(Conflict):
    """entry already exists with same id"""


class KeyTaken(Conflict):
    """entry already exists with same key"""


class TimeBasedIdRequired(Invalid):
    """Entries in this folder need a time-based UUID (v7, or v1); generate one with uuid v7."""


class IdTimeOutOfRange(Invalid):
    """The id's time is more than a day away from now; make the UUID v7 when the entry is made."""


class UnsupportedContentType(Invalid):
    """`content_type` must be application/json, merge-patch+json or json-patch+json."""


class NothingToBuild(Invalid):
    """`data` must be a GOBL document or envelope (a JSON object with `$schema`)."""


class InvalidCursor(Invalid):
    """The cursor is not one this server gave for this listing; start again without it."""


class PatchFailed(Invalid):
    """The JSON Patch could not be applied; nothing was changed."""


class StateExists(Conflict):
    """A different state is already recorded at that time; PUT the same one or another `at`."""


class InvalidStateTime(Invalid):
    """`at` must be an ISO timestamp, e.g. 2026-04-30T08:39:57.933Z."""


class StampNeedsSignature(Conflict):
    """Stamps can only be added to a signed envelope (GOBL-ENVELOPE-12); sign the entry first."""


class MetaNotFound(NotFound):
    """No meta row with that key on this entry."""


class FileNotFound(NotFound):
    """No file with that id on this entry."""


class FileExists(Conflict):
    """A file with this id exists with other contents; use a new id to add a version."""


class FileNotStored(Conflict):
    """The file was declared but its bytes were never uploaded; PUT them to its `url` first."""


class FileAlreadyStored(Conflict):
    """The file's bytes are already stored; create a new file to replace them."""


class FileTooLarge(TooLarge):
    """The file is larger than this server accepts (FACTURO_MAX_FILE_BYTES)."""


class HashMismatch(Invalid):
    """The bytes do not match the `sha256` given for them."""


class SizeMismatch(Invalid):
    """The bytes do not match the `size` given for them."""


class BadFileData(Invalid):
    """`data` must be base64 (standard alphabet, padded)."""


class SpoolNotFound(NotFound):
    """Nothing is spooled under that key in this workspace."""


class AlreadySigned(Conflict):
    """The envelope is already signed."""
