"""Listing entries: newest first (or oldest first), related entries, and search.

Lists are keyset-paginated on ``(created_at, id)`` with an opaque cursor (spec §1.4): a page
costs the same however deep it is, which offset pagination cannot promise. Search is the one
offset-paginated listing, as the contract has it.
"""

from __future__ import annotations

import base64
import functools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Integer, Row, Select, and_, bindparam, or_, select
from sqlalchemy.engine import Dialect

from facturo.platform.db import constant
from facturo.platform.uow import UnitOfWork
from facturo.silo.errors import InvalidCursor
from facturo.silo.models import Listed
from facturo.silo.repository import ENTRY, LISTED_COLUMNS, LISTED_ROW_COLUMNS, listed_of
from facturo.silo.summary import folded_query
from facturo.silo.tables import EntryRefRow


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[Listed]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class RowPage:
    """A page of :data:`~facturo.silo.repository.LISTED_ROW_COLUMNS` rows, their ids and
    timestamps as ``dialect``'s driver gave them, for ``wire.listed_row_json``."""

    rows: list[Row[Any]]
    dialect: str
    next_cursor: str | None


_LISTED = select(*LISTED_COLUMNS)
_LISTED_ROWS = select(*LISTED_ROW_COLUMNS)


def list_entries(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    folder: str | None = None,
    created_at: datetime | None = None,
    cursor: str | None = None,
    limit: int = 20,
    ascending: bool = False,
) -> RowPage:
    """Newest first (or oldest first), keyset-paginated on ``(created_at, id)``.

    The cursor is base64url JSON without padding, like the contract's example, and carries the
    direction so it cannot be replayed the other way. Rows come as the driver reads them: only
    the last one's id and time, for the cursor, become values.
    """
    after = decode_cursor(cursor, ascending=ascending) if cursor else None
    query = _list_query(
        folder=bool(folder), bounded=created_at is not None, after=bool(after), ascending=ascending
    )
    values: dict[str, Any] = {
        "workspace_id": workspace_id,
        "folder": folder,
        "bound": created_at,
        "limit": limit + 1,
    }
    if after is not None:
        values["at"], values["last_id"] = after
    connection = uow.connection()
    rows = list(connection.execute(query, values).all())
    next_cursor = None
    if len(rows) > limit:
        del rows[limit:]
        created_value, id_value = _driver_values(connection.dialect)
        last = rows[-1]
        next_cursor = encode_cursor(
            created_value(last.created_at), id_value(last.id), ascending=ascending
        )
    return RowPage(rows, connection.dialect.name, next_cursor)


@functools.lru_cache(maxsize=8)
def _driver_values(
    dialect: Dialect,
) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """The columns' own result processing, which the page's rows skip, for the cursor's
    values: they are those every other read of an entry gets."""
    identity: Callable[[Any], Any] = lambda value: value  # noqa: E731
    created = (
        ENTRY.c.created_at.type.dialect_impl(dialect).result_processor(dialect, None) or identity
    )
    entry_id = ENTRY.c.id.type.dialect_impl(dialect).result_processor(dialect, None) or identity
    return created, entry_id


@functools.cache
def _list_query(*, folder: bool, bounded: bool, after: bool, ascending: bool) -> Select[Any]:
    """The list's statement for this shape of request, built once (its values are parameters):
    building a statement costs about what running it does, and so does computing its cache key
    on each run (kept by ``constant``)."""
    query = _LISTED_ROWS.where(ENTRY.c.workspace_id == bindparam("workspace_id"))
    if folder:
        query = query.where(ENTRY.c.folder == bindparam("folder"))
    return constant(_paged(query, bounded=bounded, after=after, ascending=ascending))


def _paged(query: Select[Any], *, bounded: bool, after: bool, ascending: bool) -> Select[Any]:
    created, entry_id = ENTRY.c.created_at, ENTRY.c.id
    at: BindParameter[datetime] = bindparam("at", type_=created.type)
    last_id: BindParameter[uuid.UUID] = bindparam("last_id", type_=entry_id.type)
    if bounded:
        bound: BindParameter[datetime] = bindparam("bound", type_=created.type)
        query = query.where(created >= bound if ascending else created <= bound)
    if after:
        # The plain bound on created_at lets the index seek straight to the page; the OR alone
        # makes the database walk the index from its first entry (seconds at a million).
        if ascending:
            query = query.where(
                created >= at, or_(created > at, and_(created == at, entry_id > last_id))
            )
        else:
            query = query.where(
                created <= at, or_(created < at, and_(created == at, entry_id < last_id))
            )
    order = (created.asc(), entry_id.asc()) if ascending else (created.desc(), entry_id.desc())
    return query.order_by(*order).limit(bindparam("limit", type_=Integer))


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
    after = decode_cursor(cursor, ascending=False) if cursor else None
    query = _paged(
        _LISTED.where(ENTRY.c.workspace_id == workspace_id, ENTRY.c.id.in_(refs)),
        bounded=created_at is not None,
        after=bool(after),
        ascending=False,
    )
    page = _page(uow, query, {"bound": created_at}, after=after, limit=limit, ascending=False)
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
    query: Select[Any],
    params: dict[str, Any],
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    ascending: bool,
) -> Page:
    """One page of ``query`` (made by :func:`_paged`), and the cursor of the next if any."""
    values = {**params, "limit": limit + 1}
    if after is not None:
        values["at"], values["last_id"] = after
    rows = uow.connection().execute(query, values).all()
    more = len(rows) > limit
    listed = [listed_of(r) for r in rows[:limit]]
    next_cursor = (
        encode_cursor(listed[-1].created_at, listed[-1].id, ascending=ascending)
        if more and listed
        else None
    )
    return Page(listed, next_cursor)


def encode_cursor(created_at: datetime, entry_id: uuid.UUID, *, ascending: bool) -> str:
    """The cursor of the page after the entry ``(created_at, entry_id)``."""
    raw = json.dumps(
        {"cat": created_at.isoformat(), "id": str(entry_id), "asc": ascending},
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
) -> list[Listed]:
    """Entries whose key or data contains ``q``, newest first, case folded on both databases.

    A plain substring match over each entry's folded ``search_text`` (``summary.py``): a code,
    a tax id, a customer's name all hit, "álvarez" as well as "ÁLVAREZ". It reads every entry
    of the workspace (and folder), so it suits finding a document, not browsing; lists use the
    keyset pagination above.
    """
    pattern = _like_pattern(folded_query(q))
    query = _LISTED.where(
        ENTRY.c.workspace_id == workspace_id, ENTRY.c.search_text.like(pattern, escape="\\")
    )
    if folder:
        query = query.where(ENTRY.c.folder == folder)
    rows = uow.connection().execute(
        query.order_by(ENTRY.c.created_at.desc(), ENTRY.c.id.desc()).offset(offset).limit(limit)
    )
    return [listed_of(r) for r in rows]
