"""Tables of VERI*FACTU supplier registration: one row per issuer a workspace submits for.

A self-hosted installation sends records with its own certificate on behalf of each issuer, which
AEAT only accepts when the issuer has granted it a representation (apoderamiento, spec §9.1). The
row tracks that paperwork: the document the issuer signs, its review by the operator, and the end
of the relation. ``(workspace_id, issuer_nif)`` is unique: registering the same issuer again reuses
the row rather than starting a second, conflicting history.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from facturo.platform.db import Base
from facturo.platform.db_types import UTCDateTime


class RegistrationRow(Base):
    """One issuer's registration and where its review stands."""

    __tablename__ = "verifactu_registration"
    __table_args__ = (UniqueConstraint("workspace_id", "issuer_nif"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("platform_workspace.id"))
    issuer_nif: Mapped[str] = mapped_column(String(9))
    name: Mapped[str] = mapped_column(String(120))
    silo_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16))
    document_file_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
