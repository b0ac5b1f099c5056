"""The ceiling: the least a JSON-over-HTTP document store on FastAPI and SQLite does.

PUT parses the JSON body, stores it as one row and answers it back; GET reads the row by its
primary key and answers it; the list reads 20 rows through an index on ``(folder, created_at,
id)`` with a keyset cursor. SQLite has Facturo's settings (WAL, ``synchronous=NORMAL``, a busy
timeout), one connection per server thread; handlers are plain ``def`` like Facturo's, so both
run in the same thread pool. No authentication, validation, versions or logging: whatever
Facturo spends on those is what the comparison shows.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Query

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entry (id TEXT PRIMARY KEY, folder TEXT NOT NULL,"
    " created_at TEXT NOT NULL, data TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entry_folder ON entry (folder, created_at, id)",
)


def connect(path: Path) -> sqlite3.Connection:
    """A connection with Facturo's SQLite settings, in autocommit mode (explicit BEGIN)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def create_schema(path: Path) -> None:
    with connect(path) as conn:
        for statement in SCHEMA:
            conn.execute(statement)
    conn.close()


def encode_cursor(created_at: str, entry_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at}|{entry_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created_at, entry_id = raw.split("|")
    except ValueError as exc:
        raise HTTPException(422, "invalid cursor") from exc
    return created_at, entry_id


def create_bare_app(path: Path) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    local = threading.local()

    def db() -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = connect(path)
        return conn

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.put("/bare/entries/{entry_id}")
    def put_entry(entry_id: uuid.UUID, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        data = body.get("data")
        created_at = datetime.now(UTC).isoformat()
        conn = db()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO entry (id, folder, created_at, data) VALUES (?, ?, ?, ?)",
                (str(entry_id), body.get("folder") or "sales", created_at, json.dumps(data)),
            )
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            conn.execute("ROLLBACK")
            raise HTTPException(409, "entry already exists with same id") from exc
        return {"id": str(entry_id), "created_at": created_at, "folder": "sales", "data": data}

    @app.get("/bare/entries/{entry_id}")
    def get_entry(entry_id: uuid.UUID) -> dict[str, Any]:
        row = (
            db()
            .execute(
                "SELECT id, folder, created_at, data FROM entry WHERE id = ?", (str(entry_id),)
            )
            .fetchone()
        )
        if row is None:
            raise HTTPException(404, "entry not found")
        return {"id": row[0], "folder": row[1], "created_at": row[2], "data": json.loads(row[3])}

    @app.get("/bare/entries")
    def list_entries(
        folder: str = "sales",
        cursor: str | None = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> dict[str, Any]:
        sql = "SELECT id, folder, created_at FROM entry WHERE folder = ?"
        args: tuple[Any, ...] = (folder,)
        if cursor:
            sql += " AND (created_at, id) < (?, ?)"
            args += _decode_cursor(cursor)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        rows = db().execute(sql, (*args, limit + 1)).fetchall()
        out: dict[str, Any] = {
            "list": [{"id": r[0], "folder": r[1], "created_at": r[2]} for r in rows[:limit]],
            "limit": limit,
        }
        if len(rows) > limit:
            out["next_cursor"] = encode_cursor(rows[limit - 1][2], rows[limit - 1][0])
        return out

    return app
