"""All the SQL of the job engine: claim, fenced checkpoints, the step log, concurrency locks.

The job row is the queue entry (ARCHITECTURE.md "Durable execution"):

- **Claim.** A due job (``run_at <= now``, not completed) whose lease is free or expired is taken
  by bumping ``lease_token`` and setting ``lease_owner``/``lease_expires_at``. On PostgreSQL the
  candidate is selected ``FOR UPDATE SKIP LOCKED``, so any number of worker processes share one
  database without waiting on each other; on SQLite the one writer (``BEGIN IMMEDIATE``,
  ``facturo.platform.db``) serialises claims. An expired lease is simply claimable again: that is
  how a dead worker's job is reclaimed.
- **Fencing.** Every checkpoint updates the job row ``WHERE lease_token = <the claim's token>``
  in the same transaction as the step's own writes and the new events. If another worker has
  claimed the job since, the update matches no row and :class:`LeaseLost` is raised before
  anything commits: a worker that lost its lease cannot write.
- **Concurrency keys.** A lock row per key names the job and lease holding it until it expires;
  taking it commits on its own (other workers must see it), releasing it is part of the
  checkpoint.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Integer,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from facturo.errors import Conflict, Fault
from facturo.platform.ids import uuid7
from facturo.transform.statuses import EventStatus
from facturo.transform.tables import (
    ConcurrencyLockRow,
    EventRow,
    IntentRow,
    JobFaultRow,
    JobRow,
)
from facturo.transform.workflows.paths import StepPath


class LeaseLost(Conflict):
    """Another worker holds this job now; this worker's writes were rolled back."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A job this worker holds, and the fencing token its checkpoints must match."""

    workspace_id: uuid.UUID
    job_id: uuid.UUID
    token: int
    owner: str
    snapshot: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True)
class Intent:
    """A step run as the worker tracks it: its row id, next event index, and events so far."""

    id: uuid.UUID
    seq: int
    path: StepPath
    step_id: str
    events: list[tuple[EventStatus, str]] = field(default_factory=list)

    @property
    def next_index(self) -> int:
        return len(self.events)


@dataclass(slots=True)
class JobState:
    """The job as its lease holder sees it; the worker is the only writer while it holds it."""

    workspace_id: uuid.UUID
    id: uuid.UUID
    workflow_id: uuid.UUID
    workflow_version_id: uuid.UUID
    key: str | None
    args: dict[str, str]
    tags: list[str]
    silo_entry_id: uuid.UUID | None
    attempts: int
    first_attempt_at: datetime | None
    previous_delay: float | None
    cancel_requested: bool
    faults: list[Fault]
    intents: list[Intent]
    lease_until: datetime | None = None
    status: str = ""
    """The job row's status when claimed (empty: no step has run yet)."""

    def intent_at(self, path: StepPath) -> Intent | None:
        for intent in self.intents:
            if intent.path == path:
                return intent
        return None


def claim(
    session: Session, *, owner: str, now: datetime, lease: timedelta, commit: bool = True
) -> Claim | None:
    """Take the most overdue claimable job, or None; commits the claim unless told not to.

    One statement: ``UPDATE … WHERE (workspace_id, id) IN (SELECT … FOR UPDATE SKIP LOCKED
    LIMIT 1) RETURNING *``; the returned row spares :func:`load` a read. The worker claims
    without committing: the claim then commits with the job's first steps (one commit for
    both), and until then the updated row stays locked (PostgreSQL) or the database's write
    lock is held (SQLite), so nobody else can take the job meanwhile.
    """
    held = claim_batch(session, owner=owner, now=now, lease=lease, limit=1)
    if commit:
        session.commit()
    return held[0] if held else None


