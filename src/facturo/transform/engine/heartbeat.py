"""The lease heartbeat: a step that runs longer than the lease keeps its job.

A claim gives a job to its worker until ``lease_expires_at``; every checkpoint moves that on. A
step with no timeout that runs longer than the lease (a slow peer, a big PDF) would otherwise see
its job reclaimed by another worker halfway, and run twice. So while a step runs, one thread per
worker extends the lease every third of it, through the same fenced update as a checkpoint
(:func:`store.heartbeat`: this lease token, still held), on a short connection of its own, since
the worker's connection is busy running the step.

A beat is skipped while the worker's own open transaction already keeps everyone else out: on
PostgreSQL, when that transaction has written the job row (the claim or a checkpoint of a folded
step), the row is locked until it commits and claims skip it (``SKIP LOCKED``); on SQLite, when
that transaction has begun, it holds the single write lock. A beat there would only wait for the
worker's own commit, which writes a fresh lease anyway.

When a beat matches no row, someone else holds the job now (the worker was cut off for longer
than the lease). The beat says so (:attr:`Watch.lost`) and the worker drops the step's result;
the checkpoint's own fence would refuse it anyway, so a beat that comes too late costs nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from facturo.platform.runtime import Runtime
from facturo.transform.engine import store
from facturo.transform.engine.store import Claim

log = logging.getLogger("facturo.transform.worker")


@dataclass(slots=True)
class Watch:
    """One step under watch: its job's lease, and what the beats found."""

    held: Claim
    protected: Callable[[], bool]
    """True while the worker's open transaction keeps other workers out (no beat needed)."""
    since: float = field(default_factory=time.monotonic)
    """When the lease was last written (monotonic): the step's start, then each beat."""
    until: datetime | None = None
    """The lease's new end after the last successful beat."""
    lost: bool = False


IDLE_PERIODS = 3
"""Periods without a step to watch after which the thread ends (the next step starts another)."""


class Heartbeat:
    """A worker's heartbeat thread, started with a step to watch and ended when idle."""

    def __init__(self, runtime: Runtime, lease: timedelta, clock: Callable[[], datetime]) -> None:
        self.runtime = runtime
        self.lease = lease
        self.period = lease.total_seconds() / 3
        self.clock = clock
        self._watch: Watch | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @contextmanager
    def watching(self, held: Claim, protected: Callable[[], bool]) -> Iterator[Watch]:
        """Keep ``held``'s lease alive while the block (one step) runs."""
        watch = Watch(held, protected)
        self._watch = watch
        with self._lock:
            if self._thread is None:
                self._stop = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, args=(self._stop,), name="facturo-heartbeat", daemon=True
                )
                self._thread.start()
        try:
            yield watch
        finally:
            self._watch = None

    def stop(self) -> None:
        """End the thread; a beat waiting for a lock is left to finish on its own (daemon)."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
        if thread is not None:
            thread.join(1.0)

    def _run(self, stop: threading.Event) -> None:
        idle = 0
        while not stop.wait(self.period):
            watch = self._watch
            if watch is None:
                idle += 1
                if idle >= IDLE_PERIODS and self._retire(stop):
                    return
                continue
            idle = 0
            if time.monotonic() - watch.since < self.period / 2:  # just written: next time
                continue
            if watch.protected():
                watch.since = time.monotonic()
                continue
            self._beat(watch)

    def _retire(self, stop: threading.Event) -> bool:
        """End the thread if there is still nothing to watch (an idle worker keeps no thread)."""
        with self._lock:
            if self._watch is not None or stop is not self._stop:
                return stop is not self._stop
            self._thread = None
            return True

    def _beat(self, watch: Watch) -> None:
        until = self.clock() + self.lease
        try:
            with self.runtime.engine.connect() as connection:
                kept = store.heartbeat(connection, watch.held, until=until)
                connection.commit()
        except Exception:  # a database hiccup: try again at the next beat
            log.warning("heartbeat of job %s failed", watch.held.job_id, exc_info=True)
            return
        if kept:
            watch.since, watch.until = time.monotonic(), until
        else:
            log.warning("job %s: the heartbeat found the lease lost", watch.held.job_id)
            watch.lost = True
