"""Tables of webhooks: subscriptions, the workspace's step secret, deliveries and attempts.

Nothing here references the job engine's tables: a delivery keeps the job id as a plain value,
so jobs can be purged on their own schedule and the delivery log still reads.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from facturo.platform.db import Base
from facturo.platform.db_types import UTCDateTime


class SubscriptionRow(Base):
    """A workspace's webhook subscription; the secret is encrypted with the installation key."""

    __tablename__ = "transform_webhook_subscription"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("platform_workspace.id"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean)
    statuses: Mapped[list[str]] = mapped_column(JSON)
    workflow_ids: Mapped[list[str]] = mapped_column(JSON)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StepSecretRow(Base):
    """The secret that signs a workspace's ``webhook`` steps, made on first use."""

    __tablename__ = "transform_webhook_secret"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("platform_workspace.id"), primary_key=True
    )
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryRow(Base):
    """One webhook message and its schedule; ``id`` is the ``webhook-id``.

    ``next_attempt_at`` is set only while the dispatcher owns the delivery (subscriptions and
    replays); a step's delivery leaves it empty, because the job engine re-runs the step.
    ``schedule_started_at``, ``schedule_attempts`` and ``retry_in_used`` are the schedule's state
    (spec §4); a replay starts them again, while ``attempts`` counts every try ever made.
    """

    __tablename__ = "transform_webhook_delivery"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "workspace_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("platform_workspace.id"))
    origin: Mapped[str] = mapped_column(String(16))
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    url: Mapped[str] = mapped_column(String(2048))
    event: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    schedule_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    schedule_attempts: Mapped[int] = mapped_column(Integer)
    retry_in_used: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_response: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AttemptRow(Base):
    """One try at a delivery (append-only)."""

    __tablename__ = "transform_webhook_attempt"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("transform_webhook_delivery.id"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    url: Mapped[str] = mapped_column(String(2048))
    outcome: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    retry_in: Mapped[float | None] = mapped_column(Float, nullable=True)
