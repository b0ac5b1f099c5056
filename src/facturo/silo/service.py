"""Use cases of the Silo, shared by the HTTP API, the CLI and step providers.

Creation is create-only (seed 002): a second PUT with the same id answers 409 "entry already
exists with same id", and a repeated ``key`` 409 too. Both are enforced by the database's
constraints, so two concurrent creates cannot both win; the check before the insert only gives
the common case a precise error. PATCH replaces the data even on signed or invalid entries; the
signatures stay but are stale, as the contract's clients expect.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from facturo.platform.ids import is_time_based, uuid7
from facturo.platform.uow import UnitOfWork
from facturo.silo.build import Built, build_envelope
from facturo.silo.errors import (
    EntryExists,
    EntryNotFound,
    InvalidCursor,
    KeyTaken,
    TimeBasedIdRequired,
    UnsupportedContentType,
)
from facturo.silo.models import TIME_BOUND_FOLDERS, Entry, EntryId, Version, folder_for
from facturo.silo.tables import EntryRow, EntryVersionRow

JSON_TYPE = "application/json"
MERGE_PATCH = "application/merge-patch+json"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Source:
    """Who made a change: kept on every version (``src``, ``src_id``)."""

    src: str
    src_id: str


def _entry(row: EntryRow, versions: list[EntryVersionRow] | None = None) -> Entry:
    env = row.data
    return Entry(
        id=EntryId(row.id),
        workspace_id=row.workspace_id,
        key=row.key,
        folder=row.folder,
        state=row.state,
        signed=row.signed,
        invalid=row.invalid,
        env_schema=row.env_schema,
        doc_schema=row.doc_schema,
        digest=(env.get("head") or {}).get("dig"),
        tags=list((env.get("head") or {}).get("tags") or []),
        data=env,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        versions=[
            Version(v.version, v.at, v.src, v.src_id, v.signed, v.invalid)
            for v in sorted(versions or [], key=lambda v: v.at, reverse=True)
        ],
    )


def _add_version(uow: UnitOfWork, row: EntryRow, built: Built, source: Source) -> None:
    uow.session.add(
        EntryVersionRow(
            id=uuid7(),
            workspace_id=row.workspace_id,
            entry_id=row.id,
            version=built.version,
            at=row.updated_at,
            src=source.src,
            src_id=source.src_id,
            signed=row.signed,
            invalid=row.invalid,
            data=built.envelope,
        )
    )


def create_entry(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    data: Any,
    source: Source,
    entry_id: uuid.UUID | None = None,
    key: str | None = None,
    folder: str | None = None,
    allow_invalid: bool = False,
    now: Callable[[], datetime] = _now,
) -> Entry:
    """Store a new entry (POST when ``entry_id`` is None, PUT otherwise)."""
    new_id = entry_id or uuid7()
    if entry_id is not None and _find(uow, workspace_id, entry_id) is not None:
        raise EntryExists()
    if key and _find_by_key(uow, workspace_id, key) is not None:
        raise KeyTaken()
    moment = now()
    built = build_envelope(data, allow_invalid=allow_invalid, uuid_factory=uuid7, now=moment)
    target = folder or folder_for(built.doc_schema)
    if target in TIME_BOUND_FOLDERS and not is_time_based(new_id):
        raise TimeBasedIdRequired()
    row = EntryRow(
        workspace_id=workspace_id,
        id=new_id,
        key=key or None,
        folder=target,
        state=None,
        signed=bool(built.envelope.get("sigs")),
        invalid=built.invalid,
        env_schema=str(built.envelope["$schema"]),
        doc_schema=built.doc_schema,
        data=built.envelope,
        version=built.version,
        created_at=moment,
        updated_at=moment,
    )
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:  # a concurrent create won the race
        uow.rollback()
        if key and _find_by_key(uow, workspace_id, key) is not None:
            raise KeyTaken() from exc
        raise EntryExists() from exc
    _add_version(uow, row, built, source)
    uow.commit()
    return _entry(row, _versions(uow, row))


def update_entry(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    source: Source,
    data: Any = None,
    folder: str | None = None,
    content_type: str | None = None,
    allow_invalid: bool = False,
    now: Callable[[], datetime] = _now,
) -> Entry:
    """PATCH: new data (full, or a merge patch of the stored envelope) and/or a new folder.

    ``data: null`` means "no change" (Go's client sends it on folder-only updates).
    """
    row = _get(uow, workspace_id, entry_id, lock=True)
    if folder:
        row.folder = folder
    if data is not None:
        kind = content_type or JSON_TYPE
        if kind == MERGE_PATCH:
            data = merge_patch(row.data, data)
        elif kind != JSON_TYPE:
            raise UnsupportedContentType()
        moment = now()
        sigs = tuple(row.data.get("sigs") or ())
        built = build_envelope(
            data, allow_invalid=allow_invalid, uuid_factory=uuid7, now=moment, keep_sigs=sigs
        )
        if built.version != row.version:
            row.data = built.envelope
            row.invalid = built.invalid
            row.doc_schema = built.doc_schema
            row.version = built.version
            row.updated_at = moment
            _add_version(uow, row, built, source)
    elif folder:
        row.updated_at = now()
    uow.commit()
    return _entry(row, _versions(uow, row))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = merge_patch(out.get(name), value)
    return out


def get_entry(uow: UnitOfWork, *, workspace_id: uuid.UUID, entry_id: uuid.UUID) -> Entry:
    row = _get(uow, workspace_id, entry_id)
    return _entry(row, _versions(uow, row))


def get_entry_by_key(uow: UnitOfWork, *, workspace_id: uuid.UUID, key: str) -> Entry:
    row = _find_by_key(uow, workspace_id, key)
    if row is None:
        raise EntryNotFound()
    return _entry(row, _versions(uow, row))


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[Entry]
    next_cursor: str | None


def list_entries(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    folder: str | None = None,
    created_at: datetime | None = None,
    cursor: str | None = None,
    limit: int = 20,
    ascending: bool = False,
) -> Page:
    """Newest first (or oldest first), keyset-paginated on ``(created_at, id)``.

    The cursor is base64url JSON without padding, like the contract's example, and carries the
    direction so it cannot be replayed the other way.
    """
    query = select(EntryRow).where(EntryRow.workspace_id == workspace_id)
    if folder:
        query = query.where(EntryRow.folder == folder)
    if created_at is not None:
        bound = (
            EntryRow.created_at >= created_at if ascending else EntryRow.created_at <= created_at
        )
        query = query.where(bound)
    if cursor:
        at, last_id = decode_cursor(cursor, ascending=ascending)
        if ascending:
            query = query.where(
                or_(
                    EntryRow.created_at > at, and_(EntryRow.created_at == at, EntryRow.id > last_id)
                )
            )
        else:
            query = query.where(
                or_(
                    EntryRow.created_at < at, and_(EntryRow.created_at == at, EntryRow.id < last_id)
                )
            )
    order = (
        (EntryRow.created_at.asc(), EntryRow.id.asc())
        if ascending
        else (EntryRow.created_at.desc(), EntryRow.id.desc())
    )
    rows = list(uow.session.scalars(query.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1], ascending=ascending) if more and rows else None
    return Page([_entry(r) for r in rows], next_cursor)


def encode_cursor(row: EntryRow, *, ascending: bool) -> str:
    raw = json.dumps(
        {"cat": row.created_at.isoformat(), "id": str(row.id), "asc": ascending},
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, ascending: bool) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        at = datetime.fromisoformat(data["cat"])
        last = uuid.UUID(data["id"])
        same_direction = bool(data.get("asc", False)) == ascending
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor() from exc
    if not same_direction or at.tzinfo is None:
        raise InvalidCursor()
    return at, last


def _find(uow: UnitOfWork, workspace_id: uuid.UUID, entry_id: uuid.UUID) -> EntryRow | None:
    return uow.session.get(EntryRow, (workspace_id, entry_id))


def _get(
    uow: UnitOfWork, workspace_id: uuid.UUID, entry_id: uuid.UUID, *, lock: bool = False
) -> EntryRow:
    query = select(EntryRow).where(EntryRow.workspace_id == workspace_id, EntryRow.id == entry_id)
    if lock:
        query = query.with_for_update()
    row = uow.session.scalars(query).one_or_none()
    if row is None:
        raise EntryNotFound()
    return row


def _find_by_key(uow: UnitOfWork, workspace_id: uuid.UUID, key: str) -> EntryRow | None:
    return uow.session.scalars(
        select(EntryRow).where(EntryRow.workspace_id == workspace_id, EntryRow.key == key)
    ).one_or_none()


def _versions(uow: UnitOfWork, row: EntryRow) -> list[EntryVersionRow]:
    return list(
        uow.session.scalars(
            select(EntryVersionRow).where(
                EntryVersionRow.workspace_id == row.workspace_id,
                EntryVersionRow.entry_id == row.id,
            )
        )
    )
