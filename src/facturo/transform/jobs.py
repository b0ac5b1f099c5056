"""Use cases of jobs: submit, fetch (by id or key), list, cancel, wait, and the job document.

Submitting checks everything before storing anything (spec §3.2, issue "Bad input"): the id's
UUID version, that args are strings (and that data-URI args decode), the workflow (exists,
enabled, published), the entry (exists in the workspace), and that id and key are free; only then
are ``data`` stored to the Silo and data-URI args to the spool (:mod:`facturo.transform.job_args`)
and the job row inserted, due now, all in one transaction. The job pins the workflow's latest
published version. A key is held for two years (:mod:`facturo.transform.job_keys`).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from facturo.errors import Fault, NotFound
from facturo.platform.ids import is_time_based, uuid7
from facturo.platform.runtime import Runtime
from facturo.platform.uow import UnitOfWork
from facturo.silo.storage import for_settings as storage_for_settings
from facturo.transform import job_args, job_keys, workflow_store
from facturo.transform.engine import wakeup
from facturo.transform.errors import (
    InvalidCursor,
    InvalidJob,
    JobExists,
    JobFinishedAlready,
    JobKeyTaken,
    JobNotFound,
    WorkflowNotFound,
)
from facturo.transform.tables import EventRow, IntentRow, JobFaultRow, JobRow
from facturo.transform.workflow_store import timestamp

MAX_WAIT = 60.0
"""``?wait`` is clamped to a minute (spec §3.2); ``wait=true`` means this."""


def _now() -> datetime:
    return datetime.now(UTC)


def check_args(args: Any) -> dict[str, str]:
    """Job args are a map of strings (the Go client decodes ``map[string]string``)."""
    if args is None:
        return {}
    if not isinstance(args, Mapping):
        raise InvalidJob(faults=[Fault("type", "args must be an object", ("$.args",))])
    faults = [
        Fault("type", "arg values must be strings", (f"$.args.{name}",))
        for name, value in args.items()
        if not isinstance(value, str)
    ]
    if faults:
        raise InvalidJob("Job args must be strings.", faults=faults)
    return dict(args)


def submit(
    runtime: Runtime | None,
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    job_id: uuid.UUID | None,
    workflow_id: uuid.UUID,
    silo_entry_id: uuid.UUID | None,
    data: Any,
    key: str | None,
    args: Any,
    tags: Sequence[str],
    src_id: str,
    commit: bool = True,
    now: datetime | None = None,
) -> uuid.UUID:
    """Store a new job, due now; raise before storing anything if the request is wrong.

    ``src_id`` names the caller (the API token) on the entry version that ``data`` creates.
    With ``commit=False`` the job joins the caller's transaction (a step creating a job: the
    job exists exactly when the step's checkpoint commits) and the caller commits; ``runtime``
    (used to wake in-process workers after the commit, and for the spool of data-URI args) may
    then be None, and args are stored as given: jobs started by steps and schedules pass on args
    already stored. ``now`` is the job's creation time (the current time by default).
    """
    if job_id is not None and not is_time_based(job_id):
        raise InvalidJob(
            "Job ids must be time-based UUIDs (v7 or v1).",
            faults=[Fault("uuid.version", "must be a UUID v7 or v1", ("$.id",))],
        )
    clean_args = check_args(args)
    data_uris: dict[str, job_args.DataUri] = {}
    if runtime is not None:
        data_uris = job_args.decode_data_uris(clean_args, max_bytes=runtime.settings.max_file_bytes)
    if silo_entry_id is None and data is None and not clean_args:
        raise InvalidJob(
            "Give silo_entry_id, data or args.",
            faults=[
                Fault("required", "one of silo_entry_id, data or args is required", (p,))
                for p in ("$.silo_entry_id", "$.data", "$.args")
            ],
        )
    try:
        pinned = workflow_store.pinned_version(
            uow, workspace_id=workspace_id, workflow_id=workflow_id
        )
    except WorkflowNotFound as exc:
        raise InvalidJob(
            "No workflow with that id in this workspace.",
            faults=[Fault("not_found", "no such workflow", ("$.workflow_id",))],
        ) from exc
    from facturo.silo import service as silo

    if silo_entry_id is not None:
        try:
            silo.get_entry(uow, workspace_id=workspace_id, entry_id=silo_entry_id)
        except NotFound as exc:
            raise InvalidJob(
                "No entry with that id in this workspace.",
                faults=[Fault("not_found", "no such entry", ("$.silo_entry_id",))],
            ) from exc
    moment = now or _now()
    new_id = job_id or uuid7()
    if uow.session.get(JobRow, (workspace_id, new_id)) is not None:
        raise JobExists()
    holder = _by_key(uow, workspace_id, key) if key else None
    if holder is not None and job_keys.is_held(holder.created_at, moment):
        raise JobKeyTaken()
    if silo_entry_id is None and data is not None:
        entry = silo.create_entry(
            uow,
            workspace_id=workspace_id,
            data=data,
            source=silo.Source(src="api", src_id=src_id),
            commit=False,  # the entry and its job commit together, or neither does
        )
        silo_entry_id = entry.id
    if data_uris and runtime is not None:
        clean_args = job_args.spool_args(
            uow,
            storage_for_settings(runtime.settings),
            workspace_id=workspace_id,
            args=clean_args,
            decoded=data_uris,
            max_bytes=runtime.settings.max_file_bytes,
        )
    try:
        # A savepoint: a lost race undoes only this job, never the caller's other work.
        with uow.session.begin_nested():
            if key and holder is not None:  # held over two years: the key passes to this job
                job_keys.release(uow.session, workspace_id=workspace_id, job_id=holder.id, key=key)
            uow.session.add(
                JobRow(
                    workspace_id=workspace_id,
                    id=new_id,
                    workflow_id=workflow_id,
                    workflow_version_id=pinned.version_id,
                    key=key or None,
                    silo_entry_id=silo_entry_id,
                    args=clean_args,
                    tags=list(tags),
                    status="",
                    envelope=None,
                    created_at=moment,
                    updated_at=moment,
                    completed_at=None,
                    cancel_requested=False,
                    run_at=moment,
                    lease_owner=None,
                    lease_token=0,
                    lease_expires_at=None,
                    attempts=0,
                    first_attempt_at=None,
                    previous_delay=None,
                )
            )
    except IntegrityError as exc:  # a concurrent submit with this id or key won
        if commit:
            uow.rollback()
        if key and _by_key(uow, workspace_id, key) is not None:
            raise JobKeyTaken() from exc
        raise JobExists() from exc
    wakeup.announce(uow.session)
    if commit:
        uow.commit()
        if runtime is not None:
            with runtime.jobs_changed:
                runtime.jobs_changed.notify_all()
    return new_id


def cancel(
    runtime: Runtime, uow: UnitOfWork, *, workspace_id: uuid.UUID, job_id: uuid.UUID
) -> None:
    """Ask for the job to end KO ``cancelled``; a worker does it at once, or after its step."""
    row = _get(uow, workspace_id, job_id)
    if row.completed_at is not None:
        raise JobFinishedAlready()
    uow.session.execute(
        update(JobRow)
        .where(JobRow.workspace_id == workspace_id, JobRow.id == job_id)
        .values(cancel_requested=True, run_at=_now(), updated_at=_now())
    )
    wakeup.announce(uow.session)
    uow.commit()
    with runtime.jobs_changed:
        runtime.jobs_changed.notify_all()


def wait_for(
    runtime: Runtime, *, workspace_id: uuid.UUID, job_id: uuid.UUID, seconds: float
) -> None:
    """Hold until the job completes or ``seconds`` pass; polls with backoff, wakes on notify."""
    deadline = time.monotonic() + min(seconds, MAX_WAIT)
    pause = 0.01
    while True:
        with UnitOfWork(runtime.sessions, read_only=True) as uow:  # polls never take the write lock
            done = uow.session.scalar(
                select(JobRow.completed_at).where(
                    JobRow.workspace_id == workspace_id, JobRow.id == job_id
                )
            )
        left = deadline - time.monotonic()
        if done is not None or left <= 0:
            return
        with runtime.jobs_changed:
            runtime.jobs_changed.wait(min(pause, left))
        pause = min(pause * 2, 0.25)


def parse_wait(raw: str | None) -> float:
    """``?wait=N`` in seconds, clamped; ``true`` or another non-number is the full minute."""
    if raw is None or raw == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        return 0.0 if raw.lower() in ("false", "0", "no") else MAX_WAIT
    return max(0.0, min(value, MAX_WAIT))


def get(uow: UnitOfWork, *, workspace_id: uuid.UUID, job_id: uuid.UUID) -> dict[str, Any]:
    return job_json(uow, _get(uow, workspace_id, job_id))


def get_by_key(uow: UnitOfWork, *, workspace_id: uuid.UUID, key: str) -> dict[str, Any]:
    row = _by_key(uow, workspace_id, key)
    if row is None:
        raise JobNotFound()
    return job_json(uow, row)


def list_jobs(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    limit: int,
    created_at: datetime | None,
    cursor: str | None,
) -> dict[str, Any]:
    """Newest first, ``created_at`` the upper bound; the cursor is base64url JSON (spec §1.4)."""
    query = select(JobRow).where(JobRow.workspace_id == workspace_id)
    if created_at is not None:
        query = query.where(JobRow.created_at <= created_at)
    if cursor:
        at, last_id = _decode_cursor(cursor)
        query = query.where(
            or_(JobRow.created_at < at, and_(JobRow.created_at == at, JobRow.id < last_id))
        )
    rows = list(
        uow.session.scalars(
            query.order_by(JobRow.created_at.desc(), JobRow.id.desc()).limit(limit + 1)
        )
    )
    out: dict[str, Any] = {"list": [_summary(r) for r in rows[:limit]], "limit": limit}
    if created_at is not None:
        out["created_at"] = timestamp(created_at)
    if cursor:
        out["cursor"] = cursor
    if len(rows) > limit:
        out["next_cursor"] = _encode_cursor(rows[limit - 1])
    return out


def _encode_cursor(row: JobRow) -> str:
    raw = json.dumps({"cat": row.created_at.astimezone(UTC).isoformat(), "id": str(row.id)})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(raw["cat"]), uuid.UUID(raw["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor(faults=[Fault("cursor", "unknown cursor", ("$.cursor",))]) from exc


def _summary(row: JobRow) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(row.id),
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
        "workflow_id": str(row.workflow_id),
    }
    if row.silo_entry_id is not None:
        out["silo_entry_id"] = str(row.silo_entry_id)
    if row.key or row.released_key:  # a released key stays in its job's history
        out["key"] = row.key or row.released_key
    if row.status:
        out["status"] = row.status
    if row.completed_at is not None:
        out["completed_at"] = timestamp(row.completed_at)
    return out


def job_json(uow: UnitOfWork, row: JobRow) -> dict[str, Any]:
    """The ``TransformJob`` document: intents with their events, faults, args, envelope."""
    out = _summary(row)
    out["args"] = dict(row.args)
    out["tags"] = list(row.tags)
    intents = list(
        uow.session.scalars(
            select(IntentRow)
            .where(IntentRow.workspace_id == row.workspace_id, IntentRow.job_id == row.id)
            .order_by(IntentRow.seq)
        )
    )
    events: dict[uuid.UUID, list[dict[str, Any]]] = {i.id: [] for i in intents}
    if intents:
        for event in uow.session.scalars(
            select(EventRow)
            .where(EventRow.intent_id.in_(list(events)))
            .order_by(EventRow.intent_id, EventRow.index)
        ):
            events[event.intent_id].append(_event_json(event))
    out["intents"] = [_intent_json(i, events[i.id]) for i in intents]
    out["faults"] = [
        {"provider": f.provider, "code": f.code, "message": f.message, "paths": list(f.paths)}
        for f in uow.session.scalars(
            select(JobFaultRow)
            .where(JobFaultRow.workspace_id == row.workspace_id, JobFaultRow.job_id == row.id)
            .order_by(JobFaultRow.seq)
        )
    ]
    if row.envelope is not None:
        out["envelope"] = row.envelope
    out["attachments"] = []
    return out


def intent_json(intent: IntentRow, events: Sequence[EventRow]) -> dict[str, Any]:
    """The ``JobIntent`` document of one intent and its events (in index order)."""
    return _intent_json(intent, [_event_json(e) for e in events])


def _intent_json(intent: IntentRow, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": str(intent.id),
        "created_at": timestamp(intent.created_at),
        "updated_at": timestamp(intent.updated_at),
        "step_id": intent.step_id,
        "name": intent.name,
        "provider": intent.provider,
        "completed": intent.completed,
        "events": events,
        **({"ref": intent.ref} if intent.ref else {}),
    }


def _event_json(event: EventRow) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": event.index,
        "status": event.status,
        "at": timestamp(event.at),
    }
    if event.code:
        out["code"] = event.code
    if event.message:
        out["message"] = event.message
    if event.args:
        out["args"] = dict(event.args)
    if event.silo_entry_id is not None:
        out["silo_entry_id"] = str(event.silo_entry_id)
    return out


def _get(uow: UnitOfWork, workspace_id: uuid.UUID, job_id: uuid.UUID) -> JobRow:
    row = uow.session.get(JobRow, (workspace_id, job_id), populate_existing=True)
    if row is None:
        raise JobNotFound()
    return row


def _by_key(uow: UnitOfWork, workspace_id: uuid.UUID, key: str) -> JobRow | None:
    return uow.session.scalars(
        select(JobRow).where(JobRow.workspace_id == workspace_id, JobRow.key == key)
    ).first()
