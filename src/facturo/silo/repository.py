"""Rows ↔ models of the Silo, and the lookups every Silo service module shares.

Every query takes the workspace: an entry id alone never reaches a row. ``get_*`` raises
:class:`EntryNotFound`; ``find_*`` returns ``None``.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Table, Text, bindparam, select, type_coerce
from sqlalchemy import cast as cast_to
from sqlalchemy.types import NullType

from facturo.errors import Fault
from facturo.platform.db import constant
from facturo.platform.uow import UnitOfWork
from facturo.silo.errors import EntryNotFound
from facturo.silo.models import (
    Entry,
    EntryId,
    File,
    FileVersion,
    Listed,
    Meta,
    RawJson,
    SpoolFile,
    State,
    Version,
)
from facturo.silo.tables import (
    EntryRefRow,
    EntryRow,
    EntryVersionRow,
    FilePreviousRow,
    FileRow,
    MetaRow,
    SpoolRow,
    StateRow,
)

ENTRY = cast(Table, EntryRow.__table__)
VERSION = cast(Table, EntryVersionRow.__table__)
REF = cast(Table, EntryRefRow.__table__)

ColumnsRow = Row[*tuple[Any, ...]]
"""A row of columns read with a Core statement (attributes named as the table's columns)."""

# The statements of the hot paths are built once (building one costs more than running it),
# with their cache keys kept (``constant``).
HAS_FILES = (
    select(FileRow.id)
    .where(FileRow.workspace_id == ENTRY.c.workspace_id, FileRow.entry_id == ENTRY.c.id)
    .exists()
    .label("has_files")
)
HAS_META = (
    select(MetaRow.key)
    .where(
        MetaRow.workspace_id == ENTRY.c.workspace_id,
        MetaRow.entry_id == ENTRY.c.id,
        MetaRow.secure.is_(False),
    )
    .exists()
    .label("has_meta")
)
_SHOWN = select(*(c for c in ENTRY.c if c.name != "search_text"), HAS_FILES, HAS_META).where(
    ENTRY.c.workspace_id == bindparam("workspace_id")
)
_SHOWN_BY_ID = constant(_SHOWN.where(ENTRY.c.id == bindparam("entry_id")))
_SHOWN_BY_KEY = constant(_SHOWN.where(ENTRY.c.key == bindparam("key")))
_VERSIONS = constant(
    select(
        VERSION.c.version,
        VERSION.c.at,
        VERSION.c.src,
        VERSION.c.src_id,
        VERSION.c.signed,
        VERSION.c.invalid,
    )
    .where(
        VERSION.c.workspace_id == bindparam("workspace_id"),
        VERSION.c.entry_id == bindparam("entry_id"),
    )
    .order_by(VERSION.c.at.desc(), VERSION.c.id.desc())
)

LISTED_COLUMNS = (
    ENTRY.c.id,
    ENTRY.c.key,
    ENTRY.c.folder,
    ENTRY.c.state,
    ENTRY.c.signed,
    ENTRY.c.invalid,
    ENTRY.c.env_schema,
    ENTRY.c.doc_schema,
    ENTRY.c.version,
    ENTRY.c.created_at,
    ENTRY.c.updated_at,
    ENTRY.c.faults,
    cast_to(ENTRY.c.snippet, Text).label("snippet"),
    cast_to(ENTRY.c.digest, Text).label("digest"),
    cast_to(ENTRY.c.tags, Text).label("tags"),
)
"""What a list reads of an entry's row, in :func:`listed_of`'s order: no envelope, no search
text, and the derived JSON columns as their text (a page of twenty entries decoded and encoded
them again for nothing)."""


def as_driver_gives(column: ColumnElement[Any], name: str) -> ColumnElement[Any]:
    """``column`` read as the driver hands it, past SQLAlchemy's result processing."""
    return type_coerce(column, NullType()).label(name)


LISTED_ROW_COLUMNS = (
    as_driver_gives(ENTRY.c.id, "id"),
    *LISTED_COLUMNS[1:9],
    as_driver_gives(ENTRY.c.created_at, "created_at"),
    as_driver_gives(ENTRY.c.updated_at, "updated_at"),
    *LISTED_COLUMNS[11:],
)
""":data:`LISTED_COLUMNS` with the id and the timestamps as the driver gives them (SQLite's
text, psycopg's ``UUID`` and ``datetime``): a list page writes them straight into the wire's
text (``wire.listed_row_json``), where making a ``UUID`` and an aware ``datetime`` of each only
to format them again cost about a fifth of the page."""


def entry_of(
    row: EntryRow | ColumnsRow,
    versions: list[EntryVersionRow] | list[Version] | None = None,
    uow: UnitOfWork | None = None,
    *,
    has_files: bool = True,
    has_meta: bool = True,
) -> Entry:
    """The entry as shown, from its ORM row or a row of its columns; with ``uow`` its files and
    meta rows are loaded too, unless the caller already knows there are none (``has_files``,
    ``has_meta``). ``versions`` are rows or, already shaped and newest first, versions."""
    env = row.data
    files = entry_files(uow, row.workspace_id, row.id) if uow and has_files else []
    meta = entry_meta(uow, row.workspace_id, row.id) if uow and has_meta else []
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
        versions=_versions_of(versions or []),
        faults=faults_of(row.faults),
        attachments=files,
        meta=meta,
        snippet=row.snippet,
    )


