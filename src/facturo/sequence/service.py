"""Use cases of the Sequence context, for the ``/sequence/v1`` API and the enumerate step.

:func:`issue_entry` is the heart: it takes the next number of a series inside the caller's unit
of work and does **not** commit, so the number belongs to the caller's transaction. The
``sequence.enumerate`` step runs it in the step's transaction, which also writes the code into
the document and the step's checkpoint: a crash before that commit rolls the number back (no
gap), and a rerun after it finds the document already numbered (no repeat). Issuing is
idempotent on the entry id, so a retried PUT returns the entry it made the first time.

Functions the API calls that change something and are complete on their own commit
(:func:`create_series`, :func:`put_entry`); the building blocks do not.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from facturo.platform.ids import uuid7
from facturo.platform.uow import UnitOfWork
from facturo.sequence import repository
from facturo.sequence.errors import (
    InvalidCursor,
    SequenceEntryElsewhere,
    SequenceEntryNotFound,
    SeriesExists,
)
from facturo.sequence.models import (
    DEFAULT_PADDING,
    SequenceEntry,
    SequenceEntryId,
    Series,
    SeriesId,
)
from facturo.sequence.tables import SequenceEntryRow, SeriesRow


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SeriesSettings:
    """What defines a series' codes, as a client creates it (``SequenceCreateSeries``)."""

    name: str = ""
    code: str = ""
    description: str = ""
    prefix: str = ""
    suffix: str = ""
    padding: int = DEFAULT_PADDING
    start: int = 1


