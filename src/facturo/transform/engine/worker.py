"""The worker: claim due jobs, run their steps through their providers, checkpoint each one.

One :class:`Worker` runs in one thread and runs one job at a time. For a claimed job it
replays the step log through the pure planner (:func:`~facturo.transform.engine.plan.plan_next`)
and runs what it answers, step after step, keeping the lease while steps end with a final
result; a step that must wait (ERR, QUEUED, a busy concurrency key) reschedules the job and
releases it.

**Checkpoint = the step's transaction.** The provider gets ``ctx.uow``; its writes, the new
events, the job's args/status/faults and the lease update go to the database together, and the
job row update is fenced by the lease token (:func:`store.fence`), so a worker that lost its lease
commits nothing. Consecutive ``PURE`` steps of a job share one transaction, and the claim shares
the first one (:mod:`~facturo.transform.engine.fold`): a job of ``PURE`` steps is claimed, run and
completed in one commit.

**Group commit across jobs.** A worker claims a batch of due jobs in one statement (up to
``worker_batch``, never waiting for more than are due), reads their step logs in three, and
runs them one after the other in one transaction: a job whose steps are all ``PURE`` leaves its
checkpoint (one statement) in it, and the batch commits once after its last job, so ten such
jobs cost one commit. Each job works inside a savepoint of its own, which the database sees only
if a step writes: a lost lease (its fenced update matching no row) drops that job's part and
nothing else, a failing step rolls back its own savepoint as ever, and wake-ups (``NOTIFY``,
``?wait``) go out after the commit. A job that reaches a step with an outside effect or a
concurrency key commits the batch so far, hands the jobs not started back (claimable at once,
so other workers run them meanwhile) and goes on as a batch of one; the next batch is then
half as large, and a batch that ran whole doubles the next one (``_adapt``).

**One connection per batch.** The claim and every transaction of the batch's jobs run on one
pooled connection the worker holds until the last of them finishes or must wait, so a step pays
for its checkpoint and not for a pool checkout.

**Resume by effect** (STYLE.md "Step providers"). A ``PURE`` step writes its RUN event together
with its result, and a crash just runs it (and the steps folded with it) again. ``IDEMPOTENT``
and ``RECONCILE`` steps commit a RUN event first (with the steps folded before them), so after a
crash the planner answers ``resumed=True``: an idempotent step runs again with the same
``ctx.idempotency_key``, a reconcile step asks ``reconcile`` before running again; their result
is committed as soon as it is checkpointed.

**Heartbeat.** While a step runs, :class:`~facturo.transform.engine.heartbeat.Heartbeat` extends
the lease every third of it, so a step longer than the lease keeps its job; a beat that finds
the lease gone makes the worker drop the step's result.

**Failures.** ERR, QUEUED and any exception a provider raises (an unexpected exception is ERR
with code ``exception``, never a crash of the worker) go to the step's
:class:`~facturo.transform.engine.retry.RetryPolicy` (the provider's, or :data:`DEFAULT_RETRY`):
the job is rescheduled ``delay`` seconds later, or the step ends KO with the give-up reason as its
code, and the KO follows conditions, exceptions and rescue through the planner. Every KO adds one
fault to the job.

**Timeouts** (``Provider.timeout``, KO ``timeout``). An async provider is cancelled by
``asyncio.wait_for`` on the worker's own event loop. A sync provider cannot be interrupted safely
inside its transaction, so it is measured: if it returns after its timeout, its result and its
writes are discarded (rolled back) and the step ends KO ``timeout``. The lease is extended before
a step with a timeout longer than what is left of it, so a slow step is not reclaimed meanwhile.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import sessionmaker

from facturo.errors import Fault, NotFound
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.platform.uow import UnitOfWork
from facturo.transform import workflow_store
from facturo.transform.engine import store, wakeup
from facturo.transform.engine.fold import Fold
from facturo.transform.engine.heartbeat import Heartbeat
from facturo.transform.engine.plan import Finish, LogEntry, LogMismatch, Run, plan_next
from facturo.transform.engine.retry import (
    Failure,
    FailureKind,
    GiveUp,
    RandomSource,
    RetryPolicy,
)
from facturo.transform.engine.store import Claim, JobState, LeaseLost
from facturo.transform.events import JobFinished
from facturo.transform.statuses import EventStatus
from facturo.transform.steps.base import Effect, JobInfo, Provider, StepContext, StepResult
from facturo.transform.workflows.flow import TIMEOUT_CODE
from facturo.transform.workflows.models import Workflow
from facturo.transform.workflows.paths import pointer

log = logging.getLogger("facturo.transform.worker")

DEFAULT_RETRY = RetryPolicy(max_attempts=5, base=5.0, cap=300.0)
"""The policy of a provider that declares none: five runs, 5 s to 5 min apart."""

ENGINE = "transform"
"""The ``provider`` of faults the engine itself records (cancel, a missing action)."""

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What one attempt produced: a result, or a failure to hand to the retry policy."""

    result: StepResult | None
    failure: Failure | None = None
    message: str = ""
    discard: bool = False
    """The step's writes are rolled back even though it has a result (it ran over time)."""

    @property
    def keeps_writes(self) -> bool:
        return self.result is not None and self.result.status in _FINAL and not self.discard


