"""Use cases of the Silo, shared by the HTTP API, the CLI, the engine and step providers.

Creation is create-only (seed 002): a second PUT with the same id answers 409 "entry already
exists with same id", and a repeated ``key`` 409 too. Both are enforced by the database's
constraints, so two concurrent creates cannot both win; the check before the insert only gives
the common case a precise error. PATCH replaces the data even on signed or invalid entries; the
signatures stay but are stale, as the contract's clients expect.

This module is also the Silo's internal API (``__all__``): other contexts call these functions
and never touch Silo tables. ``create_entry`` and ``update_entry`` serve the HTTP API and
commit; every other function works in the caller's unit of work and leaves the commit to it, so
a step's writes commit with the engine's checkpoint or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from facturo.errors import FacturoError
from facturo.gobl.dsig import PrivateKey
from facturo.platform.ids import is_time_based, uuid7
from facturo.platform.uow import UnitOfWork
from facturo.silo import repository
from facturo.silo.build import Built, build_envelope, rerooted, sign_envelope
from facturo.silo.errors import (
    AlreadySigned,
    EntryExists,
    EntryNotFound,
    KeyTaken,
    StampNeedsSignature,
    TimeBasedIdRequired,
    UnsupportedContentType,
)
from facturo.silo.ids import ID_NOT_TIME_BASED, check_entry_id
from facturo.silo.json_patch import apply_json_patch, merge_patch
from facturo.silo.listing import Page, list_entries, list_related, search_entries
from facturo.silo.models import TIME_BOUND_FOLDERS, Entry, EntryId, Version, folder_for
from facturo.silo.refs import document_refs
from facturo.silo.repository import ENTRY, REF, VERSION, entry_of
from facturo.silo.service_files import NewFile, get_file_bytes, put_file
from facturo.silo.service_meta import MetaFields, delete_meta, get_meta, upsert_meta
from facturo.silo.shown_rows import ShownRows, find_shown_rows
from facturo.silo.spool import put_data_uri, put_spool
from facturo.silo.states import add_faults, list_states, set_state
from facturo.silo.summary import summary_of
from facturo.silo.tables import EntryRefRow, EntryRow, EntryVersionRow

JSON_TYPE = "application/json"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"

# The internal API other contexts use (the engine, step providers), gathered here so they import
# one module; each function takes the caller's unit of work and does not commit.
__all__ = [
    "MetaFields",
    "NewFile",
    "Page",
    "ShownRows",
    "Source",
    "add_faults",
    "add_stamp",
    "create_entry",
    "delete_meta",
    "get_entry",
    "get_entry_by_key",
    "get_file_bytes",
    "get_meta",
    "get_shown_rows",
    "list_entries",
    "list_related",
    "list_states",
    "merge_patch",
    "put_data_uri",
    "put_file",
    "put_spool",
    "search_entries",
    "set_folder",
    "set_state",
    "sign_entry",
    "update_data",
    "update_entry",
    "upsert_meta",
]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Source:
    """Who made a change: kept on every version (``src``, ``src_id``)."""

    src: str
    src_id: str


def _add_version(uow: UnitOfWork, row: EntryRow, built: Built, source: Source) -> None:
    """Keep this content as an immutable version, and re-index the UUIDs it mentions.

    Content that comes back to an earlier version (a change undone) is that version again: its
    id is derived from the content, so the version kept the first time already holds it.
    """
    _index_refs(uow, row)
    known = uow.session.scalars(
        select(EntryVersionRow.id).where(
            EntryVersionRow.workspace_id == row.workspace_id,
            EntryVersionRow.entry_id == row.id,
            EntryVersionRow.version == built.version,
        )
    ).first()
    if known is not None:
        return
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
            # No data: the version is the entry's current content, which the entry's row holds
            # (``EntryVersionRow``).
        )
    )


_KEEP_CURRENT_DATA = (
    update(VERSION)
    .where(
        VERSION.c.workspace_id == bindparam("w_id"),
        VERSION.c.entry_id == bindparam("e_id"),
        VERSION.c.data.is_(None),
    )
    .values(
        data=select(ENTRY.c.data)
        .where(ENTRY.c.workspace_id == VERSION.c.workspace_id, ENTRY.c.id == VERSION.c.entry_id)
        .scalar_subquery()
    )
)


def _keep_current_data(uow: UnitOfWork, row: EntryRow) -> None:
    """Give the entry's versions that hold no data (its current one) the entry's data, before
    that data changes, in the same transaction: a version never stays without its content.

    The database copies the stored text, so the version reads back byte for byte as it was.
    """
    uow.session.execute(_KEEP_CURRENT_DATA, {"w_id": row.workspace_id, "e_id": row.id})


_INSERT_ENTRY = insert(ENTRY)
_INSERT_VERSION = insert(VERSION)
_INSERT_REF = insert(REF)


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
    signing_key: PrivateKey | None = None,
    now: Callable[[], datetime] = _now,
    commit: bool = True,
) -> Entry:
    """Store a new entry (POST when ``entry_id`` is None, PUT otherwise).

    With ``signing_key`` the envelope is signed before it is stored (``sign``): a document that
    cannot be signed (an invoice without ``code``) is refused and nothing is stored. The API
    commits here; a caller creating the entry as part of its own transaction (a job created
    with ``data``) passes ``commit=False`` and commits both together.

    A taken id or key answers 409 whatever the document holds. Inside a caller's transaction
    that is checked first; on its own (the API) the database's constraints tell at the insert,
    and only a document that fails is checked against taken ids, so the common create is one
    short write transaction.

    The rows go in as three Core inserts (entry, version, references) rather than through the
    ORM's flush: this is the Silo's busiest write, and the entry shown is made from the same
    values, so nothing is read back.
    """
    new_id = entry_id or uuid7()
    key = key or None
    checked_first = not commit or uow.in_transaction()
    if checked_first:
        _check_free(uow, workspace_id, entry_id, key)
    moment = now()
    try:
        built = build_envelope(data, allow_invalid=allow_invalid, uuid_factory=uuid7, now=moment)
        if signing_key is not None:
            built = _signed(built, signing_key, moment)
        target = folder or folder_for(built.doc_schema)
        if target in TIME_BOUND_FOLDERS:
            check_entry_id(new_id, now=moment, chosen=entry_id is not None)
    except FacturoError:
        if not checked_first:
            _check_free(uow, workspace_id, entry_id, key)
        raise
    envelope = built.envelope
    signed = bool(envelope.get("sigs"))
    summary = summary_of(envelope, key)
    row: dict[str, Any] = {
        "workspace_id": workspace_id,
        "id": new_id,
        "key": key,
        "folder": target,
        "state": None,
        "signed": signed,
        "invalid": built.invalid,
        "env_schema": str(envelope["$schema"]),
        "doc_schema": built.doc_schema,
        "data": envelope,
        "version": built.version,
        "created_at": moment,
        "updated_at": moment,
        "search_text": summary.search_text,
    }
    # JSON columns left out rather than given None, which JSON columns store as JSON ``null``.
    for name in ("snippet", "digest", "tags"):
        value = getattr(summary, name)
        if value is not None:
            row[name] = value
    if uow.has_pending_changes():  # the caller's pending rows go first, as before
        uow.session.flush()
    conn = uow.connection()
    try:
        conn.execute(_INSERT_ENTRY, row)
    except IntegrityError as exc:  # the id or key is taken (or a concurrent create won)
        if not commit:  # the caller's transaction is spoilt either way: it must roll back
            raise (KeyTaken() if key else EntryExists()) from exc
        uow.rollback()
        _check_free(uow, workspace_id, new_id, key)
        raise EntryExists() from exc
    version = Version(built.version, moment, source.src, source.src_id, signed, built.invalid)
    conn.execute(
        _INSERT_VERSION,
        {
            "id": uuid7(),
            "workspace_id": workspace_id,
            "entry_id": new_id,
            "version": version.version,
            "at": moment,
            "src": version.src,
            "src_id": version.src_id,
            "signed": signed,
            "invalid": built.invalid,
        },  # no data: the entry's row holds this version's content (``EntryVersionRow``)
    )
    refs = document_refs(envelope.get("doc") or {})
    if refs:
        conn.execute(
            _INSERT_REF,
            [
                {"workspace_id": workspace_id, "entry_id": new_id, "uuid": ref, "context": ctx}
                for ref, ctx in refs
            ],
        )
    if commit:
        uow.commit()
    # A new entry has this one version and no files or meta yet: nothing to read back.
    return Entry(
        id=EntryId(new_id),
        workspace_id=workspace_id,
        key=key,
        folder=target,
        state=None,
        signed=signed,
        invalid=built.invalid,
        env_schema=row["env_schema"],
        doc_schema=built.doc_schema,
        digest=summary.digest,
        tags=summary.tags or [],
        data=envelope,
        version=built.version,
        created_at=moment,
        updated_at=moment,
        versions=[version],
        snippet=summary.snippet,
    )


def _check_free(
    uow: UnitOfWork, workspace_id: uuid.UUID, entry_id: uuid.UUID | None, key: str | None
) -> None:
    """Refuse an id or key already taken (the id first).

    A unit of work with no transaction (the API's) checks through a reader of its own, which
    never waits for SQLite's write lock; inside a caller's transaction the check reads what that
    transaction sees. Either way the database's constraints still settle a race between two
    creates (see ``create_entry``).
    """
    if entry_id is None and not key:
        return
    if uow.in_transaction():
        _check_free_in(uow, workspace_id, entry_id, key)
        return
    with uow.reader() as reader:
        _check_free_in(reader, workspace_id, entry_id, key)


def _check_free_in(
    uow: UnitOfWork, workspace_id: uuid.UUID, entry_id: uuid.UUID | None, key: str | None
) -> None:
    if entry_id is not None and _find(uow, workspace_id, entry_id) is not None:
        raise EntryExists()
    if key and _find_by_key(uow, workspace_id, key) is not None:
        raise KeyTaken()


def _signed(built: Built, key: PrivateKey, moment: datetime) -> Built:
    """``built`` signed, with faults rooted at the request body (``$.data.doc.code``)."""
    from facturo.gobl import GoblError

    if built.envelope.get("sigs"):
        return built
    try:
        return Built(sign_envelope(built.envelope, key=key, now=moment), built.invalid)
    except GoblError as exc:
        raise rerooted(exc) from exc


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
    signing_key: PrivateKey | None = None,
    now: Callable[[], datetime] = _now,
) -> Entry:
    """PATCH: new data (full, merge patch or JSON patch of the stored envelope), a new folder,
    and/or a signature; commits.

    ``data: null`` means "no change" (Go's client sends it on folder-only updates). Signing an
    entry that is already signed changes nothing: its signature stays, even if stale (seed 002).
    """
    row = repository.get_entry_row(uow, workspace_id, entry_id, lock=True)
    moment = now()
    if folder:
        set_folder(uow, workspace_id=workspace_id, entry_id=entry_id, folder=folder, now=moment)
    if data is not None:
        update_data(
            uow,
            workspace_id=workspace_id,
            entry_id=entry_id,
            data=data,
            content_type=content_type,
            allow_invalid=allow_invalid,
            source=source,
            now=moment,
        )
    if signing_key is not None and not row.signed:
        sign_entry(
            uow,
            workspace_id=workspace_id,
            entry_id=entry_id,
            key=signing_key,
            source=source,
            now=moment,
            rooted_at_body=True,
        )
    uow.commit()
    return entry_of(row, _versions(uow, row), uow)


def update_data(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    data: Any,
    source: Source,
    content_type: str | None = None,
    allow_invalid: bool = False,
    now: datetime | None = None,
) -> Entry:
    """Replace the entry's data: a full document or envelope, a merge patch (RFC 7396) or a JSON
    patch (RFC 6902) of the stored envelope. Does not commit.

    The data is rebuilt (calculated, validated); signatures are kept as they were, stale if the
    document changed, as the contract's clients expect (seed 002). Content that did not change
    adds no version.
    """
    row = repository.get_entry_row(uow, workspace_id, entry_id, lock=True)
    kind = content_type or JSON_TYPE
    if kind == MERGE_PATCH:
        data = merge_patch(row.data, data)
    elif kind == JSON_PATCH:
        data = apply_json_patch(row.data, data)
    elif kind != JSON_TYPE:
        raise UnsupportedContentType()
    moment = now or _now()
    sigs = tuple(row.data.get("sigs") or ())
    built = build_envelope(
        data, allow_invalid=allow_invalid, uuid_factory=uuid7, now=moment, keep_sigs=sigs
    )
    _store(uow, row, built, source, moment)
    return entry_of(row)


def _store(uow: UnitOfWork, row: EntryRow, built: Built, source: Source, moment: datetime) -> None:
    if built.version == row.version:
        return
    _keep_current_data(uow, row)
    row.data = built.envelope
    row.invalid = built.invalid
    row.signed = bool(built.envelope.get("sigs"))
    row.doc_schema = built.doc_schema
    row.version = built.version
    row.updated_at = moment
    summary = summary_of(built.envelope, row.key)
    row.snippet = summary.snippet
    row.digest = summary.digest
    row.tags = summary.tags
    row.search_text = summary.search_text
    _add_version(uow, row, built, source)
    uow.session.flush()


def set_folder(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    folder: str,
    now: datetime | None = None,
) -> Entry:
    """Move the entry to ``folder`` (the ``silo.folder`` step, PATCH ``folder``). No commit.

    Folders of time-bound documents keep their rule (spec §1.6): an entry with a v4 id cannot
    move into ``sales``, as it could not have been created there.
    """
    row = repository.get_entry_row(uow, workspace_id, entry_id, lock=True)
    if folder in TIME_BOUND_FOLDERS and not is_time_based(row.id):
        raise TimeBasedIdRequired(faults=[ID_NOT_TIME_BASED])
    if row.folder != folder:
        row.folder = folder
        row.updated_at = now or _now()
        uow.session.flush()
    return entry_of(row)


def sign_entry(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    key: PrivateKey,
    source: Source,
    now: datetime | None = None,
    rooted_at_body: bool = False,
) -> Entry:
    """Sign the entry's envelope with ``key``. Does not commit.

    Raises :class:`AlreadySigned` when it carries signatures already (callers that treat that as
    success catch it), and :class:`GoblError` when the envelope cannot be signed, with gobl's
    fault codes and paths rooted at the envelope (``$.doc.code``), or at the request body's
    ``data`` with ``rooted_at_body``.
    """
    from facturo.gobl import GoblError

    row = repository.get_entry_row(uow, workspace_id, entry_id, lock=True)
    if row.data.get("sigs"):
        raise AlreadySigned()
    moment = now or _now()
    try:
        signed = sign_envelope(row.data, key=key, now=moment)
    except GoblError as exc:
        raise (rerooted(exc) if rooted_at_body else exc) from exc
    _store(uow, row, Built(signed, row.invalid), source, moment)
    return entry_of(row)


def add_stamp(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    prv: str,
    val: str,
    source: Source,
    now: datetime | None = None,
) -> Entry:
    """Put a stamp in the envelope's header (``{"prv", "val"}``), replacing one of the same
    provider (gobl allows one stamp per provider, GOBL-HEAD-HEADER-03). Does not commit.

    Stamps are outside the signed payload, so the signature stays valid; gobl only allows them
    on signed envelopes (GOBL-ENVELOPE-12), hence :class:`StampNeedsSignature` otherwise.
    """
    row = repository.get_entry_row(uow, workspace_id, entry_id, lock=True)
    if not row.data.get("sigs"):
        raise StampNeedsSignature()
    head = dict(row.data.get("head") or {})
    stamps = [s for s in head.get("stamps") or () if s.get("prv") != prv]
    head["stamps"] = [*stamps, {"prv": prv, "val": val}]
    order = ("uuid", "dig", "stamps", "links", "tags", "meta", "notes", "from", "to", "ignore")
    head = {k: head[k] for k in order if k in head} | {
        k: v for k, v in head.items() if k not in order
    }
    envelope = {**row.data, "head": head}
    _store(uow, row, Built(envelope, row.invalid), source, now or _now())
    return entry_of(row)


def get_entry(uow: UnitOfWork, *, workspace_id: uuid.UUID, entry_id: uuid.UUID) -> Entry:
    return _shown(repository.find_shown_entry(uow, workspace_id, entry_id=entry_id))


def get_entry_by_key(uow: UnitOfWork, *, workspace_id: uuid.UUID, key: str) -> Entry:
    return _shown(repository.find_shown_entry(uow, workspace_id, key=key))


def get_shown_rows(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID | None = None,
    key: str = "",
) -> ShownRows:
    """The entry by id or key as a GET answers it, in one statement (``shown_rows``): when
    the rows are not ``complete`` (the entry has files or meta rows), read it with
    :func:`get_entry` or :func:`get_entry_by_key` instead."""
    found = find_shown_rows(uow, workspace_id, entry_id=entry_id, key=key)
    if found is None:
        raise EntryNotFound()
    return found


def _shown(found: Entry | None) -> Entry:
    if found is None:
        raise EntryNotFound()
    return found


def get_version(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, entry_id: uuid.UUID, version: str
) -> tuple[str, dict[str, Any]]:
    """One stored version of the entry's data (``SiloEntryData``); the current version's is
    the entry's own (``EntryVersionRow``)."""
    row = _get(uow, workspace_id, entry_id)
    found = uow.session.scalars(
        select(EntryVersionRow).where(
            EntryVersionRow.workspace_id == workspace_id,
            EntryVersionRow.entry_id == entry_id,
            EntryVersionRow.version == version,
        )
    ).one_or_none()
    if found is None:
        raise EntryNotFound("No version with that id on this entry.")
    return found.version, row.data if found.data is None else found.data


def document_uuids(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, entry_id: uuid.UUID
) -> list[uuid.UUID]:
    """The UUIDs other documents use to point at this entry: its document's and its header's."""
    row = _get(uow, workspace_id, entry_id)
    out = []
    for raw in ((row.data.get("doc") or {}).get("uuid"), (row.data.get("head") or {}).get("uuid")):
        try:
            out.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    return out


def _index_refs(uow: UnitOfWork, row: EntryRow) -> None:
    uow.session.execute(
        delete(EntryRefRow).where(
            EntryRefRow.workspace_id == row.workspace_id, EntryRefRow.entry_id == row.id
        )
    )
    for ref, context in document_refs(row.data.get("doc") or {}):
        uow.session.add(
            EntryRefRow(workspace_id=row.workspace_id, entry_id=row.id, uuid=ref, context=context)
        )


_find = repository.find_entry_row
_get = repository.get_entry_row
_find_by_key = repository.find_entry_row_by_key


def _versions(uow: UnitOfWork, row: EntryRow) -> list[EntryVersionRow]:
    return list(
        uow.session.scalars(
            select(EntryVersionRow).where(
                EntryVersionRow.workspace_id == row.workspace_id,
                EntryVersionRow.entry_id == row.id,
            )
        )
    )
