"""Events an app adds to a job's waiting intent: ``POKE`` wakes it, ``CANCEL`` cancels it.

Contract: ``POST /transform/v1/jobs/intents`` with ``{id, job_id, ref, status, code, message}``
answers the ``JobIntent`` (Go client ``JobsService.UpdateIntent``, spec §3.2). ``id`` is the
intent's UUID; ``ref`` is what the step answered with its result (spec §3.4, ``StepResult.ref``)
and finds the intent "when the id and job_id are not available": ``PokeByRef`` sends ``ref``
alone. The statuses come from the provider protocol (``GO:gateway/tasks.proto``): ``POKE`` wakes
a queued task, ``CANCEL`` cancels it; nothing else is an app's to add.

How an intent is found, first match wins: ``id`` (with ``job_id``, if given, agreeing); ``job_id``
and ``ref``; ``ref`` alone (the newest waiting intent with it in the workspace); ``job_id`` alone
(the job's waiting intent). Facturo tokens own their workspace, so any of its tokens may call
this; Invopop keeps it for enrolled apps.

What the event does, in the caller's transaction:

- ``POKE``: the job becomes due now, so the worker runs the waiting step at once instead of at
  its ``retry_in`` (a ``verifactu.wait.approval`` re-checks the moment the operator decides). The
  planner reads POKE like QUEUED, a started step to resume; the step's retry state is kept, so a
  poke spends one attempt of its policy and never resets its time limit.
- ``CANCEL``: the job's cancel is requested and it becomes due now; the worker ends it KO
  ``cancelled``, as ``POST /jobs/{id}/cancel`` does.

Only a waiting intent takes an event: its job not completed (409), the intent not completed
(409), and no worker running the step right now (409, try again): a running step numbers its own
events, and a poke it cannot see would be lost when it reschedules. The job row's update comes
first and is conditional on the lease being free, so it also locks the row until the commit (on
PostgreSQL the claim's ``SKIP LOCKED`` passes it by; SQLite has one writer).

Repeats are harmless: when the intent's newest event already is this status with this code (an
app retrying its request), nothing is added and the intent is answered as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final

from sqlalchemy import or_, select, update

from facturo.errors import Conflict, Fault, Invalid, NotFound
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.platform.uow import UnitOfWork
from facturo.transform.engine import wakeup
from facturo.transform.jobs import intent_json
from facturo.transform.statuses import EventStatus
from facturo.transform.tables import EventRow, IntentRow, JobRow

APP_STATUSES: Final = frozenset({EventStatus.POKE, EventStatus.CANCEL})
"""The statuses an app may add to an intent."""

_WAITING = frozenset({EventStatus.QUEUED.value, EventStatus.ERR.value, EventStatus.POKE.value})
"""Newest events of an intent that waits for its next attempt (what :func:`poke_waiting` wakes)."""


class InvalidIntentUpdate(Invalid):
    """The intent update breaks a rule; see fields."""


class IntentNotFound(NotFound):
    """No intent with that id, job_id or ref in this workspace."""


class IntentCompleted(Conflict):
    """The intent has completed; only a waiting intent takes events."""


class JobCompleted(Conflict):
    """The job has completed; its intents take no more events."""


class StepRunning(Conflict):
    """A worker is running this step right now; send the event again once it has answered."""


@dataclass(frozen=True, slots=True)
class IntentUpdate:
    """A request to add an event to an intent (the contract's ``UpdateIntent``)."""

    status: EventStatus
    intent_id: uuid.UUID | None = None
    job_id: uuid.UUID | None = None
    ref: str = ""
    code: str = ""
    message: str = ""

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> IntentUpdate:
        """Read the request body; every bad field is named at once (``$.status``, ``$.id``)."""
        faults: list[Fault] = []
        ids = {name: _uuid(body.get(name)) for name in ("id", "job_id")}
        for name, found in ids.items():
            if found is None and body.get(name) not in (None, ""):
                faults.append(Fault("uuid", "must be a UUID", (f"$.{name}",)))
        texts: dict[str, str] = {}
        for name, limit in (("ref", 255), ("code", 255), ("message", 4000), ("status", 16)):
            raw = body.get(name)
            if raw is None:
                raw = ""
            if not isinstance(raw, str) or len(raw) > limit:
                faults.append(Fault("type", f"must be a string of {limit} at most", (f"$.{name}",)))
                raw = ""
            texts[name] = raw
        status = texts["status"].upper()
        if status not in APP_STATUSES:
            faults.append(Fault("status", "must be POKE or CANCEL", ("$.status",)))
        if not (ids["id"] or ids["job_id"] or texts["ref"]) and not any(
            f.paths[0] in ("$.id", "$.job_id", "$.ref") for f in faults
        ):
            faults += [
                Fault("required", "give id, job_id or ref", (path,))
                for path in ("$.id", "$.job_id", "$.ref")
            ]
        if faults:
            raise InvalidIntentUpdate(faults=faults)
        return cls(
            status=EventStatus(status),
            intent_id=ids["id"],
            job_id=ids["job_id"],
            ref=texts["ref"],
            code=texts["code"],
            message=texts["message"],
        )


def _uuid(raw: Any) -> uuid.UUID | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def update_intent(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    request: IntentUpdate,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Add the request's event to the intent it finds and answer the ``JobIntent``; no commit."""
    intent = _find(uow, workspace_id, request)
    outcome = _add_event(uow, intent, request, now or datetime.now(UTC))
    if outcome is _Outcome.JOB_COMPLETED:
        raise JobCompleted()
    if outcome is _Outcome.INTENT_COMPLETED:
        raise IntentCompleted()
    if outcome is _Outcome.BUSY:
        raise StepRunning()
    return _intent_document(uow, intent)


def poke_waiting(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    arg: str,
    value: str,
    code: str = "",
    message: str = "",
    now: datetime | None = None,
) -> list[uuid.UUID]:
    """POKE every job of the workspace waiting in a step whose arg ``arg`` is ``value``; no commit.

    For other contexts that change what a waiting step polls for (an operator approving a
    VERI*FACTU registration wakes the jobs whose ``verifactu-registration-id`` it is). A job whose
    step is running right now is left alone: it is reading the state already. Answers the ids
    of the jobs poked.
    """
    moment = now or datetime.now(UTC)
    candidates = uow.session.scalars(
        select(JobRow).where(
            JobRow.workspace_id == workspace_id,
            JobRow.run_at.is_not(None),
            JobRow.args[arg].as_string() == value,
        )
    ).all()
    request = IntentUpdate(EventStatus.POKE, code=code, message=message)
    poked: list[uuid.UUID] = []
    for job in candidates:
        intent = uow.session.scalars(
            select(IntentRow)
            .where(
                IntentRow.workspace_id == workspace_id,
                IntentRow.job_id == job.id,
                IntentRow.completed.is_(False),
            )
            .order_by(IntentRow.seq.desc())
            .limit(1)
        ).first()
        if intent is None or _newest(uow, intent.id)[1] not in _WAITING:
            continue
        if _add_event(uow, intent, request, moment) is _Outcome.ADDED:
            poked.append(job.id)
    return poked


def wake(runtime: Runtime) -> None:
    """Wake this process's idle workers after a committed poke (other processes: NOTIFY)."""
    with runtime.jobs_changed:
        runtime.jobs_changed.notify_all()


def _find(uow: UnitOfWork, workspace_id: uuid.UUID, request: IntentUpdate) -> IntentRow:
    query = select(IntentRow).where(IntentRow.workspace_id == workspace_id)
    if request.intent_id is not None:
        query = query.where(IntentRow.id == request.intent_id)
        if request.job_id is not None:
            query = query.where(IntentRow.job_id == request.job_id)
    else:
        if request.job_id is not None:
            query = query.where(IntentRow.job_id == request.job_id)
        if request.ref:
            query = query.where(IntentRow.ref == request.ref)
    # A waiting intent before completed ones, the newest first: a ref may be answered by a step
    # in many jobs over time, and a job's waiting intent is its newest.
    query = query.order_by(IntentRow.completed, IntentRow.created_at.desc(), IntentRow.seq.desc())
    found = uow.session.scalars(query.limit(1)).first()
    if found is None:
        raise IntentNotFound()
    return found


def _newest(uow: UnitOfWork, intent_id: uuid.UUID) -> tuple[int, str, str]:
    """The intent's newest event: its index, status and code (index -1 when it has none)."""
    row = uow.session.execute(
        select(EventRow.index, EventRow.status, EventRow.code)
        .where(EventRow.intent_id == intent_id)
        .order_by(EventRow.index.desc())
        .limit(1)
    ).first()
    if row is None:
        return -1, "", ""
    return int(row[0]), str(row[1]), str(row[2])


class _Outcome(Enum):
    ADDED = "added"
    REPEAT = "repeat"  # the newest event already says this: nothing added
    BUSY = "busy"  # a worker holds the job right now
    JOB_COMPLETED = "job_completed"
    INTENT_COMPLETED = "intent_completed"


def _add_event(
    uow: UnitOfWork, intent: IntentRow, request: IntentUpdate, now: datetime
) -> _Outcome:
    """Append the event and make the job due, in a savepoint undone unless it is ADDED.

    The job row is updated first, on the condition that it is not completed and no live lease
    holds it; that update locks the row, so what is read after it (the intent's completion, its
    newest event) cannot change before the commit.
    """
    values: dict[str, Any] = {"run_at": now, "updated_at": now, "status": request.status.value}
    if request.status is EventStatus.CANCEL:
        values["cancel_requested"] = True
    session = uow.session
    savepoint = session.begin_nested()
    try:
        taken = session.execute(
            update(JobRow)
            .where(
                JobRow.workspace_id == intent.workspace_id,
                JobRow.id == intent.job_id,
                JobRow.completed_at.is_(None),
                or_(JobRow.lease_expires_at.is_(None), JobRow.lease_expires_at < now),
            )
            .values(values)
            .execution_options(synchronize_session=False)
        )
        outcome, index = _Outcome.ADDED, -1
        if getattr(taken, "rowcount", 0) != 1:
            completed_at = session.scalar(
                select(JobRow.completed_at).where(
                    JobRow.workspace_id == intent.workspace_id, JobRow.id == intent.job_id
                )
            )
            outcome = _Outcome.BUSY if completed_at is None else _Outcome.JOB_COMPLETED
        elif session.scalar(select(IntentRow.completed).where(IntentRow.id == intent.id)):
            outcome = _Outcome.INTENT_COMPLETED
        else:
            index, status, code = _newest(uow, intent.id)
            if status == request.status.value and code == request.code:
                outcome = _Outcome.REPEAT
        if outcome is not _Outcome.ADDED:
            savepoint.rollback()
            return _Outcome.ADDED if outcome is _Outcome.REPEAT else outcome
        session.add(
            EventRow(
                id=uuid7(),
                intent_id=intent.id,
                index=index + 1,
                status=request.status.value,
                at=now,
                code=request.code,
                message=request.message,
                args={},
                silo_entry_id=None,
            )
        )
        session.execute(
            update(IntentRow)
            .where(IntentRow.id == intent.id)
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
        wakeup.announce(session)  # other processes' workers wake when this commits
        savepoint.commit()
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    return _Outcome.ADDED


def _intent_document(uow: UnitOfWork, intent: IntentRow) -> dict[str, Any]:
    fresh = uow.session.get(IntentRow, intent.id, populate_existing=True) or intent
    events = list(
        uow.session.scalars(
            select(EventRow).where(EventRow.intent_id == intent.id).order_by(EventRow.index)
        )
    )
    return intent_json(fresh, events)
