"""Rows ↔ models of the Silo, and the lookups every Silo service module shares.

Every query takes the workspace: an entry id alone never reaches a row. ``get_*`` raises
:class:`EntryNotFound`; ``find_*`` returns ``None``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from facturo.errors import Fault
from facturo.platform.uow import UnitOfWork
from facturo.silo.errors import EntryNotFound
from facturo.silo.models import Entry, EntryId, File, FileVersion, Meta, SpoolFile, State, Version
from facturo.silo.tables import (
    EntryRow,
    EntryVersionRow,
    FilePreviousRow,
    FileRow,
    MetaRow,
    SpoolRow,
    StateRow,
)


def entry_of(
    row: EntryRow,
    versions: list[EntryVersionRow] | None = None,
    uow: UnitOfWork | None = None,
    *,
    has_files: bool = True,
    has_meta: bool = True,
) -> Entry:
    """The entry as shown; with ``uow`` its files and meta rows are loaded too, unless the
    caller already knows there are none (``has_files``, ``has_meta``)."""
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
        versions=[
            Version(v.version, v.at, v.src, v.src_id, v.signed, v.invalid)
            for v in sorted(versions or [], key=lambda v: v.at, reverse=True)
        ],
        faults=faults_of(row.faults),
        attachments=files,
        meta=meta,
    )


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
) -> tuple[EntryRow, bool, bool] | None:
    """The entry's row by id or key, and whether it has files and listed meta rows.

    Most entries have neither, so asking in the same statement spares a GET two queries.
    """
    has_files = (
        select(FileRow.id)
        .where(FileRow.workspace_id == EntryRow.workspace_id, FileRow.entry_id == EntryRow.id)
        .exists()
    )
    has_meta = (
        select(MetaRow.key)
        .where(
            MetaRow.workspace_id == EntryRow.workspace_id,
            MetaRow.entry_id == EntryRow.id,
            MetaRow.secure.is_(False),
        )
        .exists()
    )
    query = select(EntryRow, has_files, has_meta).where(EntryRow.workspace_id == workspace_id)
    query = query.where(EntryRow.id == entry_id) if entry_id else query.where(EntryRow.key == key)
    found = uow.session.execute(query).one_or_none()
    if found is None:
        return None
    row, files, meta = found
    return row, bool(files), bool(meta)


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
