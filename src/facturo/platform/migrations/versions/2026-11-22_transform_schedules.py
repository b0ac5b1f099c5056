"""transform schedules (cron.subscribe)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facturo.platform.db_types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transform_schedule",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("workflow_id", sa.Uuid(), nullable=False),
        sa.Column("silo_entry_id", sa.Uuid(), nullable=False),
        sa.Column("interval", sa.String(length=16), nullable=False),
        sa.Column("factor", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "next_run_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_upto", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "created_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["platform_workspace.id"],
            name=op.f("fk_transform_schedule_workspace_id_platform_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transform_schedule")),
        sa.UniqueConstraint(
            "workspace_id",
            "silo_entry_id",
            "workflow_id",
            name=op.f("uq_transform_schedule_workspace_id_silo_entry_id_workflow_id"),
        ),
    )
    with op.batch_alter_table("transform_schedule", schema=None) as batch_op:
        batch_op.create_index("ix_transform_schedule_due", ["active", "next_run_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transform_schedule", schema=None) as batch_op:
        batch_op.drop_index("ix_transform_schedule_due")
    op.drop_table("transform_schedule")
