"""transform workflows, jobs and the step log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facturo.platform.db_types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transform_concurrency_lock",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("lease_token", sa.Integer(), nullable=False),
        sa.Column(
            "expires_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_transform_concurrency_lock")),
    )
    op.create_table(
        "transform_workflow",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("schema", sa.String(length=255), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["platform_workspace.id"],
            name=op.f("fk_transform_workflow_workspace_id_platform_workspace"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_transform_workflow")),
    )
    op.create_index(
        op.f("ix_transform_workflow_created_at"), "transform_workflow", ["created_at"], unique=False
    )
    op.create_table(
        "transform_workflow_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("workflow_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("src", sa.String(length=64), nullable=False),
        sa.Column("src_id", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "workflow_id"],
            ["transform_workflow.workspace_id", "transform_workflow.id"],
            name=op.f("fk_transform_workflow_version_workspace_id_transform_workflow"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transform_workflow_version")),
        sa.UniqueConstraint(
            "workspace_id",
            "workflow_id",
            "version",
            name=op.f("uq_transform_workflow_version_workspace_id_workflow_id_version"),
        ),
    )
    op.create_table(
        "transform_job",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workflow_id", sa.Uuid(), nullable=False),
        sa.Column("workflow_version_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=True),
        sa.Column("silo_entry_id", sa.Uuid(), nullable=True),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=True),
        sa.Column(
            "created_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "completed_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("run_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_token", sa.Integer(), nullable=False),
        sa.Column(
            "lease_expires_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "first_attempt_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("previous_delay", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workflow_version_id"],
            ["transform_workflow_version.id"],
            name=op.f("fk_transform_job_workflow_version_id_transform_workflow_version"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["platform_workspace.id"],
            name=op.f("fk_transform_job_workspace_id_platform_workspace"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_transform_job")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_transform_job_workspace_id_key")),
    )
    op.create_index("ix_transform_job_due", "transform_job", ["run_at"], unique=False)
    op.create_index(
        "ix_transform_job_listing", "transform_job", ["workspace_id", "created_at"], unique=False
    )
    op.create_table(
        "transform_intent",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("path", sa.JSON(), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=255), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "job_id"],
            ["transform_job.workspace_id", "transform_job.id"],
            name=op.f("fk_transform_intent_workspace_id_transform_job"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transform_intent")),
        sa.UniqueConstraint(
            "workspace_id",
            "job_id",
            "seq",
            name=op.f("uq_transform_intent_workspace_id_job_id_seq"),
        ),
    )
    op.create_table(
        "transform_job_fault",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=255), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("paths", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "job_id"],
            ["transform_job.workspace_id", "transform_job.id"],
            name=op.f("fk_transform_job_fault_workspace_id_transform_job"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transform_job_fault")),
        sa.UniqueConstraint(
            "workspace_id",
            "job_id",
            "seq",
            name=op.f("uq_transform_job_fault_workspace_id_job_id_seq"),
        ),
    )
    op.create_table(
        "transform_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("intent_id", sa.Uuid(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("silo_entry_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["intent_id"],
            ["transform_intent.id"],
            name=op.f("fk_transform_event_intent_id_transform_intent"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transform_event")),
        sa.UniqueConstraint("intent_id", "index", name=op.f("uq_transform_event_intent_id_index")),
    )


def downgrade() -> None:
    op.drop_table("transform_event")
    op.drop_table("transform_job_fault")
    op.drop_table("transform_intent")
    op.drop_index("ix_transform_job_listing", table_name="transform_job")
    op.drop_index("ix_transform_job_due", table_name="transform_job")
    op.drop_table("transform_job")
    op.drop_table("transform_workflow_version")
    op.drop_index(op.f("ix_transform_workflow_created_at"), table_name="transform_workflow")
    op.drop_table("transform_workflow")
    op.drop_table("transform_concurrency_lock")
