"""States of an entry (contract §2.6, §6.1): a history of labels, the newest one the entry's.

A state is only a label for workflow progress. Each is recorded at a time ``at`` (milliseconds),
unique per entry, so ``PUT …/states/{at}`` is idempotent: the same state again answers the one
stored, a different one at that time is a conflict. The entry's ``state`` and ``faults`` follow
the state with the newest ``at``, so a state PUT late for an earlier time does not hide a newer
one. Functions here do not commit: the API commits, and steps run in the engine's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from facturo.errors import Fault
from facturo.platform.ids import uuid7
from facturo.platform.uow import UnitOfWork
from facturo.silo import repository
from facturo.silo.errors import InvalidStateTime, StateExists
from facturo.silo.models import State
from facturo.silo.tables import EntryRow, StateRow


def _ms(value: datetime) -> datetime:
    """``value`` in UTC, truncated to milliseconds: the contract's precision for ``at``."""
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def parse_at(text: str) -> datetime:
    """A state's ``at`` from the path: an ISO timestamp with a zone (``…Z``)."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidStateTime(faults=[Fault("at", "not an ISO timestamp", ("$.at",))]) from None
    if when.tzinfo is None:
        raise InvalidStateTime(
            "`at` needs a time zone, e.g. a trailing Z for UTC.",
            faults=[Fault("at", "needs a time zone", ("$.at",))],
        )
    return when


def list_states(uow: UnitOfWork, *, workspace_id: uuid.UUID, entry_id: uuid.UUID) -> list[State]:
    """The entry's states, newest first."""
    repository.get_entry_row(uow, workspace_id, entry_id)
    return [repository.state_of(r) for r in _rows(uow, workspace_id, entry_id)]


def _rows(uow: UnitOfWork, workspace_id: uuid.UUID, entry_id: uuid.UUID) -> list[StateRow]:
    return list(
        uow.session.scalars(
            select(StateRow)
            .where(StateRow.workspace_id == workspace_id, StateRow.entry_id == entry_id)
            .order_by(StateRow.at.desc(), StateRow.created_at.desc())
        )
    )


def set_state(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    key: str,
    src: str,
    src_id: str,
    notes: str | None = None,
    meta: Mapping[str, str] | None = None,
    faults: Sequence[Fault] = (),
    at: datetime | None = None,
    now: datetime | None = None,
) -> State:
    """Record a state (``at`` defaults to now) and make the newest one the entry's.

    Repeating a state at the same ``at`` returns the stored one; a different one there raises
    :class:`StateExists`. Does not commit.
    """
    moment = now or datetime.now(UTC)
    when = _ms(at or moment)
    entry = repository.get_entry_row(uow, workspace_id, entry_id, lock=True)
    existing = uow.session.scalars(
        select(StateRow).where(
            StateRow.workspace_id == workspace_id,
            StateRow.entry_id == entry_id,
            StateRow.at == when,
        )
    ).one_or_none()
    stored_faults = repository.faults_json(list(faults)) or None
    if existing is not None:
        same = (
            existing.key == key
            and (existing.notes or None) == (notes or None)
            and dict(existing.meta or {}) == dict(meta or {})
        )
        if not same:
            raise StateExists()
        return repository.state_of(existing)
    row = StateRow(
        id=uuid7(),
        workspace_id=workspace_id,
        entry_id=entry_id,
        at=when,
        key=key,
        notes=notes or None,
        meta=dict(meta) if meta else None,
        src=src,
        src_id=src_id,
        faults=stored_faults,
        created_at=moment,
    )
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:  # a concurrent writer recorded a state at that time first
        raise StateExists() from exc
    _follow_newest(uow, entry, moment)
    return repository.state_of(row)


def _follow_newest(uow: UnitOfWork, entry: EntryRow, moment: datetime) -> None:
    newest = _rows(uow, entry.workspace_id, entry.id)[0]
    if entry.state != newest.key or entry.faults != newest.faults:
        entry.state = newest.key
        entry.faults = newest.faults
        entry.updated_at = moment
        uow.session.flush()


def add_faults(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    faults: Sequence[Fault],
    now: datetime | None = None,
) -> None:
    """Add faults to the entry and to its newest state (a step reporting on the state it set).

    An entry with no state yet keeps them on the entry alone. Does not commit.
    """
    if not faults:
        return
    entry = repository.get_entry_row(uow, workspace_id, entry_id, lock=True)
    added = repository.faults_json(list(faults))
    rows = _rows(uow, workspace_id, entry_id)
    if rows:
        rows[0].faults = [*(rows[0].faults or ()), *added]
    entry.faults = [*(entry.faults or ()), *added]
    entry.updated_at = now or datetime.now(UTC)
    uow.session.flush()
