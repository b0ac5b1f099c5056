"""webhook subscriptions and deliveries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facturo.platform.db_types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, facturo.platform.db_types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "transform_webhook_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("statuses", sa.JSON(), nullable=False),
        sa.Column("workflow_ids", sa.JSON(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["platform_workspace.id"],
            name=op.f("fk_transform_webhook_subscription_workspace_id_platform_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transform_webhook_subscription")),
    )
    op.create_index(
        op.f("ix_transform_webhook_subscription_workspace_id"),
        "transform_webhook_subscription",
        ["workspace_id"],
    )
    op.create_table(
        "transform_webhook_secret",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["platform_workspace.id"],
            name=op.f("fk_transform_webhook_secret_workspace_id_platform_workspace"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_transform_webhook_secret")),
    )
    op.create_table(
        "transform_webhook_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("schedule_started_at", nullable=True),
        sa.Column("schedule_attempts", sa.Integer(), nullable=False),
        sa.Column("retry_in_used", sa.Integer(), nullable=False),
        _at("next_attempt_at", nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_response", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["platform_workspace.id"],
            name=op.f("fk_transform_webhook_delivery_workspace_id_platform_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transform_webhook_delivery")),
    )
    op.create_index(
        op.f("ix_transform_webhook_delivery_status"),
        "transform_webhook_delivery",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        op.f("ix_transform_webhook_delivery_workspace_id"),
        "transform_webhook_delivery",
        ["workspace_id", "created_at"],
    )
    op.create_index(
        op.f("ix_transform_webhook_delivery_subscription_id"),
        "transform_webhook_delivery",
        ["subscription_id"],
    )
    op.create_table(
        "transform_webhook_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _at("at"),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("retry_in", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["transform_webhook_delivery.id"],
            name=op.f("fk_transform_webhook_attempt_delivery_id_transform_webhook_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transform_webhook_attempt")),
    )
    op.create_index(
        op.f("ix_transform_webhook_attempt_delivery_id"),
        "transform_webhook_attempt",
        ["delivery_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_transform_webhook_attempt_delivery_id"), table_name="transform_webhook_attempt"
    )
    op.drop_table("transform_webhook_attempt")
    for name in ("subscription_id", "workspace_id", "status"):
        op.drop_index(
            op.f(f"ix_transform_webhook_delivery_{name}"), table_name="transform_webhook_delivery"
        )
    op.drop_table("transform_webhook_delivery")
    op.drop_table("transform_webhook_secret")
    op.drop_index(
        op.f("ix_transform_webhook_subscription_workspace_id"),
        table_name="transform_webhook_subscription",
    )
    op.drop_table("transform_webhook_subscription")
