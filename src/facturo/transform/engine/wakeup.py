"""Waking idle workers and ``?wait`` requests in other processes (PostgreSQL LISTEN/NOTIFY).

In one process the runtime's ``jobs_changed`` condition wakes everyone at once. Across
processes (``facturo serve`` taking submits, ``facturo worker`` running them), an idle worker would
otherwise sleep until its next poll (``worker_poll_seconds``), which is most of a job's latency.
So on PostgreSQL a submit, a cancel and a completion also ``NOTIFY`` a channel inside their own
transaction (PostgreSQL delivers it at commit, and never for a rolled-back one), and each process
keeps one listening connection that turns notifications into ``jobs_changed`` wake-ups. Polling
stays as the safety net: a lost notification costs latency, never a job. SQLite has one process.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from facturo.platform.runtime import Runtime

CHANNEL = "facturo_jobs"
log = logging.getLogger(__name__)


def announce(session: Session) -> None:
    """Tell the other processes, when this transaction commits, that jobs changed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


class Listener:
    """A thread that wakes this process's waiters on every notification of the channel."""

    def __init__(self, runtime: Runtime) -> None:
        url = runtime.engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._runtime = runtime
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="facturo-wakeup", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            with self._runtime.jobs_changed:
                                self._runtime.jobs_changed.notify_all()
            except psycopg.Error:
                log.warning("job wake-up listener lost its connection; reconnecting")
                self._stop.wait(1.0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)


def listen(runtime: Runtime) -> Listener | None:
    """Start the listener on PostgreSQL; None on SQLite, where one process does everything."""
    if runtime.engine.dialect.name != "postgresql":
        return None
    return Listener(runtime)
