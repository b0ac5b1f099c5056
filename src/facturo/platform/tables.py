"""Tables of the platform context: workspaces and their API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from facturo.platform.db import Base
from facturo.platform.db_types import UTCDateTime


class WorkspaceRow(Base):
    __tablename__ = "platform_workspace"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiTokenRow(Base):
    """An API token, stored as the SHA-256 of its secret.

    Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force,
    and authentication stays one indexed lookup per request.
    """

    __tablename__ = "platform_api_token"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("platform_workspace.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
