"""silo listing indexes: (workspace, created_at, id) with and without the folder

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 05:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("silo_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_silo_entry_created_at")
        batch_op.create_index(
            "ix_silo_entry_listing", ["workspace_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_silo_entry_folder_listing",
            ["workspace_id", "folder", "created_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("silo_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_silo_entry_folder_listing")
        batch_op.drop_index("ix_silo_entry_listing")
        batch_op.create_index("ix_silo_entry_created_at", ["created_at"], unique=False)
