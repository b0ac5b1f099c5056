"""Tables of the Sequence context: series (with their counter) and the entries they issued.

Gaplessness rests on two things. The counter (``last_index``) lives on the series row, which an
allocation locks (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already
serialises writers), so two transactions never read the same value; and the number is written
in the caller's transaction, so it commits or rolls back with whatever it numbered. The unique
constraint on ``(workspace_id, series_id, number)`` makes a duplicate impossible even if that
reasoning were wrong.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from facturo.platform.db import Base
from facturo.platform.db_types import UTCDateTime


class SeriesRow(Base):
    """A numbering series. ``dynamic_key`` identifies one the enumerate step created itself."""

    __tablename__ = "sequence_series"
    __table_args__ = (UniqueConstraint("workspace_id", "dynamic_key"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("platform_workspace.id"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(String(100))
    suffix: Mapped[str] = mapped_column(String(100))
    padding: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(BigInteger)
    last_index: Mapped[int] = mapped_column(BigInteger)
    last_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    dynamic_key: Mapped[str | None] = mapped_column(String(600), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SequenceEntryRow(Base):
    """One issued number; never updated or deleted."""

    __tablename__ = "sequence_entry"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "series_id"], ["sequence_series.workspace_id", "sequence_series.id"]
        ),
        UniqueConstraint("workspace_id", "series_id", "number"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    series_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    number: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(300))
    previous_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
