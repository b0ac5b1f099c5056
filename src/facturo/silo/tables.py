"""Tables of the Silo: entries (keyed per workspace), their versions, states, meta, files, spool.

An entry's primary key is ``(workspace_id, id)``: ids are unique per workspace, and a PUT in one
workspace can never learn, through a 409, that another workspace holds that id. Every other
table hangs off an entry through that same pair, so no query can cross workspaces by accident.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from facturo.platform.db import Base
from facturo.platform.db_types import UTCDateTime


class EntryRow(Base):
    __tablename__ = "silo_entry"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        # Lists page by (created_at, id) within a workspace, with or without a folder.
        Index("ix_silo_entry_listing", "workspace_id", "created_at", "id"),
        Index("ix_silo_entry_folder_listing", "workspace_id", "folder", "created_at", "id"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("platform_workspace.id"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    folder: Mapped[str] = mapped_column(String(64))
    state: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    invalid: Mapped[bool] = mapped_column(Boolean, default=False)
    env_schema: Mapped[str] = mapped_column(String(255))
    doc_schema: Mapped[str] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Faults of the job that set the latest state (contract ``SiloEntry.faults``).
    faults: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    # Derived from ``data`` each time it is written (``summary.py``): what a list page and
    # search read instead of decoding envelopes.
    snippet: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    digest: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    tags: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    search_text: Mapped[str | None] = mapped_column(Text, nullable=True)


class EntryVersionRow(Base):
    """Every change of an entry's data, kept as it was (append-only).

    ``data`` is SQL ``NULL`` while the version is the entry's current content: the entry's row
    holds it, and a PUT writes the envelope once instead of twice. Before an entry's data
    changes, its versions without data get that data, in the same transaction
    (``service._keep_current_data``), so a version never loses it. Versions are keyed by what
    finds them, ``(workspace_id, entry_id, version)``; ``id`` (a UUID v7) orders versions of
    one moment. On SQLite the table is its key's B-tree (``WITHOUT ROWID``): its rows are
    small, and a rowid table with two unique keys wrote three B-trees on each PUT.
    """

    __tablename__ = "silo_entry_version"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "entry_id"], ["silo_entry.workspace_id", "silo_entry.id"]
        ),
        {"sqlite_with_rowid": False},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    src: Mapped[str] = mapped_column(String(64))
    src_id: Mapped[str] = mapped_column(String(64))
    signed: Mapped[bool] = mapped_column(Boolean)
    invalid: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


def _entry_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["workspace_id", "entry_id"], ["silo_entry.workspace_id", "silo_entry.id"]
    )


class StateRow(Base):
    """One state an entry passed through; ``at`` is unique per entry so PUT at ``at`` repeats."""

    __tablename__ = "silo_state"
    __table_args__ = (_entry_fk(), UniqueConstraint("workspace_id", "entry_id", "at"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    key: Mapped[str] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    meta: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    src: Mapped[str] = mapped_column(String(64))
    src_id: Mapped[str] = mapped_column(String(64))
    faults: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MetaRow(Base):
    """A meta row: one per ``(entry, src, key)``; ``ref`` finds it without the entry id."""

    __tablename__ = "silo_meta"
    __table_args__ = (_entry_fk(), Index(None, "workspace_id", "key", "ref"))

    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    src: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(255), nullable=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    link_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    link_scope: Mapped[str | None] = mapped_column(String(32), nullable=True)
    indexed: Mapped[bool] = mapped_column(Boolean, default=False)
    owned: Mapped[bool] = mapped_column(Boolean, default=False)
    secure: Mapped[bool] = mapped_column(Boolean, default=False)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FileRow(Base):
    """The current version of a file on an entry.

    ``slot`` is the file's ``key``, or its ``name`` when it has none: the contract makes
    (category, key) or (category, name) unique, and uploading to a taken slot replaces the file,
    moving the old version to :class:`FilePreviousRow`. The bytes live in the store, addressed
    by ``hash``; ``public_token`` (random) is the unguessable part of a public link.
    """

    __tablename__ = "silo_file"
    __table_args__ = (
        _entry_fk(),
        UniqueConstraint("workspace_id", "entry_id", "category", "slot"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    category: Mapped[str] = mapped_column(String(32))
    slot: Mapped[str] = mapped_column(String(255))
    key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    name: Mapped[str] = mapped_column(String(255))
    desc: Mapped[str | None] = mapped_column(Text, nullable=True)
    hash: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    stored: Mapped[bool] = mapped_column(Boolean)
    embeddable: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    meta: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    public_token: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FilePreviousRow(Base):
    """A replaced version of a file, still downloadable by its own id."""

    __tablename__ = "silo_file_previous"
    __table_args__ = (_entry_fk(), Index(None, "workspace_id", "entry_id", "category", "slot"))

    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    category: Mapped[str] = mapped_column(String(32))
    slot: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    hash: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    stored: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SpoolRow(Base):
    """A spooled file (data-URI job args, temporary uploads), readable only by its workspace."""

    __tablename__ = "silo_spool"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("platform_workspace.id"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(255))
    hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EntryRefRow(Base):
    """A UUID an entry's document mentions, and where (``context``): what "related" reads."""

    __tablename__ = "silo_entry_ref"
    __table_args__ = (_entry_fk(), Index(None, "workspace_id", "uuid"))

    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    context: Mapped[str] = mapped_column(String(255), primary_key=True)
