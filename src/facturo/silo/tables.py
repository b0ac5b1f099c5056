"""Tables of the Silo: entries (keyed per workspace) and their immutable versions.

An entry's primary key is ``(workspace_id, id)``: ids are unique per workspace, and a PUT in one
workspace can never learn, through a 409, that another workspace holds that id.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from facturo.platform.db import Base
from facturo.platform.db_types import UTCDateTime


class EntryRow(Base):
    __tablename__ = "silo_entry"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EntryVersionRow(Base):
    """Every change of an entry's data, kept as it was (append-only)."""

    __tablename__ = "silo_entry_version"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "entry_id"], ["silo_entry.workspace_id", "silo_entry.id"]
        ),
        UniqueConstraint("workspace_id", "entry_id", "version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    src: Mapped[str] = mapped_column(String(64))
    src_id: Mapped[str] = mapped_column(String(64))
    signed: Mapped[bool] = mapped_column(Boolean)
    invalid: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