def _versions_of(versions: list[EntryVersionRow] | list[Version]) -> list[Version]:
    """Versions newest first: rows are sorted here, shaped versions come sorted already."""
    shown: list[Version] = []
    rows: list[EntryVersionRow] = []
    for v in versions:
        if isinstance(v, Version):
            shown.append(v)
        else:
            rows.append(v)
    rows.sort(key=lambda v: v.at, reverse=True)
    return shown + [Version(v.version, v.at, v.src, v.src_id, v.signed, v.invalid) for v in rows]


def listed_of(row: ColumnsRow) -> Listed:
    """An entry as lists show it, from a row of :data:`LISTED_COLUMNS`."""
    (
        entry_id,
        key,
        folder,
        state,
        signed,
        invalid,
        env_schema,
        doc_schema,
        version,
        created_at,
        updated_at,
        faults,
        snippet,
        digest,
        tags,
    ) = row
    return Listed(
        EntryId(entry_id),
        key,
        folder,
        state,
        signed,
        invalid,
        env_schema,
        doc_schema,
        version,
        created_at,
        updated_at,
        faults_of(faults),
        stored_json(snippet),
        stored_json(digest),
        stored_json(tags),
    )


def stored_json(text: str | None) -> RawJson | None:
    """Stored JSON text; JSON ``null`` (what a JSON column keeps for ``None``) is none."""
    return None if text is None or text == "null" else RawJson(text)


def find_entry_row(
    uow: UnitOfWork, workspace_id: uuid.UUID, entry_id: uuid.UUID
) -> EntryRow | None:
    return uow.session.get(EntryRow, (workspace_id, entry_id))


def get_entry_row(
    uow: UnitOfWork, workspace_id: uuid.UUID, entry_id: uuid.UUID, *, lock: bool = False
) -> EntryRow:
    """The entry's row; ``lock`` takes a row lock (PostgreSQL) so concurrent writers queue."""
    query = select(EntryRow).where(EntryRow.workspace_id == workspace_id, EntryRow.id == entry_id)
    if lock:
        query = query.with_for_update()
    row = uow.session.scalars(query).one_or_none()
    if row is None:
        raise EntryNotFound()
    return row


def find_shown_entry(
    uow: UnitOfWork, workspace_id: uuid.UUID, *, entry_id: uuid.UUID | None = None, key: str = ""
) -> Entry | None:
    """The entry as a GET shows it, by id or key: two statements, files and meta rows only
    read when the first says the entry has some (most have neither)."""
    conn = uow.connection()
    if entry_id is not None:
        found = conn.execute(
            _SHOWN_BY_ID, {"workspace_id": workspace_id, "entry_id": entry_id}
        ).one_or_none()
    else:
        found = conn.execute(
            _SHOWN_BY_KEY, {"workspace_id": workspace_id, "key": key}
        ).one_or_none()
    if found is None:
        return None
    versions = [
        Version(*v)
        for v in conn.execute(_VERSIONS, {"workspace_id": workspace_id, "entry_id": found.id})
    ]
    return entry_of(
        found, versions, uow, has_files=bool(found.has_files), has_meta=bool(found.has_meta)
    )


