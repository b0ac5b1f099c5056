"""Tables of Transform: workflows and their published versions, jobs, the step log, the queue.

- A workflow row holds the current definition; every publish adds an immutable version row
  (content hash plus the definition JSON) and a job pins the version row it started with, so
  editing a workflow never changes a running job (spec §3.5).
- A job row is both the resource the API shows and the queue entry the workers claim: ``run_at``
  (due time, NULL once completed), ``lease_owner``/``lease_expires_at`` (who runs it, until when)
  and ``lease_token``, a counter bumped by every claim that fences checkpoints: a worker whose
  lease was taken over cannot commit (ARCHITECTURE.md, "Durable execution").
- Intents (one per step run) and their events are append-only; the planner replays them.
- A concurrency lock row serialises steps that share a key across every worker.

Primary keys carry the workspace where a client chooses the id (jobs, workflows), as the Silo
does, so a 409 in one workspace never reveals another workspace's ids.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from facturo.platform import tables as _platform_tables  # noqa: F401  (workspace FK targets)
from facturo.platform.db import Base
from facturo.platform.db_types import UTCDateTime


class WorkflowRow(Base):
    """A workflow resource: its current definition and flags."""

    __tablename__ = "transform_workflow"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("platform_workspace.id"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    schema: Mapped[str] = mapped_column(String(255), default="")
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkflowVersionRow(Base):
    """One published version of a workflow; never updated."""

    __tablename__ = "transform_workflow_version"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "workflow_id"],
            ["transform_workflow.workspace_id", "transform_workflow.id"],
        ),
        UniqueConstraint("workspace_id", "workflow_id", "version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    workflow_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    src: Mapped[str] = mapped_column(String(64))
    src_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobRow(Base):
    """A job: the resource, its args and outcome, and its place in the queue."""

    __tablename__ = "transform_job"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_transform_job_due", "run_at"),
        Index("ix_transform_job_listing", "workspace_id", "created_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("platform_workspace.id"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workflow_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    workflow_version_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("transform_workflow_version.id")
    )
    key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The key this job was given, kept for its history once a newer job took the key over
    # (a key is held for two years: ``facturo.transform.job_keys``); ``key`` is then NULL.
    released_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    silo_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    args: Mapped[dict[str, str]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="")
    envelope: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # The queue: due time (NULL when completed), the lease and its fencing counter.
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_token: Mapped[int] = mapped_column(Integer, default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The current step's retry state (reset when a step reaches a final result).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    previous_delay: Mapped[float | None] = mapped_column(Float, nullable=True)


class IntentRow(Base):
    """One step run of a job (``JobIntent``); its events say what happened."""

    __tablename__ = "transform_intent"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "job_id"], ["transform_job.workspace_id", "transform_job.id"]
        ),
        UniqueConstraint("workspace_id", "job_id", "seq"),
        # A poke finds its intent by the ``ref`` the step answered (``POST /jobs/intents``).
        Index("ix_transform_intent_ref", "workspace_id", "ref"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    job_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(Integer)
    path: Mapped[list[Any]] = mapped_column(JSON)
    step_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    provider: Mapped[str] = mapped_column(String(255))
    ref: Mapped[str] = mapped_column(String(255), default="")
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventRow(Base):
    """One event of an intent (``JobIntentEvent``); append-only, numbered per intent."""

    __tablename__ = "transform_event"
    __table_args__ = (UniqueConstraint("intent_id", "index"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    intent_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("transform_intent.id"))
    index: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    code: Mapped[str] = mapped_column(String(255), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    args: Mapped[dict[str, str]] = mapped_column(JSON)
    silo_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class JobFaultRow(Base):
    """A fault recorded on a job (one per KO step, plus those a step reports)."""

    __tablename__ = "transform_job_fault"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "job_id"], ["transform_job.workspace_id", "transform_job.id"]
        ),
        UniqueConstraint("workspace_id", "job_id", "seq"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    job_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(255), default="")
    code: Mapped[str] = mapped_column(String(255), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    paths: Mapped[list[str]] = mapped_column(JSON)


class ConcurrencyLockRow(Base):
    """A held concurrency key: the job and lease holding it, until ``expires_at``."""

    __tablename__ = "transform_concurrency_lock"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    lease_token: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
