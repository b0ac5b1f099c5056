"""verifactu supplier registrations

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 05:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facturo.platform.db_types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = facturo.platform.db_types.UTCDateTime(timezone=True)
    op.create_table(
        "verifactu_registration",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("issuer_nif", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("silo_entry_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("document_file_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("requested_at", moment, nullable=False),
        sa.Column("uploaded_at", moment, nullable=True),
        sa.Column("decided_at", moment, nullable=True),
        sa.Column("created_at", moment, nullable=False),
        sa.Column("updated_at", moment, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["platform_workspace.id"],
            name=op.f("fk_verifactu_registration_workspace_id_platform_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifactu_registration")),
        sa.UniqueConstraint(
            "workspace_id",
            "issuer_nif",
            name=op.f("uq_verifactu_registration_workspace_id_issuer_nif"),
        ),
    )


def downgrade() -> None:
    op.drop_table("verifactu_registration")
