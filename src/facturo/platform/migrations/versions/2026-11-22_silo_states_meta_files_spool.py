"""silo states, meta, files and spool

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facturo.platform.db_types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "silo_spool",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=255), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["platform_workspace.id"],
            name=op.f("fk_silo_spool_workspace_id_platform_workspace"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "key", name=op.f("pk_silo_spool")),
    )
    op.create_table(
        "silo_entry_ref",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("context", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "entry_id"],
            ["silo_entry.workspace_id", "silo_entry.id"],
            name=op.f("fk_silo_entry_ref_workspace_id_silo_entry"),
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "entry_id", "uuid", "context", name=op.f("pk_silo_entry_ref")
        ),
    )
    op.create_index(
        op.f("ix_silo_entry_ref_workspace_id"),
        "silo_entry_ref",
        ["workspace_id", "uuid"],
        unique=False,
    )
    op.create_table(
        "silo_file",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("slot", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("desc", sa.Text(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored", sa.Boolean(), nullable=False),
        sa.Column("embeddable", sa.Boolean(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("public_token", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "entry_id"],
            ["silo_entry.workspace_id", "silo_entry.id"],
            name=op.f("fk_silo_file_workspace_id_silo_entry"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_silo_file")),
        sa.UniqueConstraint("public_token", name=op.f("uq_silo_file_public_token")),
        sa.UniqueConstraint(
            "workspace_id",
            "entry_id",
            "category",
            "slot",
            name=op.f("uq_silo_file_workspace_id_entry_id_category_slot"),
        ),
    )
    op.create_table(
        "silo_file_previous",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("slot", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "entry_id"],
            ["silo_entry.workspace_id", "silo_entry.id"],
            name=op.f("fk_silo_file_previous_workspace_id_silo_entry"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_silo_file_previous")),
    )
    op.create_index(
        op.f("ix_silo_file_previous_workspace_id"),
        "silo_file_previous",
        ["workspace_id", "entry_id", "category", "slot"],
        unique=False,
    )
    op.create_table(
        "silo_meta",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("src", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=True),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("link_url", sa.String(length=2048), nullable=True),
        sa.Column("link_scope", sa.String(length=32), nullable=True),
        sa.Column("indexed", sa.Boolean(), nullable=False),
        sa.Column("owned", sa.Boolean(), nullable=False),
        sa.Column("secure", sa.Boolean(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "entry_id"],
            ["silo_entry.workspace_id", "silo_entry.id"],
            name=op.f("fk_silo_meta_workspace_id_silo_entry"),
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "entry_id", "src", "key", name=op.f("pk_silo_meta")
        ),
    )
    op.create_index(
        op.f("ix_silo_meta_workspace_id"), "silo_meta", ["workspace_id", "key", "ref"], unique=False
    )
    op.create_table(
        "silo_state",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("src", sa.String(length=64), nullable=False),
        sa.Column("src_id", sa.String(length=64), nullable=False),
        sa.Column("faults", sa.JSON(), nullable=True),
        sa.Column(
            "created_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "entry_id"],
            ["silo_entry.workspace_id", "silo_entry.id"],
            name=op.f("fk_silo_state_workspace_id_silo_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silo_state")),
        sa.UniqueConstraint(
            "workspace_id", "entry_id", "at", name=op.f("uq_silo_state_workspace_id_entry_id_at")
        ),
    )
    op.add_column("silo_entry", sa.Column("faults", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("silo_entry") as batch_op:
        batch_op.drop_column("faults")
    op.drop_table("silo_state")
    op.drop_index(op.f("ix_silo_meta_workspace_id"), table_name="silo_meta")
    op.drop_table("silo_meta")
    op.drop_index(op.f("ix_silo_file_previous_workspace_id"), table_name="silo_file_previous")
    op.drop_table("silo_file_previous")
    op.drop_table("silo_file")
    op.drop_index(op.f("ix_silo_entry_ref_workspace_id"), table_name="silo_entry_ref")
    op.drop_table("silo_entry_ref")
    op.drop_table("silo_spool")