class Worker:
    """Runs jobs of one runtime; one instance per thread."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        name: str | None = None,
        clock: Clock = _utcnow,
        rng: RandomSource | None = None,
    ) -> None:
        self.runtime = runtime
        unique = uuid7().hex[-8:]
        self.name = (name or f"{socket.gethostname()}:{os.getpid()}:{unique}")[:64]
        self.clock = clock
        self.random: RandomSource = rng or random.SystemRandom()
        settings = runtime.settings
        self.lease = timedelta(seconds=settings.worker_lease_seconds)
        self.busy_retry = timedelta(seconds=settings.worker_busy_retry_seconds)
        self.batch = settings.worker_batch
        self._limit = self.batch
        """How many jobs the next claim of ``run_until`` takes (adapts, see ``run_once``)."""
        self._pending: list[tuple[Claim, JobState]] = []
        """Claimed jobs of the batch not started yet."""
        self._broken = False
        """A job left the batch and handed back the jobs after it."""
        self._workflows: dict[Any, Workflow] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sessions: sessionmaker[Any] | None = None
        self._held = False
        self._fold: Fold | None = None
        self._next: Run | None = None
        """The next step, as planned right after the last one's result (see ``_over``)."""
        self._finished = False
        """A job ended or was rescheduled in the open transaction: wake waiters at its commit."""
        self._announce = False
        """A job completed in the open transaction: ``NOTIFY`` other processes in it."""
        self.heartbeat = Heartbeat(runtime, self.lease, clock)

    # -- the loop ---------------------------------------------------------------------------

    def run_once(self, limit: int = 1) -> bool:
        """Claim up to ``limit`` due jobs and run each as far as it goes; False if none was due.

        The claim is not committed on its own: it commits with the jobs' first steps, and the
        jobs whose steps are all ``PURE`` are claimed, run and completed in that one commit
        (group commit across jobs).
        """
        with self._connection():
            try:
                fold = self._open()
                session = fold.uow.session
                claims = store.claim_batch(
                    session, owner=self.name, now=self.clock(), lease=self.lease, limit=limit
                )
                if not claims:
                    return False
                fold.row_locked = True
                self._pending = list(zip(claims, store.load_many(session, claims), strict=True))
                started = time.monotonic()
                while self._pending:
                    if time.monotonic() - started > self.lease.total_seconds() / 2:
                        self._release_pending()  # leave them to whoever is free
                        break
                    if self._fold is not None and self._fold.full(self.clock()):
                        self._commit()  # the rest go on in a transaction of their own
                    held, job = self._pending.pop(0)
                    self._run_job(held, job)
                self._commit()
                self._adapt(len(claims), limit, self._broken)
                return True
            finally:
                self._pending = []
                self._broken = False
                self._close()

    def _adapt(self, claimed: int, limit: int, broken: bool) -> None:
        """The next batch's size: halved when a job left this one, doubled when it was full.

        Jobs that reach a step with an outside effect or a key leave the batch and hand back
        the jobs after them (so other workers run those meanwhile); with such jobs batches
        shrink to one job, as small as claiming jobs one by one; with ``PURE`` jobs they grow
        up to ``worker_batch``.
        """
        if broken:
            self._limit = max(1, claimed // 2)
        elif claimed >= limit:
            self._limit = min(self.batch, limit * 2)

    def run_until(self, stop: threading.Event, poll: float | None = None) -> None:
        """Run jobs until ``stop`` is set; an idle worker sleeps until woken or ``poll``."""
        wait = self.runtime.settings.worker_poll_seconds if poll is None else poll
        changed = self.runtime.jobs_changed
        try:
            while not stop.is_set():
                try:
                    worked = self.run_once(self._limit)
                except Exception:  # a database hiccup: the lease expires and the job is retaken
                    log.exception("worker %s failed; going on", self.name)
                    worked = False
                if not worked and not stop.is_set():
                    with changed:
                        changed.wait(wait)
        finally:
            self.close()

    def close(self) -> None:
        self.heartbeat.stop()
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    @contextmanager
    def _connection(self) -> Iterator[None]:
        """Hold one pooled connection for a claim and the jobs' transactions.

        A checkout costs a round trip of its own on PostgreSQL (the pool's liveness ping), more
        than a step's checkpoint; taking it once per job instead of once per transaction keeps
        the checkpoint the only work of a step. Each transaction still gets a fresh session (an
        empty identity map); a connection that breaks mid-job fails the job's run, and the next
        job checks out a healthy one. The session factory is made once per worker and rebound
        to each job's connection: making one builds a session class, with its event dispatch.
        """
        if self._held:  # already held (``process`` called from ``run_once``)
            yield
            return
        if self._sessions is None:
            factory = self.runtime.sessions
            self._sessions = sessionmaker(class_=factory.class_, **factory.kw)
        with self.runtime.engine.connect() as connection:
            self._sessions.configure(bind=connection)
            self._held = True
            try:
                yield
            finally:
                self._held = False
                self._sessions.configure(bind=None)

    def _uow(self) -> UnitOfWork:
        """A unit of work on the held connection (or the runtime's pool outside a job)."""
        if self._sessions is None or not self._held:
            return self.runtime.uow()
        return UnitOfWork(self._sessions)

    # -- the open transaction (fold.py) -----------------------------------------------------

    def _open(self) -> Fold:
        """The open transaction, begun if there is none."""
        if self._fold is None:
            self._fold = Fold(self._uow(), self.clock())
        return self._fold

    def _commit(self) -> None:
        """Commit and end the open transaction, if there is one; then wake who waits for it.

        The wake-ups of the jobs it ended go out only now: a waiter woken before the commit
        would read the job as it was.
        """
        fold, self._fold = self._fold, None
        if fold is None:
            return
        try:
            if self._announce:
                wakeup.announce(fold.uow.session)  # delivered by PostgreSQL at the commit
            fold.commit()
        finally:
            self._announce = False
            fold.close()
        if self._finished:
            self._finished = False
            self._wake()

    def _close(self) -> None:
        """End the open transaction without committing (a failure, a lost lease, no job)."""
        fold, self._fold = self._fold, None
        self._finished = self._announce = False
        if fold is not None:
            fold.close()

    def _protected(self, fold: Fold) -> Callable[[], bool]:
        """Whether ``fold`` keeps other workers off the job (no heartbeat needed meanwhile)."""
        if self.runtime.engine.dialect.name == "sqlite":  # the write lock, once begun
            return lambda: fold.row_locked or fold.uow.session.in_transaction()
        return lambda: fold.row_locked

    def _flush(self, held: Claim) -> bool:
        """Write the open transaction's staged checkpoints; True if a cancel was asked for."""
        fold = self._fold
        if fold is None or not fold.pending():
            return False
        staged, values = fold.taken()
        return store.checkpoint(fold.uow.session, held, staged, values)

    def _settle(
        self, held: Claim, job: JobState, *, cancels: bool = True, hand_back: bool = True
    ) -> bool:
        """Write and commit the open transaction; True if a cancel found there ended the job.

        With ``cancels=False`` a cancel is left for the next step's checkpoint to see (the
        RUN of a step with an outside effect, a lease extension: the step runs first).
        """
        if self._fold is None:
            return False
        if hand_back:  # the job leaves the batch for a while: the rest go to whoever is free
            self._release_pending()
        ended = self._flush(held) and cancels
        if ended:
            fault = Fault("cancelled", "the job was cancelled", (), ENGINE)
            self._complete(self._fold.uow, held, job, EventStatus.KO.value, [fault], self.clock())
        self._commit()
        if ended:
            self._notify()
        return ended

    # -- one job ----------------------------------------------------------------------------

    def process(self, held: Claim) -> None:
        """Run the claimed job's steps until it finishes or must wait."""
        with self._connection():
            try:
                uow = self._open().uow
                job = store.load(uow.session, held)
                self._process(held, job, self._workflow(uow, job))  # LeaseLost: nothing commits
                self._commit()
            finally:
                self._close()

    def _run_job(self, held: Claim, job: JobState) -> None:
        """Run one job of the open transaction; a lost lease drops this job's part of it only.

        The job's writes go inside a savepoint of its own, which the database sees only if a
        step writes (SQLAlchemy sends ``SAVEPOINT`` when the connection is first used in it;
        the engine's own statements go to the connection past it, each all-or-nothing). If the
        transaction was committed meanwhile (the job left the batch), what is open now was
        begun by this job and holds nothing else.
        """
        fold = self._open()
        fold.begin_job()
        workflow = self._workflow(fold.uow, job)  # a read: before the savepoint, not in it
        savepoint = fold.uow.session.begin_nested()
        try:
            self._process(held, job, workflow)
        except LeaseLost:
            log.warning("lost the lease of job %s; another worker has it", held.job_id)
            if self._fold is fold and savepoint.is_active:
                savepoint.rollback()
            else:
                self._close()
            return
        if self._fold is fold and savepoint.is_active:
            savepoint.commit()

    def _release_pending(self) -> None:
        """Hand back the batch's jobs not started yet, in the open transaction."""
        pending, self._pending = self._pending, []
        if pending:
            self._broken = True
            store.release(self._open().uow.session, [held for held, _ in pending])

    def _process(self, held: Claim, job: JobState, workflow: Workflow) -> None:
        self._next = None
        while True:
            if job.cancel_requested:
                fault = Fault("cancelled", "the job was cancelled", (), ENGINE)
                self._finish(held, job, EventStatus.KO.value, [fault])
                return
            try:
                decision, self._next = self._next or plan_next(workflow, _log(job)), None
            except LogMismatch as exc:
                fault = Fault("engine.log_mismatch", exc.detail, (), ENGINE)
                self._finish(held, job, EventStatus.KO.value, [fault])
                return
            if isinstance(decision, Finish):
                self._finish(held, job, decision.status.value, [])
                return
            if not self._step(held, job, workflow, decision):
                return

    def _workflow(self, uow: UnitOfWork, job: JobState) -> Workflow:
        found = self._workflows.get(job.workflow_version_id)
        if found is None:
            found = workflow_store.load_version(uow, job.workflow_version_id)
            self._workflows[job.workflow_version_id] = found
        return found

    def _step(self, held: Claim, job: JobState, workflow: Workflow, run: Run) -> bool:
        """Run one attempt of a step and checkpoint it; True if the job goes straight on.

        A ``PURE`` step joins the open transaction and leaves it open (fold.py); a step with an
        outside effect commits its RUN event with what the transaction holds, runs in a
        transaction of its own and commits it; a step with a concurrency key commits the open
        transaction before taking the key, and releases the key in its own commit.

        When the step's result ends the job (or a cancel arrived), the job is completed in the
        step's transaction, whose fenced update of the job row is also the completing one (a
        cancel seen by that update completes the job again, KO ``cancelled``, before the
        commit); then the transaction commits.
        """
        action = run.step.action or ""
        ref = store.StepRef(run.path, run.step.id or "", run.step.name or "", action)
        provider = self.runtime.registry.get(action)
        if provider is None:
            message = f"action {action} is not provided by this server"
            return self._knock_out(held, job, ref, "step.action.unavailable", message)
        try:
            config = provider.parse_config(run.step.config)
        except ValidationError as exc:
            return self._knock_out(held, job, ref, "step.config.invalid", str(exc))
        started = self.clock()
        attempt = job.attempts + 1
        first = job.first_attempt_at or started
        full = self._fold is not None and self._fold.full(started)
        keyed = provider.concurrency is not None
        if (keyed or full) and self._settle(held, job, hand_back=keyed):
            return False
        lock_key: str | None = None
        if provider.concurrency is not None:
            with self._uow() as uow:
                lock_key = provider.concurrency(
                    self._context(job, run, provider, attempt, uow, started), config
                )
                if lock_key is not None:
                    until = started + self.lease + _seconds(provider.timeout)
                    if not store.acquire_lock(
                        uow.session, lock_key, held, now=started, until=until
                    ):
                        self._reschedule_busy(held, started)
                        return False
        self._extend_lease(held, job, provider, started)
        if provider.effect is not Effect.PURE:
            self._record_run(held, job, ref, started, attempt, first)
        fold = self._open()
        uow = fold.uow
        savepoint = fold.savepoint()
        ctx = self._context(job, run, provider, attempt, uow, started)
        with self.heartbeat.watching(held, self._protected(fold)) as watch:
            outcome = self._attempt(provider, ctx, config, resumed=run.resumed)
        if watch.lost:  # another worker has the job: drop the result (the fence would too)
            raise LeaseLost()
        if watch.until is not None:
            job.lease_until = watch.until
        if not outcome.keeps_writes:  # a failed attempt leaves nothing behind but its events
            (savepoint or uow).rollback()
        elif savepoint is not None:
            savepoint.commit()
        ended = self.clock()
        events = [store.NewEvent(EventStatus.RUN, started)]
        if provider.effect is not Effect.PURE:
            events = []  # committed before the step ran
        values, faults, goes_on = self._outcome(
            job, provider, outcome, ended, attempt, first, events
        )
        staged = store.stage(job, ref, events)  # the planner and _fault read it at once
        self._fault(uow, job, faults, ended)
        over = self._over(workflow, job) if goes_on else None
        if over is not None:  # the job ends with this step: one fenced update does both
            values |= self._completion(uow, job, over, ended)
        fold.stage(staged, values)
        fold.stepped()
        if lock_key is not None:
            store.release_lock(uow.session, lock_key, held)
        finished = over is not None
        pure = provider.effect is Effect.PURE and lock_key is None
        if goes_on and not finished and pure:
            return True  # the next step joins this transaction
        cancelled = self._flush(held)
        if goes_on and cancelled:  # a cancel outranks the workflow's own end
            fault = Fault("cancelled", "the job was cancelled", (), ENGINE)
            self._complete(uow, held, job, EventStatus.KO.value, [fault], ended)
            finished = True
        elif over is not None:
            self._completed(uow, job, over, [], ended)
        if finished or not goes_on:
            self._notify()
        if not pure:  # an outside effect's result, a key's release: committed at once
            self._commit()
        # else the job leaves the transaction open for the batch's next job (one commit)
        return goes_on and not finished

    def _over(self, workflow: Workflow, job: JobState) -> str | None:
        """The job's final status if its last step just ran, else None.

        The decision is kept for the loop, which would otherwise replay the same log again. A
        log the planner rejects is not over here: the loop plans again and records it.
        """
        try:
            decision = plan_next(workflow, _log(job))
        except LogMismatch:
            return None
        if isinstance(decision, Finish):
            return decision.status.value
        self._next = decision
        return None

    def _outcome(
        self,
        job: JobState,
        provider: Provider[Any],
        outcome: _Outcome,
        now: datetime,
        attempt: int,
        first: datetime,
        events: list[store.NewEvent],
    ) -> tuple[dict[str, Any], list[Fault], bool]:
        """Turn an attempt's outcome into events, faults and the job row's new values.

        The third item says whether the step is over (OK, SKIP, KO: the job goes on) or the job
        was rescheduled by the retry policy (and its lease released).
        """
        result = outcome.result
        if result is not None and result.status in _FINAL:
            return (*self._final(job, provider.id, result, now, events), True)
        failure = outcome.failure or _failure_of(result)
        status = EventStatus.QUEUED if failure.kind is FailureKind.QUEUED else EventStatus.ERR
        message = outcome.message or (result.message if result is not None else "")
        policy = provider.retry or DEFAULT_RETRY
        decision = policy.decide(
            failure,
            attempts=attempt,
            elapsed=(now - first).total_seconds(),
            random=self.random,
            previous_delay=job.previous_delay,
        )
        ref = result.ref if result is not None else ""
        events.append(store.NewEvent(status, now, failure.code, message, ref=ref))
        if isinstance(decision, GiveUp):
            knock = StepResult.ko(
                decision.reason.value, f"gave up after {attempt} attempts: {message}".strip()
            )
            return (*self._final(job, provider.id, knock, now, events), True)
        job.attempts, job.first_attempt_at, job.previous_delay = attempt, first, decision.delay
        values = {
            "status": status.value,
            "updated_at": now,
            "attempts": attempt,
            "first_attempt_at": first,
            "previous_delay": decision.delay,
            "run_at": now + timedelta(seconds=decision.delay),
            "lease_owner": None,
            "lease_expires_at": None,
        }
        return values, [], False

    def _final(
        self,
        job: JobState,
        action: str,
        result: StepResult,
        now: datetime,
        events: list[store.NewEvent],
    ) -> tuple[dict[str, Any], list[Fault]]:
        """The step ended OK, SKIP or KO: its event, the job's args and entry, its faults."""
        events.append(
            store.NewEvent(
                result.status,
                now,
                result.code,
                result.message,
                result.args,
                result.silo_entry_id,
                result.ref,
            )
        )
        job.args.update(result.args)
        if result.silo_entry_id is not None:
            job.silo_entry_id = result.silo_entry_id
        faults = list(result.faults)
        if result.status is EventStatus.KO:
            faults.append(Fault(result.code or "ko", result.message, tuple(result.paths), action))
        job.attempts, job.first_attempt_at, job.previous_delay = 0, None, None
        job.lease_until = now + self.lease
        values = {
            "status": result.status.value,
            "updated_at": now,
            "args": dict(job.args),
            "silo_entry_id": job.silo_entry_id,
            "attempts": 0,
            "first_attempt_at": None,
            "previous_delay": None,
            "lease_expires_at": job.lease_until,
        }
        return values, faults

    def _fault(self, uow: UnitOfWork, job: JobState, faults: list[Fault], now: datetime) -> None:
        """Record faults on the job, and a KO's fault (the last) on its entry (spec §3.3)."""
        if not faults:
            return
        store.add_faults(uow.session, job, faults)
        knocked = faults[-1]
        if job.silo_entry_id is None or job.intents[-1].events[-1][0] is not EventStatus.KO:
            return
        from facturo.silo import service as silo

        try:
            silo.add_faults(
                uow,
                workspace_id=job.workspace_id,
                entry_id=job.silo_entry_id,
                faults=[knocked],
                now=now,
            )
        except NotFound:  # the entry is gone; the job still records the fault
            log.warning("job %s: entry %s not found for a fault", job.id, job.silo_entry_id)

    def _knock_out(
        self, held: Claim, job: JobState, ref: store.StepRef, code: str, message: str
    ) -> bool:
        """End a step KO without running it (its action vanished from the registry)."""
        now = self.clock()
        fold = self._open()
        events: list[store.NewEvent] = []
        values, faults = self._final(job, ref.provider, StepResult.ko(code, message), now, events)
        staged = store.stage(job, ref, events)
        self._fault(fold.uow, job, faults, now)
        fold.stage(staged, values)
        fold.stepped()
        return True

    def _record_run(
        self,
        held: Claim,
        job: JobState,
        ref: store.StepRef,
        now: datetime,
        attempt: int,
        first: datetime,
    ) -> None:
        """Commit the RUN event before a step with an outside effect starts.

        It commits with what the open transaction holds (folded steps before it): one commit.
        """
        self._open().stage(
            store.stage(job, ref, [store.NewEvent(EventStatus.RUN, now)]),
            {
                "status": EventStatus.RUN.value,
                "updated_at": now,
                "attempts": attempt,
                "first_attempt_at": first,
            },
        )
        self._settle(held, job, cancels=False)

    def _extend_lease(
        self, held: Claim, job: JobState, provider: Provider[Any], now: datetime
    ) -> None:
        """Make the lease outlast the step's timeout before a long step starts."""
        if provider.timeout is None:
            return
        needed = now + timedelta(seconds=provider.timeout) + self.lease / 2
        if job.lease_until is not None and job.lease_until >= needed:
            return
        job.lease_until = now + self.lease + timedelta(seconds=provider.timeout)
        self._open().stage(None, {"lease_expires_at": job.lease_until})
        self._settle(held, job, cancels=False)

    def _reschedule_busy(self, held: Claim, now: datetime) -> None:
        """The concurrency key is busy: try again shortly, without spending an attempt."""
        with self._uow() as uow:
            store.fence(
                uow.session,
                held,
                {
                    "run_at": now + self.busy_retry,
                    "lease_owner": None,
                    "lease_expires_at": None,
                },
            )
            uow.commit()

    def _finish(self, held: Claim, job: JobState, status: str, faults: list[Fault]) -> None:
        """Complete the job without a step (in the open transaction, with what it holds).

        The commit is the caller's: the batch's, after its last job.
        """
        self._flush(held)
        self._complete(self._open().uow, held, job, status, faults, self.clock())
        self._notify()

    def _complete(
        self,
        uow: UnitOfWork,
        held: Claim,
        job: JobState,
        status: str,
        faults: list[Fault],
        now: datetime,
    ) -> None:
        """Complete the job: outcome, envelope snapshot, hooks; fenced, in ``uow``, no commit."""
        store.fence(uow.session, held, self._completion(uow, job, status, now))
        self._completed(uow, job, status, faults, now)

    def _completion(
        self, uow: UnitOfWork, job: JobState, status: str, now: datetime
    ) -> dict[str, Any]:
        """The job row's values once it completes with ``status``."""
        return {
            "status": status,
            "updated_at": now,
            "completed_at": now,
            "run_at": None,
            "lease_owner": None,
            "lease_expires_at": None,
            "args": dict(job.args),
            "silo_entry_id": job.silo_entry_id,
            "envelope": self._envelope(uow, job),
        }

    def _completed(
        self, uow: UnitOfWork, job: JobState, status: str, faults: list[Fault], now: datetime
    ) -> None:
        """What follows the completing update in its transaction: faults, wake-ups, hooks."""
        store.add_faults(uow.session, job, faults)
        self._announce = True  # a ``?wait`` in the API process returns at the commit
        event = JobFinished(
            workspace_id=job.workspace_id,
            job_id=job.id,
            workflow_id=job.workflow_id,
            key=job.key,
            silo_entry_id=job.silo_entry_id,
            status=status,
            args=dict(job.args),
            faults=tuple(job.faults),
            completed_at=now,
        )
        for hook in self.runtime.job_finished_hooks:
            hook(uow, event)

    def _envelope(self, uow: UnitOfWork, job: JobState) -> dict[str, Any] | None:
        if job.silo_entry_id is None:
            return None
        from facturo.silo import service as silo

        try:
            entry = silo.get_entry(uow, workspace_id=job.workspace_id, entry_id=job.silo_entry_id)
        except NotFound:
            return None
        return entry.data

    def _notify(self) -> None:
        """Wake this process's waiters once the open transaction commits (now, if none is)."""
        if self._fold is not None:
            self._finished = True
        else:
            self._wake()

    def _wake(self) -> None:
        with self.runtime.jobs_changed:
            self.runtime.jobs_changed.notify_all()

    # -- one attempt ------------------------------------------------------------------------

    def _context(
        self,
        job: JobState,
        run: Run,
        provider: Provider[Any],
        attempt: int,
        uow: UnitOfWork,
        now: datetime,
    ) -> StepContext:
        info = JobInfo(
            id=job.id,
            workspace_id=job.workspace_id,
            workflow_id=job.workflow_id,
            key=job.key,
            args=dict(job.args),
            silo_entry_id=job.silo_entry_id,
            tags=tuple(job.tags),
            faults=tuple(job.faults),
        )
        return StepContext(
            job=info,
            step_id=run.step.id or "",
            step_name=run.step.name or "",
            action=provider.id,
            pointer=pointer(run.path),
            attempt=attempt,
            resumed=run.resumed,
            uow=uow,
            now=now,
            resources=self.runtime.resources,
            log=logging.LoggerAdapter(
                log, {"job_id": str(job.id), "step_id": run.step.id, "action": provider.id}
            ),
        )

    def _attempt(
        self, provider: Provider[Any], ctx: StepContext, config: Any, *, resumed: bool
    ) -> _Outcome:
        """Run (or reconcile) the step; exceptions and overruns become outcomes, never raise."""
        started = time.monotonic()
        try:
            result: StepResult | None = None
            if resumed and provider.reconcile is not None:
                result = self._call(provider.reconcile, ctx, config, provider.timeout)
            if result is None:
                result = self._call(provider.run, ctx, config, provider.timeout)
        except TimeoutError:
            over = StepResult.ko(TIMEOUT_CODE, f"the step ran over {provider.timeout} s")
            return _Outcome(over, discard=True)
        except Exception as exc:  # any provider bug is a retryable ERR, bounded by the policy
            log.warning("step %s of job %s raised", ctx.step_id, ctx.job.id, exc_info=True)
            message = f"{type(exc).__name__}: {exc}"
            return _Outcome(None, Failure(FailureKind.EXCEPTION, "exception"), message)
        if not isinstance(result, StepResult):
            message = f"the provider answered {type(result).__name__}, not a StepResult"
            return _Outcome(None, Failure(FailureKind.EXCEPTION, "exception"), message)
        if provider.timeout is not None and time.monotonic() - started > provider.timeout:
            over = StepResult.ko(TIMEOUT_CODE, f"the step ran over {provider.timeout} s")
            return _Outcome(over, discard=True)
        return _Outcome(result)

    def _call(
        self, fn: Callable[..., Any], ctx: StepContext, config: Any, timeout: float | None
    ) -> Any:
        out = fn(ctx, config)
        if inspect.isawaitable(out):
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
            return self._loop.run_until_complete(asyncio.wait_for(_awaited(out), timeout))
        return out


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


_FINAL = frozenset({EventStatus.OK, EventStatus.SKIP, EventStatus.KO})


def _failure_of(result: StepResult | None) -> Failure:
    if result is None:
        return Failure(FailureKind.EXCEPTION, "exception")
    kind = FailureKind.QUEUED if result.status is EventStatus.QUEUED else FailureKind.ERR
    return Failure(kind, result.code, result.retry_in)


def _log(job: JobState) -> list[LogEntry]:
    return [
        LogEntry(intent.path, status, code, intent.step_id or None)
        for intent in job.intents
        for status, code in intent.events
    ]


def _seconds(value: float | None) -> timedelta:
    return timedelta(seconds=value or 0)


class WorkerThreads:
    """Worker threads beside the API (``facturo serve``) or in ``facturo worker``."""

    def __init__(self, runtime: Runtime, threads: int) -> None:
        self.runtime = runtime
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(
                target=Worker(runtime).run_until,
                args=(self._stop,),
                name=f"facturo-worker-{n}",
                daemon=True,
            )
            for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every thread to stop after its current step, and wait for them."""
        self._stop.set()
        with self.runtime.jobs_changed:
            self.runtime.jobs_changed.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def alive(self) -> int:
        return sum(thread.is_alive() for thread in self._threads)


def start_worker_threads(runtime: Runtime, *, threads: int) -> WorkerThreads:
    """Start ``threads`` workers on ``runtime``; call ``.stop()`` on shutdown."""
    return WorkerThreads(runtime, threads)


def run_process(runtime: Runtime, *, threads: int, ready: Callable[[], None] | None = None) -> None:
    """``facturo worker``: run ``threads`` workers until SIGINT or SIGTERM, then stop cleanly.

    A signal sets the stop flag; each thread finishes (and checkpoints) the step it is running,
    so a stop never waits for a lease to expire. A second signal is not needed and not handled
    specially: the threads are daemons, and an unfinished step is resumed by its effect.
    """
    import signal

    stopping = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    handle = start_worker_threads(runtime, threads=threads)
    if ready is not None:  # signals are handled from here on
        ready()
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        handle.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
