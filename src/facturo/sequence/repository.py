"""Rows of the Sequence context: every query, each scoped to a workspace.

``get_*`` raise :class:`~facturo.sequence.errors.SeriesNotFound`; ``find_*`` return ``None``.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from facturo.platform.uow import UnitOfWork
from facturo.sequence.errors import SeriesNotFound
from facturo.sequence.tables import SequenceEntryRow, SeriesRow


def find_series(uow: UnitOfWork, workspace_id: uuid.UUID, series_id: uuid.UUID) -> SeriesRow | None:
    return uow.session.get(SeriesRow, (workspace_id, series_id))


def get_series(
    uow: UnitOfWork, workspace_id: uuid.UUID, series_id: uuid.UUID, *, lock: bool = False
) -> SeriesRow:
    """The series row; with ``lock``, held until the transaction ends and read afresh.

    ``populate_existing`` matters under the lock: a row this session loaded earlier must be
    refreshed with what the previous holder of the lock committed, or its counter would be stale.
    """
    query = select(SeriesRow).where(
        SeriesRow.workspace_id == workspace_id, SeriesRow.id == series_id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = uow.session.scalars(query).one_or_none()
    if row is None:
        raise SeriesNotFound()
    return row


def find_dynamic_series(uow: UnitOfWork, workspace_id: uuid.UUID, key: str) -> SeriesRow | None:
    return uow.session.scalars(
        select(SeriesRow).where(
            SeriesRow.workspace_id == workspace_id, SeriesRow.dynamic_key == key
        )
    ).one_or_none()


def list_series(uow: UnitOfWork, workspace_id: uuid.UUID) -> list[SeriesRow]:
    return list(
        uow.session.scalars(
            select(SeriesRow)
            .where(SeriesRow.workspace_id == workspace_id)
            .order_by(SeriesRow.created_at, SeriesRow.id)
        )
    )


def find_entry(
    uow: UnitOfWork, workspace_id: uuid.UUID, entry_id: uuid.UUID
) -> SequenceEntryRow | None:
    return uow.session.get(SequenceEntryRow, (workspace_id, entry_id))


def list_entries(
    uow: UnitOfWork,
    workspace_id: uuid.UUID,
    series_id: uuid.UUID,
    *,
    before: int | None,
    limit: int,
) -> list[SequenceEntryRow]:
    """Entries of a series, highest number first, below ``before`` when given."""
    query = select(SequenceEntryRow).where(
        SequenceEntryRow.workspace_id == workspace_id, SequenceEntryRow.series_id == series_id
    )
    if before is not None:
        query = query.where(SequenceEntryRow.number < before)
    return list(uow.session.scalars(query.order_by(SequenceEntryRow.number.desc()).limit(limit)))
