"""silo entry versions keyed by (workspace, entry, version); the current one's data is the entry's

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 11:00:00

A version row holds no data (SQL ``NULL``) while it is its entry's current content, which the
entry's row holds: a PUT wrote the envelope twice. The table is keyed by what finds a version,
``(workspace_id, entry_id, version)``, instead of an ``id`` key beside a unique constraint on
those columns (``id`` stays, to order versions of one moment), and on SQLite it is its key's
B-tree (``WITHOUT ROWID``). A PUT writes about a fifth fewer pages.

Both ways copy the rows through a table of their own, then build the table anew under the
same constraint names (PostgreSQL keeps constraint and index names per schema, so the old table
goes before the new one is made). Upgrading drops a version's data only where it is, text for
text, its entry's current data; downgrading gives every version its data back.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from facturo.platform.db_types import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "workspace_id, entry_id, version, id, at, src, src_id, signed, invalid"
_COPY = "silo_entry_version_0013"


def _common_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("src", sa.String(length=64), nullable=False),
        sa.Column("src_id", sa.String(length=64), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("invalid", sa.Boolean(), nullable=False),
    ]


def _entry_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id", "entry_id"],
        ["silo_entry.workspace_id", "silo_entry.id"],
        name=op.f("fk_silo_entry_version_workspace_id_silo_entry"),
    )


def _set_aside() -> None:
    """Copy the rows to a table without constraints, and drop the table."""
    op.execute(f"CREATE TABLE {_COPY} AS SELECT * FROM silo_entry_version")  # noqa: S608
    op.drop_table("silo_entry_version")


def upgrade() -> None:
    _set_aside()
    op.create_table(
        "silo_entry_version",
        *_common_columns(),
        sa.Column("data", sa.JSON(none_as_null=True), nullable=True),
        _entry_fk(),
        sa.PrimaryKeyConstraint(
            "workspace_id", "entry_id", "version", name=op.f("pk_silo_entry_version")
        ),
        sqlite_with_rowid=False,
    )
    # JSON has no equality on PostgreSQL: the texts are compared.
    op.execute(
        f"INSERT INTO silo_entry_version ({_COLUMNS}, data) "  # noqa: S608
        f"SELECT v.workspace_id, v.entry_id, v.version, v.id, v.at, v.src, v.src_id, v.signed, "
        f"v.invalid, CASE WHEN e.version = v.version "
        f"AND CAST(e.data AS TEXT) = CAST(v.data AS TEXT) THEN NULL ELSE v.data END "
        f"FROM {_COPY} v JOIN silo_entry e "
        f"ON e.workspace_id = v.workspace_id AND e.id = v.entry_id"
    )
    op.drop_table(_COPY)


def downgrade() -> None:
    _set_aside()
    op.create_table(
        "silo_entry_version",
        *_common_columns(),
        sa.Column("data", sa.JSON(), nullable=False),
        _entry_fk(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silo_entry_version")),
        sa.UniqueConstraint(
            "workspace_id",
            "entry_id",
            "version",
            name=op.f("uq_silo_entry_version_workspace_id_entry_id_version"),
        ),
    )
    op.execute(
        f"INSERT INTO silo_entry_version ({_COLUMNS}, data) "  # noqa: S608
        f"SELECT v.workspace_id, v.entry_id, v.version, v.id, v.at, v.src, v.src_id, v.signed, "
        f"v.invalid, COALESCE(v.data, e.data) "
        f"FROM {_COPY} v JOIN silo_entry e "
        f"ON e.workspace_id = v.workspace_id AND e.id = v.entry_id"
    )
    op.drop_table(_COPY)
