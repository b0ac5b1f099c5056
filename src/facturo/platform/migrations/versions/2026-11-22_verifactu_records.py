"""verifactu chain heads and records

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facturo.platform.db_types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "verifactu_chain_head",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("issuer_nif", sa.String(length=9), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("num_serie", sa.String(length=60), nullable=False),
        sa.Column("fecha_expedicion", sa.String(length=10), nullable=False),
        sa.Column("huella", sa.String(length=64), nullable=False),
        sa.Column(
            "updated_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["platform_workspace.id"],
            name=op.f("fk_verifactu_chain_head_workspace_id_platform_workspace"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "issuer_nif", name=op.f("pk_verifactu_chain_head")),
    )
    op.create_table(
        "verifactu_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("issuer_nif", sa.String(length=9), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("num_serie", sa.String(length=60), nullable=False),
        sa.Column("fecha_expedicion", sa.String(length=10), nullable=False),
        sa.Column("huella", sa.String(length=64), nullable=False),
        sa.Column("previous_huella", sa.String(length=64), nullable=True),
        sa.Column("generated_at", sa.String(length=25), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("silo_entry_id", sa.Uuid(), nullable=True),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("csv", sa.String(length=32), nullable=True),
        sa.Column(
            "created_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "answered_at", facturo.platform.db_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["platform_workspace.id"],
            name=op.f("fk_verifactu_record_workspace_id_platform_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifactu_record")),
        sa.UniqueConstraint(
            "workspace_id",
            "idempotency_key",
            name=op.f("uq_verifactu_record_workspace_id_idempotency_key"),
        ),
        sa.UniqueConstraint(
            "workspace_id",
            "issuer_nif",
            "position",
            name=op.f("uq_verifactu_record_workspace_id_issuer_nif_position"),
        ),
    )
    with op.batch_alter_table("verifactu_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verifactu_record_num_serie"), ["num_serie"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("verifactu_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verifactu_record_num_serie"))
    op.drop_table("verifactu_record")
    op.drop_table("verifactu_chain_head")