def find_entry_row_by_key(uow: UnitOfWork, workspace_id: uuid.UUID, key: str) -> EntryRow | None:
    return uow.session.scalars(
        select(EntryRow).where(EntryRow.workspace_id == workspace_id, EntryRow.key == key)
    ).one_or_none()


def faults_json(faults: tuple[Fault, ...] | list[Fault]) -> list[dict[str, Any]]:
    """Faults as stored and as the contract shows them (``SiloFault``)."""
    out = []
    for f in faults:
        item: dict[str, Any] = {"code": f.code, "message": f.message}
        if f.paths:
            item["paths"] = list(f.paths)
        if f.provider:
            item["provider"] = f.provider
        out.append(item)
    return out


def faults_of(raw: list[dict[str, Any]] | None) -> list[Fault]:
    return [
        Fault(
            code=str(f.get("code", "")),
            message=str(f.get("message", "")),
            paths=tuple(f.get("paths") or ()),
            provider=str(f.get("provider", "")),
        )
        for f in raw or ()
    ]


def state_of(row: StateRow) -> State:
    return State(
        entry_id=row.entry_id,
        at=row.at,
        key=row.key,
        notes=row.notes,
        meta=dict(row.meta or {}),
        src=row.src,
        src_id=row.src_id,
        faults=faults_of(row.faults),
        created_at=row.created_at,
    )


def meta_of(row: MetaRow) -> Meta:
    return Meta(
        entry_id=row.entry_id,
        owner_id=row.workspace_id,
        src=row.src,
        key=row.key,
        ref=row.ref,
        value=row.value,
        link_url=row.link_url,
        link_scope=row.link_scope,
        indexed=row.indexed,
        owned=row.owned,
        secure=row.secure,
        shared=row.shared,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def file_of(row: FileRow, previous: list[FilePreviousRow] | None = None) -> File:
    return File(
        id=row.id,
        entry_id=row.entry_id,
        created_at=row.created_at,
        name=row.name,
        desc=row.desc,
        key=row.key,
        category=row.category,
        hash=row.hash,
        mime=row.mime,
        size=row.size,
        stored=row.stored,
        embeddable=row.embeddable,
        private=row.private,
        meta=dict(row.meta or {}),
        public_token=row.public_token,
        previous=[
            FileVersion(p.id, p.created_at, p.hash, p.size)
            for p in sorted(previous or [], key=lambda p: p.created_at, reverse=True)
        ],
    )


def spool_of(row: SpoolRow) -> SpoolFile:
    return SpoolFile(row.key, row.name, row.mime, row.hash, row.size, row.created_at)


def entry_files(uow: UnitOfWork, workspace_id: uuid.UUID, entry_id: uuid.UUID) -> list[File]:
    """The entry's current files with their previous versions, oldest first."""
    rows = uow.session.scalars(
        select(FileRow)
        .where(FileRow.workspace_id == workspace_id, FileRow.entry_id == entry_id)
        .order_by(FileRow.created_at, FileRow.id)
    ).all()
    if not rows:
        return []
    previous = uow.session.scalars(
        select(FilePreviousRow).where(
            FilePreviousRow.workspace_id == workspace_id, FilePreviousRow.entry_id == entry_id
        )
    ).all()
    by_slot: dict[tuple[str, str], list[FilePreviousRow]] = {}
    for p in previous:
        by_slot.setdefault((p.category, p.slot), []).append(p)
    return [file_of(r, by_slot.get((r.category, r.slot))) for r in rows]


def entry_meta(uow: UnitOfWork, workspace_id: uuid.UUID, entry_id: uuid.UUID) -> list[Meta]:
    """The entry's meta rows as listed: ``secure`` rows never are (contract ``SiloMeta``)."""
    rows = uow.session.scalars(
        select(MetaRow)
        .where(
            MetaRow.workspace_id == workspace_id,
            MetaRow.entry_id == entry_id,
            MetaRow.secure.is_(False),
        )
        .order_by(MetaRow.created_at, MetaRow.src, MetaRow.key)
    ).all()
    return [meta_of(r) for r in rows]
