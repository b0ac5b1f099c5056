"""Tables of VERI*FACTU: each issuer's chain head and every record it generated.

The chain (spec §7.2) is one sequence per taxpayer (``issuer_nif``) and installation (a workspace
is one installation). ``position`` numbers its records from 1 with no gap; the unique constraint
on ``(workspace_id, issuer_nif, position)`` is what makes a fork impossible: two transactions that
both read head N can both try to insert N + 1, and the database lets only one of them commit.
Records are immutable once written, except for what AEAT answered about them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from facturo.platform.db import Base
from facturo.platform.db_types import UTCDateTime


class ChainHeadRow(Base):
    """The last record of an issuer's chain: what the next record's RegistroAnterior names."""

    __tablename__ = "verifactu_chain_head"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("platform_workspace.id"), primary_key=True
    )
    issuer_nif: Mapped[str] = mapped_column(String(9), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    num_serie: Mapped[str] = mapped_column(String(60))
    fecha_expedicion: Mapped[str] = mapped_column(String(10))  # dd-mm-yyyy, as hashed
    huella: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RecordRow(Base):
    """One RegistroAlta or RegistroAnulacion, as generated and as AEAT answered it."""

    __tablename__ = "verifactu_record"
    __table_args__ = (
        UniqueConstraint("workspace_id", "issuer_nif", "position"),
        UniqueConstraint("workspace_id", "idempotency_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("platform_workspace.id"))
    issuer_nif: Mapped[str] = mapped_column(String(9))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # alta | anulacion
    num_serie: Mapped[str] = mapped_column(String(60), index=True)
    fecha_expedicion: Mapped[str] = mapped_column(String(10))
    huella: Mapped[str] = mapped_column(String(64))
    previous_huella: Mapped[str | None] = mapped_column(String(64), nullable=True)
    generated_at: Mapped[str] = mapped_column(String(25))  # FechaHoraHusoGenRegistro as hashed
    idempotency_key: Mapped[str] = mapped_column(String(200))
    silo_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(24))
    code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    csv: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
