"""Migration 0011 fills the new snippet, digest, tags and search columns of existing entries."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import JSON, Boolean, String, Uuid, column, create_engine, insert, select, table

from facturo.platform import migrate
from facturo.platform.db_types import UTCDateTime
from facturo.platform.pgserver import PostgresServer
from facturo.silo.tables import EntryRow

SHARED = Path(__file__).resolve().parents[3] / "shared"
ENVELOPE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no tables yet, of each dialect."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.create_database(f"m{uuid.uuid4().hex[:12]}")


def test_existing_entries_get_their_summary_columns(empty_url: str) -> None:
    migrate.upgrade(empty_url, "0010")
    workspace_id, entry_id, now = uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)
    envelope = {
        "$schema": "https://gobl.org/draft-0/envelope",
        "head": {"uuid": str(uuid.uuid4()), "dig": {"alg": "sha256", "val": "ab"}, "tags": ["t"]},
        "doc": {**ENVELOPE, "customer": {"name": "ÁLVAREZ Y CÍA"}},
    }
    workspace = table(
        "platform_workspace",
        column("id", Uuid()),
        column("slug", String()),
        column("name", String()),
        column("created_at", UTCDateTime()),
    )
    entry = table(
        "silo_entry",
        *(column(name, String()) for name in ("key", "folder", "env_schema", "doc_schema")),
        *(column(name, Uuid()) for name in ("workspace_id", "id")),
        column("signed", Boolean()),
        column("invalid", Boolean()),
        column("data", JSON()),
        column("version", String()),
        column("created_at", UTCDateTime()),
        column("updated_at", UTCDateTime()),
    )
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(workspace), {"id": workspace_id, "slug": "w", "name": "W", "created_at": now}
            )
            conn.execute(
                insert(entry),
                {
                    "workspace_id": workspace_id,
                    "id": entry_id,
                    "key": "Inv-7",
                    "folder": "sales",
                    "env_schema": envelope["$schema"],
                    "doc_schema": ENVELOPE["$schema"],
                    "signed": False,
                    "invalid": False,
                    "data": envelope,
                    "version": "0123456789",
                    "created_at": now,
                    "updated_at": now,
                },
            )
        migrate.upgrade(empty_url)
        with engine.connect() as conn:
            row = conn.execute(
                select(EntryRow.snippet, EntryRow.digest, EntryRow.tags, EntryRow.search_text)
            ).one()
    finally:
        engine.dispose()
    snippet, digest, tags, search_text = row
    assert snippet["code"] == ENVELOPE["code"]
    assert snippet["customer"] == {"name": "ÁLVAREZ Y CÍA"}
    assert digest == {"alg": "sha256", "val": "ab"}
    assert tags == ["t"]
    assert search_text.splitlines()[0] == "inv-7"
    assert "álvarez y cía" in search_text
