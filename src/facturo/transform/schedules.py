"""Scheduled jobs: ``cron.subscribe`` makes a workflow run on an entry every hour or day.

A schedule is a row (``schedule_tables.py``): which workflow, on which entry, how often, and the
window already covered. The scheduler loop (one thread per ``serve``/``worker`` process) claims
due rows, submits one job each in the same transaction that advances the row, and so never runs
a period twice however many processes poll: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` gives each
due row to one process; on SQLite there is one process. Each job gets the args ``from`` and
``upto`` (spec §5.1, ``DOCS:apps/cron.mdx``): the window since the previous run, so a sync
workflow (KSeF, SAT imports) asks the tax agency for exactly that window. The job's ``key``
names the schedule and window, so even a replayed claim could not submit the window twice.

After downtime the scheduler does not replay every missed period: one job covers the whole gap
(``from`` = the last covered instant, ``upto`` = now), then the rhythm resumes.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.platform.uow import UnitOfWork
from facturo.transform import jobs
from facturo.transform.errors import JobExists, JobKeyTaken
from facturo.transform.schedule_tables import ScheduleRow

log = logging.getLogger(__name__)


class Interval(StrEnum):
    """How often a schedule runs, times its ``factor``."""

    HOURLY = "hourly"
    DAILY = "daily"

    @property
    def period(self) -> timedelta:
        return timedelta(hours=1) if self is Interval.HOURLY else timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Schedule:
    id: uuid.UUID
    workflow_id: uuid.UUID
    silo_entry_id: uuid.UUID
    interval: Interval
    factor: int
    active: bool
    next_run_at: datetime
    last_upto: datetime


def _schedule(row: ScheduleRow) -> Schedule:
    return Schedule(
        row.id,
        row.workflow_id,
        row.silo_entry_id,
        Interval(row.interval),
        row.factor,
        row.active,
        row.next_run_at,
        row.last_upto,
    )


def stamp(moment: datetime) -> str:
    """The ``from``/``upto`` args: RFC 3339 UTC with a ``Z``, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def subscribe(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    workflow_id: uuid.UUID,
    interval: Interval,
    factor: int,
    now: datetime,
) -> Schedule:
    """Create or update the schedule of (entry, workflow). Does not commit.

    Subscribing again keeps the covered window and changes only the rhythm, so re-running a
    registration workflow neither skips nor repeats a window.
    """
    if factor < 1:
        raise ValueError("factor counts periods, so it is at least 1")
    row = uow.session.scalars(
        select(ScheduleRow).where(
            ScheduleRow.workspace_id == workspace_id,
            ScheduleRow.silo_entry_id == entry_id,
            ScheduleRow.workflow_id == workflow_id,
        )
    ).one_or_none()
    period = interval.period * factor
    if row is None:
        row = ScheduleRow(
            id=uuid7(),
            workspace_id=workspace_id,
            workflow_id=workflow_id,
            silo_entry_id=entry_id,
            last_upto=now,
            created_at=now,
        )
        uow.session.add(row)
    row.interval = interval.value
    row.factor = factor
    row.active = True
    row.next_run_at = row.last_upto + period
    row.updated_at = now
    uow.session.flush()
    return _schedule(row)


def unsubscribe(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    workflow_id: uuid.UUID | None,
    now: datetime,
) -> int:
    """Stop the entry's schedules (of one workflow, or all). Returns how many were active."""
    query = select(ScheduleRow).where(
        ScheduleRow.workspace_id == workspace_id,
        ScheduleRow.silo_entry_id == entry_id,
        ScheduleRow.active.is_(True),
    )
    if workflow_id is not None:
        query = query.where(ScheduleRow.workflow_id == workflow_id)
    rows = list(uow.session.scalars(query))
    for row in rows:
        row.active = False
        row.updated_at = now
    uow.session.flush()
    return len(rows)


def run_due(runtime: Runtime, *, now: datetime, limit: int = 50) -> int:
    """Submit one job per due schedule and advance it; returns how many jobs were submitted."""
    submitted = 0
    with runtime.uow() as uow:
        rows = list(
            uow.session.scalars(
                select(ScheduleRow)
                .where(ScheduleRow.active.is_(True), ScheduleRow.next_run_at <= now)
                .order_by(ScheduleRow.next_run_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for row in rows:
            upto = now
            try:
                jobs.submit(
                    None,
                    uow,
                    workspace_id=row.workspace_id,
                    job_id=None,
                    workflow_id=row.workflow_id,
                    silo_entry_id=row.silo_entry_id,
                    data=None,
                    key=f"cron:{row.id}:{stamp(upto)}",
                    args={"from": stamp(row.last_upto), "upto": stamp(upto)},
                    tags=["cron"],
                    src_id=f"cron:{row.id}",
                    commit=False,
                )
                submitted += 1
            except (JobExists, JobKeyTaken):
                pass  # this window was submitted already
            except Exception:  # a deleted workflow or entry: stop the schedule, keep the rest
                log.exception("schedule %s cannot submit its job; deactivating it", row.id)
                row.active = False
            period = Interval(row.interval).period * row.factor
            row.last_upto = upto
            next_run = row.next_run_at + period
            while next_run <= now:  # after downtime: one job covered the gap
                next_run += period
            row.next_run_at = next_run
            row.updated_at = now
        uow.commit()
    if submitted:
        with runtime.jobs_changed:
            runtime.jobs_changed.notify_all()
    return submitted


class Scheduler:
    """The loop that submits due scheduled jobs, every ``poll`` seconds."""

    def __init__(self, runtime: Runtime, *, poll: float = 15.0) -> None:
        self._runtime = runtime
        self._poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="facturo-scheduler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                run_due(self._runtime, now=datetime.now(UTC))
            except Exception:
                log.exception("scheduler pass failed; trying again")
            self._stop.wait(self._poll)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10.0)


def start_scheduler_thread(runtime: Runtime, *, poll: float = 15.0) -> Scheduler:
    return Scheduler(runtime, poll=poll)
