"""transform engine and jobs additions

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Jobs: a key is held for two years, then a new job may take it (the old keeps it here).
    op.add_column("transform_job", sa.Column("released_key", sa.String(length=255), nullable=True))
    # Jobs: a poke finds the waiting intent by the ref its step answered.
    op.create_index(
        "ix_transform_intent_ref", "transform_intent", ["workspace_id", "ref"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_transform_intent_ref", table_name="transform_intent")
    with op.batch_alter_table("transform_job") as batch:
        batch.drop_column("released_key")
