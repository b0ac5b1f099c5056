"""sequence series and their counters

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facturo.platform.db_types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str) -> sa.Column[object]:
    return sa.Column(name, facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "sequence_series",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("prefix", sa.String(length=100), nullable=False),
        sa.Column("suffix", sa.String(length=100), nullable=False),
        sa.Column("padding", sa.Integer(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("last_index", sa.BigInteger(), nullable=False),
        sa.Column("last_entry_id", sa.Uuid(), nullable=True),
        sa.Column("dynamic_key", sa.String(length=600), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["platform_workspace.id"],
            name=op.f("fk_sequence_series_workspace_id_platform_workspace"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_sequence_series")),
        sa.UniqueConstraint(
            "workspace_id", "dynamic_key", name=op.f("uq_sequence_series_workspace_id_dynamic_key")
        ),
    )
    op.create_table(
        "sequence_entry",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=300), nullable=False),
        sa.Column("previous_id", sa.Uuid(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["workspace_id", "series_id"],
            ["sequence_series.workspace_id", "sequence_series.id"],
            name=op.f("fk_sequence_entry_workspace_id_sequence_series"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_sequence_entry")),
        sa.UniqueConstraint(
            "workspace_id",
            "series_id",
            "number",
            name=op.f("uq_sequence_entry_workspace_id_series_id_number"),
        ),
    )


def downgrade() -> None:
    op.drop_table("sequence_entry")
    op.drop_table("sequence_series")
