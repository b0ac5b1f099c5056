"""Meta rows of entries (contract §2.5, Go client ``silo_meta.go``).

A meta row is data another service keeps about an entry, one per ``(entry, src, key)``: the
VERI*FACTU step records AEAT's answer under ``src="verifactu"``, an API caller under
``src="api"``. ``ref`` is an indexable value (a registration code, a partner's id) by which a row
is found without the entry id. Lookups by ``ref`` stay inside the caller's workspace: a Facturo
token belongs to one workspace, so ``owned`` (Invopop's "only the token's owner") is always
what happens. Functions here do not commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from facturo.platform.uow import UnitOfWork
from facturo.silo import repository
from facturo.silo.errors import MetaNotFound
from facturo.silo.models import Meta
from facturo.silo.tables import MetaRow


@dataclass(frozen=True, slots=True)
class MetaFields:
    """What a caller sets on a meta row (the Go client's ``UpdateSiloMeta``)."""

    ref: str | None = None
    value: Any = None
    link_url: str | None = None
    link_scope: str | None = None
    indexed: bool = False
    owned: bool = False
    secure: bool = False
    shared: bool = False


def upsert_meta(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    src: str,
    key: str,
    fields: MetaFields,
    now: datetime | None = None,
) -> Meta:
    """Create or replace the row ``(entry, src, key)``. Does not commit."""
    moment = now or datetime.now(UTC)
    repository.get_entry_row(uow, workspace_id, entry_id)
    row = uow.session.get(MetaRow, (workspace_id, entry_id, src, key))
    if row is None:
        row = MetaRow(
            workspace_id=workspace_id, entry_id=entry_id, src=src, key=key, created_at=moment
        )
        uow.session.add(row)
    row.ref = fields.ref or None
    row.value = fields.value
    row.link_url = fields.link_url or None
    row.link_scope = fields.link_scope or None
    row.indexed = fields.indexed
    row.owned = fields.owned
    row.secure = fields.secure
    row.shared = fields.shared
    row.updated_at = moment
    uow.session.flush()
    return repository.meta_of(row)


def get_meta(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, entry_id: uuid.UUID, src: str, key: str
) -> Meta:
    """One row, ``secure`` ones included (they are only hidden from lists)."""
    repository.get_entry_row(uow, workspace_id, entry_id)
    row = uow.session.get(MetaRow, (workspace_id, entry_id, src, key))
    if row is None:
        raise MetaNotFound()
    return repository.meta_of(row)


def delete_meta(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, entry_id: uuid.UUID, src: str, key: str
) -> Meta:
    """Remove a row and return it as it was. Does not commit."""
    repository.get_entry_row(uow, workspace_id, entry_id)
    row = uow.session.get(MetaRow, (workspace_id, entry_id, src, key))
    if row is None:
        raise MetaNotFound()
    gone = repository.meta_of(row)
    uow.session.delete(row)
    uow.session.flush()
    return gone


def find_meta_by_ref(uow: UnitOfWork, *, workspace_id: uuid.UUID, key: str, ref: str) -> Meta:
    """The row with this ``key`` and ``ref`` in the workspace (the newest, if several)."""
    row = uow.session.scalars(
        select(MetaRow)
        .where(MetaRow.workspace_id == workspace_id, MetaRow.key == key, MetaRow.ref == ref)
        .order_by(MetaRow.updated_at.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        raise MetaNotFound("No meta row with that key and ref in this workspace.")
    return repository.meta_of(row)
