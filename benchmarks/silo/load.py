"""Bulk-loading a workspace with many entries, cloned from one entry the API stored.

The rows are the real entry's rows as the Silo wrote them (``silo_entry``, its
``silo_entry_version`` and any ``silo_entry_ref``), read back raw from SQLite and repeated with
what differs between two invoices: the entry id (a UUID v7 of its ``created_at``), the key, the
timestamps, the envelope's ``head.uuid`` and the document's ``uuid`` and ``code`` (in the
envelope, the snippet and the search text alike). The digest and version hash stay the
template's (recomputing them per row would cost a GOBL build each; no
listing reads them). Rows go in through SQLAlchemy Core's driver-level ``executemany``, in
batches of one transaction each, oldest first, so every index is appended to.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

STAMP = "%Y-%m-%d %H:%M:%S.%f"
"""How Facturo's ``UTCDateTime`` lands in SQLite (checked against the template row)."""

BATCH = 20_000


@dataclass(frozen=True)
class Loaded:
    """How many entries were loaded, and the middle one's ``(created_at, id)``: where a deep
    page starts from."""

    count: int
    middle: tuple[datetime, uuid.UUID]


def uuid7_at(moment: datetime, rng: random.Random) -> uuid.UUID:
    """A UUID v7 whose timestamp is ``moment`` (ms), random elsewhere, as RFC 9562 lays out."""
    ms = int(moment.timestamp() * 1000)
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62)
    return uuid.UUID(int=value | rng.getrandbits(62))


def _rows(conn: Connection, table: str, column: str, entry_hex: str) -> list[dict[str, Any]]:
    result = conn.exec_driver_sql(f"SELECT * FROM {table} WHERE {column} = ?", (entry_hex,))  # noqa: S608
    return [dict(r._mapping) for r in result]


def _insert_sql(table: str, columns: list[str]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608


def clone_entries(engine: Engine, template_id: uuid.UUID, count: int, *, seed: int = 7) -> Loaded:
    """Insert ``count`` clones of the entry ``template_id``, 1 ms apart, before it in time."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        (entry,) = _rows(conn, "silo_entry", "id", template_id.hex)
        versions = _rows(conn, "silo_entry_version", "entry_id", template_id.hex)
        refs = _rows(conn, "silo_entry_ref", "entry_id", template_id.hex)
    created = datetime.strptime(entry["created_at"], STAMP).replace(tzinfo=UTC)
    if created.strftime(STAMP) != entry["created_at"] or entry["key"] is not None:
        raise RuntimeError("the Silo's stored format is not what this loader writes")
    # Every text column that repeats what differs between two invoices gets placeholders:
    # the envelope, the snippet and the folded search text (whose first line is the key).
    envelope = json.loads(entry["data"])
    differing = {
        envelope["head"]["uuid"]: "@HEAD@",
        envelope["doc"]["uuid"]: "@DOC@",
        envelope["doc"]["code"]: "@CODE@",
        envelope["doc"]["code"].casefold(): "@code@",
    }

    def placeholders(text: str) -> str:
        for value, mark in differing.items():
            text = text.replace(value, mark)
        return text

    data, snippet = placeholders(entry["data"]), placeholders(entry["snippet"])
    search_text = placeholders(entry["search_text"])
    if "@HEAD@" not in data or "@DOC@" not in data or "@CODE@" not in data:
        raise RuntimeError("the template entry's envelope does not hold its uuids and code")
    start = created - timedelta(milliseconds=count + 1)
    middle = (start, template_id)

    def batches() -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[Any]]]:
        nonlocal middle
        for first in range(0, count, BATCH):
            e_rows: list[tuple[Any, ...]] = []
            v_rows: list[tuple[Any, ...]] = []
            r_rows: list[tuple[Any, ...]] = []
            for n in range(first, min(first + BATCH, count)):
                moment = start + timedelta(milliseconds=n)
                new_id = uuid7_at(moment, rng)
                if n == count // 2:
                    middle = (moment, new_id)
                stamp = moment.strftime(STAMP)
                key, code = f"bench-{n:07d}", f"B{n:07d}"
                marks = {
                    "@HEAD@": str(uuid7_at(moment, rng)),
                    "@DOC@": str(uuid7_at(moment, rng)),
                    "@CODE@": code,
                    "@code@": code.casefold(),
                }

                def filled(text: str, marks: dict[str, str] = marks) -> str:
                    for mark, value in marks.items():
                        text = text.replace(mark, value)
                    return text

                body = filled(data)
                values = entry | {
                    "id": new_id.hex,
                    "key": key,
                    "data": body,
                    "snippet": filled(snippet),
                    "search_text": f"{key}\n{filled(search_text)}",
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                e_rows.append(tuple(values.values()))
                for version in versions:
                    v = version | {
                        "id": uuid7_at(moment, rng).hex,
                        "entry_id": new_id.hex,
                        "at": stamp,
                        "data": body,
                    }
                    v_rows.append(tuple(v.values()))
                for ref in refs:
                    r_rows.append(tuple((ref | {"entry_id": new_id.hex}).values()))
            yield e_rows, v_rows, r_rows

    with engine.connect() as conn:
        for e_rows, v_rows, r_rows in batches():
            with conn.begin():
                conn.exec_driver_sql(_insert_sql("silo_entry", list(entry)), e_rows)
                if v_rows:
                    conn.exec_driver_sql(
                        _insert_sql("silo_entry_version", list(versions[0])), v_rows
                    )
                if r_rows:
                    conn.exec_driver_sql(_insert_sql("silo_entry_ref", list(refs[0])), r_rows)
    return Loaded(count, middle)
