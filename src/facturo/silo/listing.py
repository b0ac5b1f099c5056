"""Listing entries: newest first (or oldest first), related entries, and search.

Lists are keyset-paginated on ``(created_at, id)`` with an opaque cursor (spec §1.4): a page
costs the same however deep it is, which offset pagination cannot promise. Search is the one
offset-paginated listing, as the contract has it.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, String, and_, cast, or_, select

from facturo.platform.uow import UnitOfWork
from facturo.silo.errors import InvalidCursor
from facturo.silo.models import Entry
from facturo.silo.repository import entry_of
from facturo.silo.tables import EntryRefRow, EntryRow


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
    return _page(uow, query, created_at=created_at, cursor=cursor, limit=limit, ascending=ascending)


def list_related(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    uuids: list[uuid.UUID],
    context: str | None = None,
    created_at: datetime | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[Page, dict[uuid.UUID, str]]:
    """Entries whose documents mention one of ``uuids``, newest first, and where (context)."""
    refs = select(EntryRefRow.entry_id).where(
        EntryRefRow.workspace_id == workspace_id, EntryRefRow.uuid.in_(uuids)
    )
    if context:
        refs = refs.where(EntryRefRow.context == context)
    query = select(EntryRow).where(EntryRow.workspace_id == workspace_id, EntryRow.id.in_(refs))
    page = _page(uow, query, created_at=created_at, cursor=cursor, limit=limit, ascending=False)
    contexts: dict[uuid.UUID, str] = {}
    if page.entries:
        found = uow.session.execute(
            select(EntryRefRow.entry_id, EntryRefRow.context).where(
                EntryRefRow.workspace_id == workspace_id,
                EntryRefRow.uuid.in_(uuids),
                EntryRefRow.entry_id.in_([e.id for e in page.entries]),
            )
        ).all()
        for entry_id, ctx in sorted(found, key=lambda r: r[1]):
            if not context or ctx == context:
                contexts.setdefault(entry_id, ctx)
    return page, contexts


def _page(
    uow: UnitOfWork,
    query: Select[EntryRow],
    *,
    created_at: datetime | None,
    cursor: str | None,
    limit: int,
    ascending: bool,
) -> Page:
    if created_at is not None:
        bound = (
            EntryRow.created_at >= created_at if ascending else EntryRow.created_at <= created_at
        )
        query = query.where(bound)
    if cursor:
        at, last_id = decode_cursor(cursor, ascending=ascending)
        # The plain bound on created_at lets the index seek straight to the page; the OR alone
        # makes the database walk the index from its first entry (seconds at a million).
        if ascending:
            query = query.where(
                EntryRow.created_at >= at,
                or_(
                    EntryRow.created_at > at, and_(EntryRow.created_at == at, EntryRow.id > last_id)
                ),
            )
        else:
            query = query.where(
                EntryRow.created_at <= at,
                or_(
                    EntryRow.created_at < at, and_(EntryRow.created_at == at, EntryRow.id < last_id)
                ),
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
    return Page([entry_of(r) for r in rows], next_cursor)


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


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_entries(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    q: str,
    folder: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list[Entry]:
    """Entries whose key or data contains ``q`` (case-insensitive), newest first.

    A plain substring match over the stored JSON: a code, a tax id, a customer's name all hit.
    It reads every entry of the workspace (and folder), so it suits finding a document, not
    browsing; lists use the keyset pagination above.
    """
    pattern = _like_pattern(q.strip())
    query = select(EntryRow).where(
        EntryRow.workspace_id == workspace_id,
        or_(
            EntryRow.key.ilike(pattern, escape="\\"),
            cast(EntryRow.data, String).ilike(pattern, escape="\\"),
        ),
    )
    if folder:
        query = query.where(EntryRow.folder == folder)
    rows = uow.session.scalars(
        query.order_by(EntryRow.created_at.desc(), EntryRow.id.desc()).offset(offset).limit(limit)
    )
    return [entry_of(r) for r in rows]
