"""An entry as a GET answers it, read in one statement as the driver hands it.

A GET of an entry is the Silo's busiest read. It used to take two statements in a transaction
(the entry, then its versions), decode the stored envelope and encode it again for the answer.
Here the entry and its versions come joined, one row per version, newest first: one statement
reads one snapshot by itself, so no transaction is begun (``one_statement`` units of work). The
envelope and the derived JSON columns come as their stored text and go into the answer
undecoded, and ids and timestamps as the driver gives them (``wire.shown_rows_json``).

Entries with files or meta rows need more statements; their rows say so (``complete``), and the
caller reads them the long way, in a transaction (``repository.find_shown_entry``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, Text, and_, bindparam, select
from sqlalchemy import cast as cast_to

from facturo.platform.db import constant
from facturo.platform.uow import UnitOfWork
from facturo.silo.repository import (
    ENTRY,
    HAS_FILES,
    HAS_META,
    LISTED_ROW_COLUMNS,
    VERSION,
    as_driver_gives,
)

SHOWN_ROW_COLUMNS = (
    *LISTED_ROW_COLUMNS,
    cast_to(ENTRY.c.data, Text).label("data"),
    HAS_FILES,
    HAS_META,
    VERSION.c.version.label("v_version"),
    as_driver_gives(VERSION.c.at, "v_at"),
    VERSION.c.src.label("v_src"),
    VERSION.c.src_id.label("v_src_id"),
    VERSION.c.signed.label("v_signed"),
    VERSION.c.invalid.label("v_invalid"),
)
"""A list's columns of the entry (:data:`~facturo.silo.repository.LISTED_ROW_COLUMNS`), then
its envelope's text, whether it has files or meta rows, and one version's columns."""


def _shown(where: Any) -> Select[Any]:
    joined = ENTRY.outerjoin(
        VERSION,
        and_(VERSION.c.workspace_id == ENTRY.c.workspace_id, VERSION.c.entry_id == ENTRY.c.id),
    )
    return constant(
        select(*SHOWN_ROW_COLUMNS)
        .select_from(joined)
        .where(ENTRY.c.workspace_id == bindparam("workspace_id"), where)
        .order_by(VERSION.c.at.desc(), VERSION.c.id.desc())
    )


_BY_ID = _shown(ENTRY.c.id == bindparam("entry_id"))
_BY_KEY = _shown(ENTRY.c.key == bindparam("key"))


@dataclass(frozen=True, slots=True)
class ShownRows:
    """An entry's rows of :data:`SHOWN_ROW_COLUMNS` (one per version, newest first), with the
    dialect whose driver values they hold."""

    rows: list[Row[Any]]
    dialect: str

    @property
    def complete(self) -> bool:
        """Whether the rows are all the answer needs: no files or meta rows to read too."""
        first = self.rows[0]
        return not (first.has_files or first.has_meta)


def find_shown_rows(
    uow: UnitOfWork, workspace_id: uuid.UUID, *, entry_id: uuid.UUID | None = None, key: str = ""
) -> ShownRows | None:
    """The entry's rows by id or key; ``None`` if the workspace has no such entry."""
    connection = uow.connection()
    if entry_id is not None:
        result = connection.execute(_BY_ID, {"workspace_id": workspace_id, "entry_id": entry_id})
    else:
        result = connection.execute(_BY_KEY, {"workspace_id": workspace_id, "key": key})
    rows = list(result.all())
    return ShownRows(rows, connection.dialect.name) if rows else None
