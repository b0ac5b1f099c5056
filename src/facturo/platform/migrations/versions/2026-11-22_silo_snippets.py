"""silo entry snippets: snippet, digest, tags and folded search text beside the envelope

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 07:00:00

Existing entries get their columns filled from their envelopes, in batches, with the same
function the Silo uses on every write (``facturo.silo.summary``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2_000

_entry = sa.table(
    "silo_entry",
    sa.column("workspace_id", sa.Uuid()),
    sa.column("id", sa.Uuid()),
    sa.column("key", sa.String()),
    sa.column("data", sa.JSON()),
    sa.column("snippet", sa.JSON()),
    sa.column("digest", sa.JSON()),
    sa.column("tags", sa.JSON()),
    sa.column("search_text", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("silo_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snippet", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("digest", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("tags", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    _backfill()


def _backfill() -> None:
    from facturo.silo.summary import summary_of

    conn = op.get_bind()
    update = (
        sa.update(_entry)
        .where(
            _entry.c.workspace_id == sa.bindparam("w_id"),
            _entry.c.id == sa.bindparam("e_id"),
        )
        .values(
            snippet=sa.bindparam("snippet"),
            digest=sa.bindparam("digest"),
            tags=sa.bindparam("tags"),
            search_text=sa.bindparam("search_text"),
        )
    )
    query = (
        sa.select(_entry.c.workspace_id, _entry.c.id, _entry.c.key, _entry.c.data)
        .order_by(_entry.c.workspace_id, _entry.c.id)
        .limit(BATCH)
    )
    after = query
    while rows := conn.execute(after).fetchall():
        last = rows[-1]
        # Keyset batches: a large Silo is never held in memory at once.
        after = query.where(
            sa.tuple_(_entry.c.workspace_id, _entry.c.id) > sa.tuple_(last[0], last[1])
        )
        params: list[dict[str, Any]] = []
        for workspace_id, entry_id, key, data in rows:
            summary = summary_of(data if isinstance(data, dict) else {}, key)
            params.append(
                {
                    "w_id": workspace_id,
                    "e_id": entry_id,
                    "snippet": summary.snippet,
                    "digest": summary.digest,
                    "tags": summary.tags,
                    "search_text": summary.search_text,
                }
            )
        conn.execute(update, params)


def downgrade() -> None:
    with op.batch_alter_table("silo_entry", schema=None) as batch_op:
        batch_op.drop_column("search_text")
        batch_op.drop_column("tags")
        batch_op.drop_column("digest")
        batch_op.drop_column("snippet")
