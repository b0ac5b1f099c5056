"""The table of scheduled jobs (``cron.subscribe``): one row per entry and workflow."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from facturo.platform.db import Base
from facturo.platform.db_types import UTCDateTime


class ScheduleRow(Base):
    """Run ``workflow_id`` on ``silo_entry_id`` every ``factor`` × ``interval``."""

    __tablename__ = "transform_schedule"
    __table_args__ = (
        UniqueConstraint("workspace_id", "silo_entry_id", "workflow_id"),
        Index("ix_transform_schedule_due", "active", "next_run_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("platform_workspace.id"))
    workflow_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    silo_entry_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    interval: Mapped[str] = mapped_column(String(16))  # hourly | daily
    factor: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_upto: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
