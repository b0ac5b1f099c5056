"""A worker's open transaction, in which a job's claim and consecutive PURE steps commit together.

A commit waits for the disk (PostgreSQL's WAL flush), so one commit per step caps a worker at the
disk's commit rate. A ``PURE`` step has no effect outside its transaction, so several of them can
share one: each still writes its own events, checkpoint and writes in it, and a crash before the
commit loses all of them together, which is what a crash inside one of them already did (they run
again). The fold ends, with a commit, before a step whose RUN event must be committed before it
starts (``IDEMPOTENT``, ``RECONCILE``), before a step holding a concurrency key or with a timeout
the lease does not cover, when a step reschedules the job (ERR, QUEUED) or ends it, and once the
transaction reaches :data:`FOLD_STEPS` steps or has been open :data:`FOLD_SECONDS`: an open
transaction holds the job row's lock on PostgreSQL and the write lock on SQLite.

A step that fails (ERR, QUEUED, an exception) must leave nothing behind but its events, while the
steps folded before it keep theirs: a step that is not the first work of the transaction runs
inside a savepoint (:meth:`Fold.savepoint`), rolled back alone.

A batch of jobs (worker.py, "Group commit across jobs") shares one transaction too: each job has
its own :data:`FOLD_STEPS` bound, and no further job starts in a transaction open longer than
:data:`FOLD_SECONDS` (the batch's next jobs commit in a new one).

A provider that reads its own job's step log through the jobs service sees it as the
transaction began: the folded steps' rows are written just before the commit. A ``PURE`` step
runs while the transaction holds its job's row (the claim or an earlier checkpoint), so a cancel
of that job from the API waits for the commit, and a provider must not write its own job's row
through a connection of its own: it would wait for itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import SessionTransaction

from facturo.platform.uow import UnitOfWork
from facturo.transform.engine import store

FOLD_STEPS = 32
"""The most steps one transaction commits for one job (a batch's jobs have this bound each)."""

FOLD_SECONDS = 0.1
"""No step joins a transaction open longer than this (it holds locks others may wait for)."""


class Fold:
    """One open transaction of a worker, and what it holds so far.

    The steps' checkpoints are staged here and written together by the worker
    (:func:`store.checkpoint`) before the transaction commits: one insert of intents, one of
    events and one fenced update of the job row for the whole run of steps, instead of three
    statements a step.
    """

    def __init__(self, uow: UnitOfWork, opened: datetime) -> None:
        self.uow = uow.__enter__()
        self.opened = opened
        """When it began, on the worker's clock (a test's clock keeps commit counts exact)."""
        self.steps = 0
        self.job_steps = 0
        """Steps of the current job in it (a batch runs several jobs in one transaction)."""
        self.row_locked = False
        """The job row was written in it (the claim or a checkpoint): on PostgreSQL the row is
        locked until the commit, so no other worker can claim the job meanwhile."""
        self.staged: list[store.Staged] = []
        self.values: dict[str, Any] = {}

    @property
    def dirty(self) -> bool:
        """The transaction holds work a failing step must not roll back."""
        return self.row_locked or self.steps > 0

    def full(self, now: datetime) -> bool:
        """No further step may join: the transaction is as long as it may get."""
        return self.job_steps >= FOLD_STEPS or (now - self.opened).total_seconds() >= FOLD_SECONDS

    def begin_job(self) -> None:
        """The next steps are another job's."""
        self.job_steps = 0

    def stepped(self) -> None:
        """A step's checkpoint was staged."""
        self.steps += 1
        self.job_steps += 1

    def savepoint(self) -> SessionTransaction | None:
        """A savepoint for the next step, if the transaction holds work it must keep.

        SQLAlchemy sends ``SAVEPOINT`` only when the step first uses the connection, so a step
        that writes nothing pays nothing for it.
        """
        return self.uow.session.begin_nested() if self.dirty else None

    def stage(self, staged: store.Staged | None, values: dict[str, Any]) -> None:
        """Keep a checkpoint for the next write: its step-log rows, and the job row's values."""
        if staged is not None:
            self.staged.append(staged)
        self.values |= values

    def pending(self) -> bool:
        return bool(self.staged or self.values)

    def taken(self) -> tuple[list[store.Staged], dict[str, Any]]:
        """The staged checkpoints, handed over to be written (the fold forgets them)."""
        staged, values = self.staged, self.values
        self.staged, self.values = [], {}
        self.row_locked = True
        return staged, values

    def commit(self) -> None:
        self.uow.commit()

    def close(self) -> None:
        """End the transaction; whatever was not committed is rolled back."""
        self.uow.__exit__(None, None, None)