def claim_batch(
    session: Session, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[Claim]:
    """Take up to ``limit`` claimable jobs, most overdue first, in one statement; no commit.

    Whatever is due is taken at once, however few: a batch never waits to fill, so at low load
    it is one job and costs what claiming one job costs.
    """
    params = {"now": now, "owner": owner, "until": now + lease, "limit": limit}
    rows = list(_run(session, _CLAIM, params).mappings())
    if len(rows) > 1:  # RETURNING keeps no order
        rows.sort(key=lambda r: (r["run_at"], r["id"]))
    return [Claim(r["workspace_id"], r["id"], r["lease_token"], owner, dict(r)) for r in rows]


def load(session: Session, held: Claim, *, log: bool = True) -> JobState:
    """The job's state and step log, read once after the claim (the log unless told not to)."""
    row: Any = held.snapshot
    if row is None:
        found = session.get(JobRow, (held.workspace_id, held.job_id), populate_existing=True)
        if found is None:
            raise LeaseLost(f"job {held.job_id} is gone")
        row = {c.key: getattr(found, c.key) for c in _JOB.c}
    state = JobState(
        lease_until=row["lease_expires_at"],
        workspace_id=row["workspace_id"],
        id=row["id"],
        workflow_id=row["workflow_id"],
        workflow_version_id=row["workflow_version_id"],
        key=row["key"],
        args=dict(row["args"]),
        tags=list(row["tags"]),
        silo_entry_id=row["silo_entry_id"],
        attempts=row["attempts"],
        first_attempt_at=row["first_attempt_at"],
        previous_delay=row["previous_delay"],
        cancel_requested=row["cancel_requested"],
        faults=[],
        intents=[],
        status=row["status"],
    )
    if log and row["status"]:  # a job that never ran a step has no log and no faults yet
        _load_log(session, state)
    return state


def load_many(session: Session, claims: Sequence[Claim]) -> list[JobState]:
    """The states of a batch of claimed jobs: the step logs of them all in three reads."""
    states = [load(session, held, log=False) for held in claims]
    ran = [state for state in states if state.status]
    if not ran:
        return states
    keys = [(state.workspace_id, state.id) for state in ran]
    by_job = {key: state for key, state in zip(keys, ran, strict=True)}
    rows = session.execute(
        select(_INTENT.c.id, _INTENT.c.workspace_id, _INTENT.c.job_id, _INTENT.c.seq)
        .add_columns(_INTENT.c.path, _INTENT.c.step_id)
        .where(tuple_(_INTENT.c.workspace_id, _INTENT.c.job_id).in_(keys))
        .order_by(_INTENT.c.seq)
    ).all()
    intents = {}
    for intent_id, workspace_id, job_id, seq, path, step_id in rows:
        intent = Intent(intent_id, seq, _path(path), step_id)
        intents[intent_id] = intent
        by_job[(workspace_id, job_id)].intents.append(intent)
    if intents:
        events = session.execute(
            select(EventRow.intent_id, EventRow.status, EventRow.code)
            .where(EventRow.intent_id.in_(list(intents)))
            .order_by(EventRow.intent_id, EventRow.index)
        )
        for intent_id, status, code in events:
            intents[intent_id].events.append((EventStatus(status), code))
    faults = session.scalars(
        select(JobFaultRow)
        .where(tuple_(JobFaultRow.workspace_id, JobFaultRow.job_id).in_(keys))
        .order_by(JobFaultRow.seq)
    )
    for f in faults:
        by_job[(f.workspace_id, f.job_id)].faults.append(
            Fault(f.code, f.message, tuple(f.paths), f.provider)
        )
    return states


def _load_log(session: Session, state: JobState) -> None:
    intents = list(
        session.scalars(
            select(IntentRow)
            .where(IntentRow.workspace_id == state.workspace_id, IntentRow.job_id == state.id)
            .order_by(IntentRow.seq)
        )
    )
    by_id = {i.id: Intent(i.id, i.seq, _path(i.path), i.step_id) for i in intents}
    if by_id:
        events = session.execute(
            select(EventRow.intent_id, EventRow.status, EventRow.code)
            .where(EventRow.intent_id.in_(list(by_id)))
            .order_by(EventRow.intent_id, EventRow.index)
        )
        for intent_id, status, code in events:
            by_id[intent_id].events.append((EventStatus(status), code))
    state.faults = [
        Fault(f.code, f.message, tuple(f.paths), f.provider)
        for f in session.scalars(
            select(JobFaultRow)
            .where(JobFaultRow.workspace_id == state.workspace_id, JobFaultRow.job_id == state.id)
            .order_by(JobFaultRow.seq)
        )
    ]
    state.intents = [by_id[i.id] for i in intents]


def _path(raw: Sequence[Any]) -> StepPath:
    return tuple(raw)


_JOB = cast(Table, JobRow.__table__)
_INTENT = cast(Table, IntentRow.__table__)
_EVENT = cast(Table, EventRow.__table__)
_FAULT = cast(Table, JobFaultRow.__table__)

# Statements are built once: building SQLAlchemy constructs costs more than running them on
# SQLite, and a step's checkpoint runs a handful of them.
_INSERT_FAULT = insert(_FAULT)
_FENCES: dict[tuple[str, ...], Any] = {}
_EVENT_COLUMNS: tuple[str, ...] = (
    "id",
    "intent_id",
    "index",
    "status",
    "at",
    "code",
    "message",
    "args",
    "silo_entry_id",
)


def _claim_statement() -> Any:
    now = bindparam("now", type_=_JOB.c.run_at.type)
    due = (
        select(_JOB.c.workspace_id, _JOB.c.id)
        .where(
            _JOB.c.run_at.is_not(None),
            _JOB.c.run_at <= now,
            or_(_JOB.c.lease_expires_at.is_(None), _JOB.c.lease_expires_at < now),
        )
        .order_by(_JOB.c.run_at)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    return (
        update(_JOB)
        .where(tuple_(_JOB.c.workspace_id, _JOB.c.id).in_(due.scalar_subquery()))
        .values(
            lease_token=_JOB.c.lease_token + 1,
            lease_owner=bindparam("owner", type_=_JOB.c.lease_owner.type),
            lease_expires_at=bindparam("until", type_=_JOB.c.lease_expires_at.type),
        )
        .returning(*_JOB.c)
    )


_CLAIM = _claim_statement()


def _run(session: Session, statement: Any, params: Any) -> Any:
    """Run a Core statement on the session's connection, past the ORM's execution layer.

    The engine's statements touch no mapped object, so the ORM's identity-map work would be pure
    overhead on every checkpoint; the connection is the session's, so they share its
    transaction.

    Once the session's transaction has begun on a connection the worker holds, the statement
    goes to that connection directly: it lands in whatever savepoint the database has open,
    and a savepoint the session has begun but not yet sent stays unsent (a job of a batch whose
    steps wrote nothing pays no ``SAVEPOINT``; its checkpoint is all-or-nothing on its own).
    """
    bind = session.get_bind()
    if isinstance(bind, Connection) and bind.in_transaction():
        return bind.execute(statement, params)
    return session.connection().execute(statement, params)


def _fence_statement(keys: tuple[str, ...]) -> Any:
    statement = _FENCES.get(keys)
    if statement is None:
        statement = (
            update(_JOB)
            .where(
                _JOB.c.workspace_id == bindparam("w_workspace_id", type_=_JOB.c.workspace_id.type),
                _JOB.c.id == bindparam("w_id", type_=_JOB.c.id.type),
                _JOB.c.lease_token == bindparam("w_token", type_=_JOB.c.lease_token.type),
            )
            .values({key: bindparam(f"v_{key}", type_=_JOB.c[key].type) for key in keys})
            .returning(_JOB.c.cancel_requested)
        )
        _FENCES[keys] = statement
    return statement


def fence(session: Session, held: Claim, values: Mapping[str, Any]) -> bool:
    """Update the job row only if this worker still holds it; else raise :class:`LeaseLost`.

    Returns whether a cancel was asked for meanwhile. On PostgreSQL the update also locks the
    row until the commit, so nobody can claim the job between the check and the commit.

    A lost lease rolls nothing back here: the transaction may hold other jobs' checkpoints (a
    batch), and the caller drops this job's part of it (its savepoint) or the whole.
    """
    keys = tuple(sorted(values))
    params = {f"v_{key}": values[key] for key in keys}
    params |= {"w_workspace_id": held.workspace_id, "w_id": held.job_id, "w_token": held.token}
    row = _run(session, _fence_statement(keys), params).first()
    if row is None:
        raise LeaseLost()
    return bool(row[0])


def release(session: Session, claims: Sequence[Claim]) -> None:
    """Give back claimed jobs this worker has not started: claimable again at once.

    One statement for them all, fenced by each claim's token (a job someone else has since
    taken is left alone); no commit, no attempt spent.
    """
    if not claims:
        return
    held = [(c.workspace_id, c.job_id, c.token) for c in claims]
    statement = (
        update(_JOB)
        .where(tuple_(_JOB.c.workspace_id, _JOB.c.id, _JOB.c.lease_token).in_(held))
        .values(lease_owner=None, lease_expires_at=None)
    )
    _run(session, statement, {})


def heartbeat(connection: Connection, held: Claim, *, until: datetime) -> bool:
    """Move a held lease's end to ``until``; False if the lease is no longer this worker's.

    Fenced like a checkpoint (the claim's token), and only while the lease is out: a job its
    worker has since released (rescheduled) or completed keeps ``lease_expires_at`` empty, so
    a late beat cannot hold back its retry.
    """
    result = connection.execute(
        _HEARTBEAT,
        {"w_workspace_id": held.workspace_id, "w_id": held.job_id, "w_token": held.token}
        | {"until": until},
    )
    return bool(result.rowcount == 1)


_HEARTBEAT = (
    update(_JOB)
    .where(
        _JOB.c.workspace_id == bindparam("w_workspace_id", type_=_JOB.c.workspace_id.type),
        _JOB.c.id == bindparam("w_id", type_=_JOB.c.id.type),
        _JOB.c.lease_token == bindparam("w_token", type_=_JOB.c.lease_token.type),
        _JOB.c.lease_expires_at.is_not(None),
    )
    .values(lease_expires_at=bindparam("until", type_=_JOB.c.lease_expires_at.type))
)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append to a step's intent."""

    status: EventStatus
    at: datetime
    code: str = ""
    message: str = ""
    args: Mapping[str, str] = field(default_factory=dict)
    silo_entry_id: uuid.UUID | None = None
    ref: str = ""


@dataclass(frozen=True, slots=True)
class StepRef:
    """The step an intent records."""

    path: StepPath
    step_id: str
    name: str
    provider: str


@dataclass(frozen=True, slots=True)
class Staged:
    """Step-log rows :func:`stage` prepared: a new intent or an intent update, and events."""

    events: list[dict[str, Any]]
    new_intent: dict[str, Any] | None = None
    intent_update: dict[str, Any] | None = None


def stage(job: JobState, step: StepRef, events: Sequence[NewEvent]) -> Staged | None:
    """Append ``events`` to the step's intent in ``job``, starting the intent on its first event.

    Only the worker's view changes here (the planner reads it at once); the rows go to the
    database with :func:`checkpoint`, in the step's transaction. A new intent is
    born completed when the step ends in that transaction; an existing one is updated only when
    the step ends.
    """
    if not events:
        return None
    final = any(e.status.is_final for e in events)
    last = events[-1].at
    ref = next((e.ref for e in reversed(events) if e.ref), "")
    intent = job.intent_at(step.path)
    new: dict[str, Any] | None = None
    changes: dict[str, Any] | None = None
    if intent is None:
        intent = Intent(uuid7(), len(job.intents), step.path, step.step_id)
        new = {
            "id": intent.id,
            "workspace_id": job.workspace_id,
            "job_id": job.id,
            "seq": intent.seq,
            "path": list(step.path),
            "step_id": step.step_id,
            "name": step.name,
            "provider": step.provider,
            "ref": ref,
            "completed": final,
            "created_at": events[0].at,
            "updated_at": last,
        }
        job.intents.append(intent)
    elif final or ref:
        changes = {"w_id": intent.id, "updated_at": last, "completed": final}
        if ref:
            changes["ref"] = ref
    rows: list[dict[str, Any]] = []
    for event in events:
        rows.append(
            {
                "id": uuid7(),
                "intent_id": intent.id,
                "index": intent.next_index,
                "status": event.status.value,
                "at": event.at,
                "code": event.code,
                "message": event.message,
                "args": dict(event.args),
                "silo_entry_id": event.silo_entry_id,
            }
        )
        intent.events.append((event.status, event.code))
    return Staged(rows, new, changes)


def checkpoint(
    session: Session, held: Claim, staged: Sequence[Staged], values: Mapping[str, Any]
) -> bool:
    """Write the staged step log of one or more steps and :func:`fence` the job row once.

    Answers whether a cancel was asked for meanwhile, like :func:`fence`. Several steps folded
    into one transaction checkpoint together: their intents in one insert, their events in one
    insert, and one fenced update carrying the job row's latest values; fencing stays exact,
    since that update must match the lease token in the transaction that commits them all.

    On PostgreSQL the new intents, the events and the fenced update are one statement
    (``WITH new_intents AS (INSERT … SELECT unnest(…)), new_events AS (…) UPDATE … RETURNING``):
    one round trip besides the transaction's BEGIN and COMMIT. The rows travel as one array
    per column, so the statement's text is the same whatever the number of rows, and the
    driver parses and prepares it once (a row of parameters per event made a text too long
    for psycopg's query cache, parsed again on every checkpoint).

    A checkpoint is all-or-nothing by itself: if the lease was lost, it writes nothing and raises
    :class:`LeaseLost` (the fence goes first; on PostgreSQL the inserts are conditional on the
    lease token too), so one job of a batch can be dropped without touching the others.
    """
    intents = [s.new_intent for s in staged if s.new_intent is not None]
    events = [row for s in staged for row in s.events]
    if not events or session.get_bind().dialect.name != "postgresql":
        cancelled = fence(session, held, values)
        if intents:
            _run(session, _insert_intents(len(intents)), _params("i", intents))
        if events:
            _run(session, _insert_events(len(events)), _params("e", events))
        _update_intents(session, staged)
        return cancelled
    keys = tuple(sorted(values))
    params = {f"v_{key}": values[key] for key in keys}
    params |= _arrays("i", _INTENT_COLUMNS, intents) | _arrays("e", _EVENT_COLUMNS, events)
    params |= {"w_workspace_id": held.workspace_id, "w_id": held.job_id, "w_token": held.token}
    row = _run(session, _fence_with_log(keys, bool(intents)), params).first()
    if row is None:
        raise LeaseLost()
    _update_intents(session, staged)
    return bool(row[0])


def _update_intents(session: Session, staged: Sequence[Staged]) -> None:
    """Existing intents a checkpoint ends or names (after its fence held)."""
    for item in staged:
        if item.intent_update is not None:
            keys = tuple(sorted(k for k in item.intent_update if k != "w_id"))
            _run(session, _update_intent(keys), item.intent_update)


def _params(prefix: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Bind parameters of :func:`_insert_rows`: ``{prefix}_{column}_{n}`` for row ``n``."""
    out: dict[str, Any] = {}
    for n, row in enumerate(rows):
        for key, value in row.items():
            out[f"{prefix}_{key}_{n}"] = value
    return out


_INTENT_UPDATES: dict[tuple[str, ...], Any] = {}
_FENCES_WITH_LOG: dict[tuple[tuple[str, ...], bool], Any] = {}
_INTENT_COLUMNS: tuple[str, ...] = (
    "id",
    "workspace_id",
    "job_id",
    "seq",
    "path",
    "step_id",
    "name",
    "provider",
    "ref",
    "completed",
    "created_at",
    "updated_at",
)


def _update_intent(keys: tuple[str, ...]) -> Any:
    statement = _INTENT_UPDATES.get(keys)
    if statement is None:
        statement = (
            update(_INTENT)
            .where(_INTENT.c.id == bindparam("w_id", type_=_INTENT.c.id.type))
            .values({key: bindparam(key, type_=_INTENT.c[key].type) for key in keys})
        )
        _INTENT_UPDATES[keys] = statement
    return statement


def _fence_with_log(keys: tuple[str, ...], intents: bool) -> Any:
    """PostgreSQL: the fenced update with new intents and events as ``WITH`` inserts.

    Every data-modifying ``WITH`` runs to completion whether or not the update reads it, and
    the events' foreign key is checked at the end of the statement, when the intents exist.
    Each insert selects its rows only while the job row carries the lease token, so a lost lease
    inserts nothing (all parts of one statement see the same snapshot).
    """
    statement = _FENCES_WITH_LOG.get((keys, intents))
    if statement is None:
        ctes = [_unnest_insert(_EVENT, _EVENT_COLUMNS, "e").cte("new_events")]
        if intents:
            ctes.insert(0, _unnest_insert(_INTENT, _INTENT_COLUMNS, "i").cte("new_intents"))
        statement = _fence_statement(keys).add_cte(*ctes)
        _FENCES_WITH_LOG[(keys, intents)] = statement
    return statement


def _unnest_insert(table: Table, columns: tuple[str, ...], prefix: str) -> Any:
    """PostgreSQL: ``INSERT … SELECT unnest(:a), unnest(:b) …``, one array parameter a column.

    JSON values travel as text (``json[]`` has no adapter that keeps them apart from text)
    and are cast back; ``unnest`` calls in one select list advance together, row by row.
    """
    items: list[Any] = []
    for name in columns:
        column = table.c[name]
        if isinstance(column.type, JSON):
            param = bindparam(f"{prefix}_{name}", type_=pg.ARRAY(Text))
            items.append(sql_cast(func.unnest(param), pg.JSON))
        else:
            kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
            items.append(func.unnest(bindparam(f"{prefix}_{name}", type_=pg.ARRAY(kind))))
    return insert(table).from_select(list(columns), select(*items).where(_HELD))


_HELD = exists().where(
    _JOB.c.workspace_id == bindparam("w_workspace_id", type_=_JOB.c.workspace_id.type),
    _JOB.c.id == bindparam("w_id", type_=_JOB.c.id.type),
    _JOB.c.lease_token == bindparam("w_token", type_=_JOB.c.lease_token.type),
)
"""The job row still carries the claim's lease token (the fence, as a condition)."""


def _arrays(
    prefix: str, columns: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Parameters of :func:`_unnest_insert`: one list a column, JSON values as text."""
    out: dict[str, Any] = {}
    for name in columns:
        values = [row[name] for row in rows]
        if name in _JSON_COLUMNS:
            values = [json.dumps(v, separators=(",", ":")) for v in values]
        out[f"{prefix}_{name}"] = values
    return out


_JSON_COLUMNS = frozenset({"path", "args"})


_INSERTS: dict[tuple[str, int], Any] = {}


def _insert_intents(count: int) -> Any:
    return _insert_rows(_INTENT, _INTENT_COLUMNS, count, "i")


def _insert_events(count: int) -> Any:
    return _insert_rows(_EVENT, _EVENT_COLUMNS, count, "e")


def _insert_rows(table: Table, columns: tuple[str, ...], count: int, prefix: str) -> Any:
    """One ``INSERT … SELECT … UNION ALL SELECT …`` for ``count`` rows: one round trip.

    Not ``VALUES (…), (…)``: SQLAlchemy does not cache a multi-row VALUES statement, and
    compiling it on every checkpoint costs more than the insert; not ``executemany`` either,
    which takes a batching path (a pipeline on psycopg) dearer than one statement.
    """
    statement = _INSERTS.get((table.name, count))
    if statement is None:
        rows = [
            select(*(bindparam(f"{prefix}_{c}_{n}", type_=table.c[c].type) for c in columns))
            for n in range(count)
        ]
        statement = insert(table).from_select(
            list(columns), union_all(*rows) if count > 1 else rows[0]
        )
        _INSERTS[(table.name, count)] = statement
    return statement


def add_faults(session: Session, job: JobState, faults: Sequence[Fault]) -> None:
    """Record faults on the job, numbered after those it has."""
    rows = []
    for item in faults:
        rows.append(
            {
                "id": uuid7(),
                "workspace_id": job.workspace_id,
                "job_id": job.id,
                "seq": len(job.faults),
                "provider": item.provider,
                "code": item.code,
                "message": item.message,
                "paths": list(item.paths),
            }
        )
        job.faults.append(item)
    if rows:
        _run(session, _INSERT_FAULT, rows)


def acquire_lock(
    session: Session, key: str, held: Claim, *, now: datetime, until: datetime
) -> bool:
    """Take concurrency key ``key`` for this job's lease; commits. False when busy."""
    row = session.scalars(
        select(ConcurrencyLockRow).where(ConcurrencyLockRow.key == key).with_for_update()
    ).first()
    if row is None:
        session.add(
            ConcurrencyLockRow(
                key=key, job_id=held.job_id, lease_token=held.token, expires_at=until
            )
        )
    elif row.job_id == held.job_id or row.expires_at < now:
        row.job_id = held.job_id
        row.lease_token = held.token
        row.expires_at = until
    else:
        session.rollback()
        return False
    try:
        session.commit()
    except IntegrityError:  # another worker inserted it first
        session.rollback()
        return False
    return True


def release_lock(session: Session, key: str, held: Claim) -> None:
    """Drop the key if this lease still holds it (part of the checkpoint; no commit)."""
    session.execute(
        delete(ConcurrencyLockRow).where(
            ConcurrencyLockRow.key == key,
            ConcurrencyLockRow.job_id == held.job_id,
            ConcurrencyLockRow.lease_token == held.token,
        )
    )