def _series(row: SeriesRow) -> Series:
    return Series(
        id=SeriesId(row.id),
        workspace_id=row.workspace_id,
        name=row.name,
        code=row.code,
        description=row.description,
        prefix=row.prefix,
        suffix=row.suffix,
        padding=row.padding,
        start=row.start,
        last_index=row.last_index,
        last_entry_id=SequenceEntryId(row.last_entry_id) if row.last_entry_id else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _entry(row: SequenceEntryRow) -> SequenceEntry:
    return SequenceEntry(
        id=SequenceEntryId(row.id),
        series_id=SeriesId(row.series_id),
        number=row.number,
        code=row.code,
        previous_id=SequenceEntryId(row.previous_id) if row.previous_id else None,
        created_at=row.created_at,
        meta=dict(row.meta or {}),
    )


def _new_row(
    workspace_id: uuid.UUID,
    series_id: uuid.UUID,
    settings: SeriesSettings,
    moment: datetime,
    dynamic_key: str | None = None,
) -> SeriesRow:
    return SeriesRow(
        workspace_id=workspace_id,
        id=series_id,
        name=settings.name,
        code=settings.code,
        description=settings.description,
        prefix=settings.prefix,
        suffix=settings.suffix,
        padding=settings.padding,
        start=settings.start,
        last_index=settings.start - 1,
        last_entry_id=None,
        dynamic_key=dynamic_key,
        created_at=moment,
        updated_at=moment,
    )


def _same_settings(row: SeriesRow, settings: SeriesSettings) -> bool:
    return (
        row.name,
        row.code,
        row.description,
        row.prefix,
        row.suffix,
        row.padding,
        row.start,
    ) == (
        settings.name,
        settings.code,
        settings.description,
        settings.prefix,
        settings.suffix,
        settings.padding,
        settings.start,
    )


def create_series(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    series_id: uuid.UUID,
    settings: SeriesSettings,
    now: datetime | None = None,
) -> Series:
    """PUT a series: create it, or return it when it exists with the same settings; commits.

    A PUT with the same id and other settings is a :class:`SeriesExists` conflict rather than an
    update: changing the prefix or padding of a series that issued codes would make its codes
    inconsistent, and the contract documents no update.
    """
    existing = repository.find_series(uow, workspace_id, series_id)
    if existing is not None:
        if not _same_settings(existing, settings):
            raise SeriesExists()
        return _series(existing)
    row = _new_row(workspace_id, series_id, settings, now or _now())
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:  # a concurrent PUT of the same id won
        uow.rollback()
        winner = repository.find_series(uow, workspace_id, series_id)
        if winner is None or not _same_settings(winner, settings):
            raise SeriesExists() from exc
        return _series(winner)
    uow.commit()
    return _series(row)


def get_series(uow: UnitOfWork, *, workspace_id: uuid.UUID, series_id: uuid.UUID) -> Series:
    return _series(repository.get_series(uow, workspace_id, series_id))


def list_series(uow: UnitOfWork, *, workspace_id: uuid.UUID) -> list[Series]:
    """Every series of the workspace, oldest first (the contract's list has no paging)."""
    return [_series(row) for row in repository.list_series(uow, workspace_id)]


def dynamic_series(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    key: str,
    settings: SeriesSettings,
    now: datetime | None = None,
) -> Series:
    """The series the enumerate step keys by ``key``, created with ``settings`` if new. No commit.

    Two jobs may create the same series at once on PostgreSQL: the insert runs in a savepoint,
    and the loser of the unique ``(workspace_id, dynamic_key)`` race reads the winner's row.
    """
    found = repository.find_dynamic_series(uow, workspace_id, key)
    if found is not None:
        return _series(found)
    row = _new_row(workspace_id, uuid7(), settings, now or _now(), dynamic_key=key)
    try:
        with uow.session.begin_nested():
            uow.session.add(row)
    except IntegrityError:
        found = repository.find_dynamic_series(uow, workspace_id, key)
        if found is None:
            raise
        return _series(found)
    return _series(row)


def issue_entry(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    series_id: uuid.UUID,
    entry_id: uuid.UUID,
    meta: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> SequenceEntry:
    """Take the series' next number for ``entry_id``, in the caller's transaction. No commit.

    The series row is locked first, so concurrent issuers queue on it; only then is ``entry_id``
    looked up, so a retry racing its first attempt still sees that attempt's entry. An entry
    id already issued returns that entry unchanged (idempotent PUT).
    """
    series = repository.get_series(uow, workspace_id, series_id, lock=True)
    existing = repository.find_entry(uow, workspace_id, entry_id)
    if existing is not None:
        if existing.series_id != series_id:
            raise SequenceEntryElsewhere()
        return _entry(existing)
    moment = now or _now()
    number = series.last_index + 1
    row = SequenceEntryRow(
        workspace_id=workspace_id,
        id=entry_id,
        series_id=series_id,
        number=number,
        code=_series(series).code_for(number),
        previous_id=series.last_entry_id,
        meta=dict(meta or {}),
        created_at=moment,
    )
    uow.session.add(row)
    series.last_index = number
    series.last_entry_id = entry_id
    series.updated_at = moment
    uow.session.flush()
    return _entry(row)


def put_entry(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    series_id: uuid.UUID,
    entry_id: uuid.UUID,
    meta: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> SequenceEntry:
    """PUT an entry: :func:`issue_entry` on its own, committed."""
    entry = issue_entry(
        uow, workspace_id=workspace_id, series_id=series_id, entry_id=entry_id, meta=meta, now=now
    )
    uow.commit()
    return entry


def get_entry(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, series_id: uuid.UUID, entry_id: uuid.UUID
) -> SequenceEntry:
    repository.get_series(uow, workspace_id, series_id)
    row = repository.find_entry(uow, workspace_id, entry_id)
    if row is None or row.series_id != series_id:
        raise SequenceEntryNotFound()
    return _entry(row)


@dataclass(frozen=True, slots=True)
class EntryPage:
    entries: list[SequenceEntry]
    cursor: str | None


def list_entries(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    series_id: uuid.UUID,
    cursor: str | None = None,
    limit: int = 20,
) -> EntryPage:
    """The series' entries, newest number first, keyset-paginated on the number."""
    repository.get_series(uow, workspace_id, series_id)
    before = _decode_cursor(cursor) if cursor else None
    rows = repository.list_entries(uow, workspace_id, series_id, before=before, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor(rows[-1].number) if more and rows else None
    return EntryPage([_entry(row) for row in rows], next_cursor)


def _encode_cursor(number: int) -> str:
    raw = json.dumps({"n": number}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        number = data["n"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor() from exc
    if not isinstance(number, int) or isinstance(number, bool):
        raise InvalidCursor()
    return number
