"""The job engine: five-step no-op jobs per second and submit→complete latency, against peers.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--seconds N]``.

Contenders, each on a fresh database:

- Facturo on SQLite, its workers as threads of the submitting process (as ``facturo serve`` runs
  them, ``worker_threads`` from the default settings);
- Facturo on PostgreSQL with one and with two worker processes (``python -m engine.worker``,
  the body of ``facturo worker``, one thread each) sharing one database;
- DBOS (the ``dbos`` package) running a workflow of five no-op steps, on PostgreSQL and on
  SQLite, each in a process of its own (``engine/dbos_peer.py``);
- the database's raw committed-transaction rate: one small INSERT and COMMIT at a time through
  SQLAlchemy (``facturo.platform.db.make_engine``, so SQLite gets Facturo's pragmas) on one
  connection, and on two connections (two threads) for PostgreSQL, each measured just before the
  Facturo row it is compared with (other load on the machine drifts over a run).

Facturo's jobs run the workflow saved through the workflow service (``engine/steps.py``: five
steps of a ``PURE`` test provider) and are submitted through the service layer
(``facturo.transform.jobs.submit``, one transaction per job). Completion is the job row's
``completed_at``.

Every phase runs about ``--seconds``: first a warm-up batch (30 jobs) that also estimates the
rate; then latency over a stream paced at half that rate; then throughput over a backlog sized to
last about ``--seconds``, loaded before the workers start, made due at once when all of them
are ready (worker processes start one after the other) and timed from its first step to its
last completion. DBOS starts running a workflow as it stores it, so its backlog is a burst timed
from the first start to the last completion.

PostgreSQL is one throwaway cluster (``facturo.platform.pgserver``) with durable settings
(``fsync``, ``synchronous_commit`` and ``full_page_writes`` on) shared by Facturo, DBOS and the
raw rate. SQLite is WAL with ``synchronous=NORMAL`` (Facturo's settings; DBOS and the raw rate get
the same pragmas), so a commit does not wait for the disk.

Goals (issue 7): ≥ 10× DBOS, steps/s ≥ 50 % of the raw commit rate, two workers ≥ 1.7× one on
PostgreSQL. They are reported, never asserted: the script exits 0 when one is missed.

How steps/s relates to commits: every step is still checkpointed (its events and the job row,
fenced by the lease token, in the transaction that commits them), but consecutive ``PURE`` steps
of a job share one transaction with the job's claim (``facturo.transform.engine.fold``), and a
worker claims a batch of due jobs (up to ``worker_batch``) whose runs commit together: a batch of
five-step no-op jobs is one commit (claim, each job's checkpoint and completion), so steps/s
can exceed the raw commit rate; the "% raw" column compares the engine's step rate with what
one commit per step would allow, and a worker is bound by its own work per step (planning,
staging, statements) more than by the disk. A step with an outside effect (``IDEMPOTENT``,
``RECONCILE``) still costs a commit before it (its RUN event) and one after (its result).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the helpers in ``engine/``, also for pytest's importlib mode
    sys.path.insert(0, str(HERE))

from sqlalchemy import (  # noqa: E402
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    func,
    insert,
    select,
    update,
)

from engine.stats import Result, percentile, rate  # noqa: E402
from engine.steps import REGISTRY, STEPS, workflow_document  # noqa: E402
from facturo.platform import migrate, workspaces  # noqa: E402
from facturo.platform.db import make_engine  # noqa: E402
from facturo.platform.pgserver import PostgresServer, PostgresUnavailable  # noqa: E402
from facturo.platform.runtime import Runtime  # noqa: E402
from facturo.platform.settings import Settings  # noqa: E402
from facturo.transform import jobs, workflow_store  # noqa: E402
from facturo.transform.engine.worker import start_worker_threads  # noqa: E402
from facturo.transform.tables import IntentRow, JobRow  # noqa: E402

WARMUP = 30
WAIT_LIMIT = 120.0
"""Seconds a phase may take to complete before its row reports a time-out instead."""


class TimedOut(RuntimeError):
    """The jobs of a phase did not all complete in time."""


# --- Facturo ---------------------------------------------------------------------------------


@dataclass
class Target:
    """One migrated database with a workspace and the five-step workflow saved in it."""

    runtime: Runtime
    workspace_id: uuid.UUID
    workflow_id: uuid.UUID

    @classmethod
    def prepare(cls, url: str, data_dir: Path) -> Target:
        migrate.upgrade(url)
        runtime = Runtime.from_settings(
            Settings(data_dir=data_dir, database_url=url, log_json=False)
        )
        runtime.registry = REGISTRY
        workflow_id = uuid.uuid4()
        with runtime.uow() as uow:
            workspace = workspaces.create_workspace(uow, slug="bench", name="Bench")
        with runtime.uow() as uow:
            workflow_store.create_workflow(
                uow,
                workspace_id=workspace.id,
                workflow_id=workflow_id,
                document=workflow_document(),
                registry=runtime.registry,
                author=workflow_store.Author("bench", "bench"),
            )
        return cls(runtime, workspace.id, workflow_id)

    def submit(self) -> tuple[uuid.UUID, float]:
        """Submit one job through the service layer; its id and the wall time just before."""
        at = time.time()
        with self.runtime.uow() as uow:
            job_id = jobs.submit(
                self.runtime,
                uow,
                workspace_id=self.workspace_id,
                job_id=None,
                workflow_id=self.workflow_id,
                silo_entry_id=None,
                data=None,
                key=None,
                args={"bench": "1"},
                tags=[],
                src_id="bench",
            )
        return job_id, at

    def wait(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, float]:
        """Poll until every job of the workspace completed; ``ids``' completion times."""
        deadline = time.monotonic() + WAIT_LIMIT
        pending = select(func.count()).where(
            JobRow.workspace_id == self.workspace_id, JobRow.completed_at.is_(None)
        )
        while True:
            with self.runtime.uow() as uow:
                if not uow.session.scalar(pending):
                    break
            if time.monotonic() > deadline:
                raise TimedOut(f"jobs still running after {WAIT_LIMIT:.0f} s")
            time.sleep(0.05)
        return {
            job_id: at.timestamp()
            for job_id, at in self._select(JobRow.id, JobRow.completed_at, JobRow.id, ids)
        }

    def hold(self) -> None:
        """Make the waiting jobs not due, so workers that start find nothing to claim yet.

        Worker processes take a while to start, one after the other; released only once all
        are ready, the backlog is shared from its first job (a short backlog run by one worker
        while the second still starts would measure the start-up, not two workers).
        """
        self._due(None)

    def release(self) -> None:
        """Make the held jobs due now, all at once."""
        self._due(datetime.now(UTC))

    def _due(self, when: datetime | None) -> None:
        with self.runtime.uow() as uow:
            uow.session.execute(
                update(JobRow)
                .where(JobRow.workspace_id == self.workspace_id, JobRow.completed_at.is_(None))
                .values(run_at=when)
            )
            uow.commit()
        with self.runtime.jobs_changed:  # in-process workers wake at once
            self.runtime.jobs_changed.notify_all()

    def first_step(self, ids: list[uuid.UUID]) -> float:
        """When the first step of these jobs started (their intents are born with it)."""
        rows = self._select(IntentRow.job_id, IntentRow.created_at, IntentRow.job_id, ids)
        return float(min(at.timestamp() for _, at in rows))

    def _select(self, key: Any, value: Any, column: Any, ids: list[uuid.UUID]) -> list[Any]:
        out: list[Any] = []
        with self.runtime.uow() as uow:
            for start in range(0, len(ids), 500):
                out.extend(
                    uow.session.execute(
                        select(key, value).where(column.in_(ids[start : start + 500]))
                    ).all()
                )
        return out

    def close(self) -> None:
        self.runtime.close()


Workers = Callable[[], Callable[[], None]]
"""Starts the workers of a contender and answers the function that stops them."""


def threads_of(target: Target) -> Workers:
    """Worker threads in this process, as ``facturo serve`` starts them."""

    def start() -> Callable[[], None]:
        handle = start_worker_threads(
            target.runtime, threads=target.runtime.settings.worker_threads
        )
        return handle.stop

    return start


def processes(url: str, data_dir: Path, count: int) -> Workers:
    """``count`` worker processes of one thread each, like ``facturo worker`` on each machine."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env |= {"FACTURO_DATABASE_URL": url, "FACTURO_DATA_DIR": str(data_dir)}

    def start() -> Callable[[], None]:
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "engine.worker", "1"],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]

        def stop() -> None:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                stop()
                raise RuntimeError(f"a worker process exited with status {proc.returncode}")
        return stop

    return start


@contextmanager
def running(workers: Workers) -> Iterator[None]:
    stop = workers()
    try:
        yield
    finally:
        stop()


def measure_facturo(target: Target, workers: Workers, seconds: float) -> Result:
    """Warm-up batch, paced stream (latency), then a backlog loaded with the workers stopped."""
    with running(workers):
        ids = [target.submit()[0] for _ in range(WARMUP)]
        done = target.wait(ids)
        times = sorted(done.values())
        estimate = rate(len(times) - 1, times[0], times[-1])
        pace = min(estimate, 2000.0) / 2
        submitted: dict[uuid.UUID, float] = {}
        begin = time.monotonic()
        while time.monotonic() - begin < seconds:
            delay = begin + len(submitted) / pace - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            job_id, at = target.submit()
            submitted[job_id] = at
        done = target.wait(list(submitted))
    latencies = [(done[job_id] - at) * 1000 for job_id, at in submitted.items()]
    backlog = [target.submit()[0] for _ in range(max(50, int(estimate * seconds)))]
    target.hold()
    with running(workers):
        target.release()
        done = target.wait(backlog)
    return Result(
        jobs_per_s=rate(len(backlog), target.first_step(backlog), max(done.values())),
        p50_ms=percentile(latencies, 0.5),
        p99_ms=percentile(latencies, 0.99),
        backlog=len(backlog),
        stream=len(latencies),
    )


# --- DBOS ------------------------------------------------------------------------------------


def measure_dbos(url: str, seconds: float) -> Result:
    """DBOS in a process of its own; a failure becomes the row's note, never a crash."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    try:
        out = subprocess.run(
            [sys.executable, "-m", "engine.dbos_peer", url, str(seconds)],
            env=env,
            capture_output=True,
            text=True,
            timeout=WAIT_LIMIT + 10 * seconds,
        )
    except subprocess.TimeoutExpired:
        return Result(note="DBOS did not finish in time")
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        why = (out.stderr.strip().splitlines() or [f"exit status {out.returncode}"])[-1]
        return Result(note=f"DBOS failed: {why[:160]}")
    return Result.from_json(json.loads(lines[-1]))


# --- The raw commit rate ---------------------------------------------------------------------

_RAW = MetaData()
_COMMITS = Table(
    "bench_commit",
    _RAW,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("value", Integer, nullable=False),
)


def raw_commits(url: str, seconds: float, connections: int) -> float:
    """Committed single-INSERT transactions per second, ``connections`` at a time."""
    engine: Engine = make_engine(url, pool_size=connections)
    _RAW.create_all(engine)
    counts = [0] * connections
    start = threading.Barrier(connections + 1)
    stop = threading.Event()

    def loop(slot: int) -> None:
        statement = insert(_COMMITS)
        with engine.connect() as conn:
            for n in range(50):  # warm-up
                conn.execute(statement, {"value": n})
                conn.commit()
            start.wait()
            while not stop.is_set():
                conn.execute(statement, {"value": slot})
                conn.commit()
                counts[slot] += 1

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    engine.dispose()
    return sum(counts) / elapsed


# --- The run and its table -------------------------------------------------------------------


@dataclass
class Row:
    name: str
    result: Result
    raw: float | None = None
    """Raw commits/s; set on the raw rows only."""


def _guarded(measure: Callable[[], Result]) -> Result:
    """A contender that fails gets its error as the row's note: ``make bench`` goes on."""
    try:
        return measure()
    except Exception as exc:  # any failure is reported in the table, not raised
        return Result(note=f"{type(exc).__name__}: {exc}"[:160])


def _raw_row(name: str, url: str, seconds: float, connections: int) -> Row:
    try:
        return Row(name, Result(), raw=raw_commits(url, seconds, connections))
    except Exception as exc:  # reported in the table, not raised
        return Row(name, Result(note=f"{type(exc).__name__}: {exc}"[:160]))


def _facturo_row(
    name: str, url: str, data_dir: Path, workers: Workers | None, seconds: float
) -> Row:
    """Facturo on one fresh database; ``workers=None`` runs them as threads of this process."""

    def measure() -> Result:
        target = Target.prepare(url, data_dir)
        try:
            return measure_facturo(target, workers or threads_of(target), seconds)
        finally:
            target.close()

    return Row(name, _guarded(measure))


def run(seconds: float, work: Path) -> tuple[dict[str, Row], str]:
    """Every contender, SQLite first, then one durable PostgreSQL cluster for the rest."""
    data_dir = work / "var"
    threads = Settings().worker_threads
    # Each raw rate is measured just before the Facturo row it is compared with: the machine's
    # other load (and its disk's fsync rate) drifts over a run.
    rows = {
        "r-sqlite": _raw_row(
            "raw commits · SQLite · 1 connection", f"sqlite:///{work / 'raw.db'}", seconds, 1
        ),
        "f-sqlite": _facturo_row(
            f"Facturo · SQLite · {threads} worker thread{'s' if threads > 1 else ''} in-process",
            f"sqlite:///{work / 'facturo.db'}",
            data_dir,
            None,
            seconds,
        ),
        "d-sqlite": Row(
            "DBOS · SQLite", measure_dbos(f"sqlite:///{work / 'dbos.sqlite'}", seconds)
        ),
    }
    try:
        server = PostgresServer(durable=True).start()
    except (PostgresUnavailable, subprocess.CalledProcessError) as exc:
        rows["f-pg1"] = Row("Facturo · PostgreSQL", Result(note=f"no PostgreSQL: {exc}"[:160]))
        return rows, "PostgreSQL could not start"
    try:
        raw_url = server.create_database("raw")
        for count in (1, 2):
            name = f"raw commits · PostgreSQL · {count} connection{'s' if count > 1 else ''}"
            rows[f"r-pg{count}"] = _raw_row(name, raw_url, seconds, count)
            url = server.create_database(f"facturo{count}")
            rows[f"f-pg{count}"] = _facturo_row(
                f"Facturo · PostgreSQL · {count} worker process{'es' if count > 1 else ''}",
                url,
                data_dir,
                processes(url, data_dir, count),
                seconds,
            )
        rows["d-pg"] = Row("DBOS · PostgreSQL", measure_dbos(server.dsn("dbos"), seconds))
        version = _pg_version(server)
    finally:
        server.stop()
    return rows, version


def _pg_version(server: PostgresServer) -> str:
    import psycopg

    with psycopg.connect(server.dsn("postgres")) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {str(row[0]).split()[0] if row else '?'}"


def _load() -> str:
    """The machine's load average: other processes on the same cores skew every row."""
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# (row, reference row) pairs behind each ratio, and the goal each one has.
_VERSUS_DBOS = {"f-sqlite": "d-sqlite", "f-pg1": "d-pg", "f-pg2": "d-pg"}
_VERSUS_RAW = {"f-sqlite": "r-sqlite", "f-pg1": "r-pg1", "f-pg2": "r-pg2"}
_ORDER = ("f-sqlite", "d-sqlite", "r-sqlite", "f-pg1", "f-pg2", "d-pg", "r-pg1", "r-pg2")


def _jobs(rows: dict[str, Row], key: str) -> float | None:
    row = rows.get(key)
    return row.result.jobs_per_s if row is not None else None


def _goal(value: float | None, goal: float, text: str) -> str:
    if value is None:
        return ""
    mark = "[green]✓[/]" if value >= goal else "[red]✗[/]"
    return f"{text} {mark}"


def render(rows: dict[str, Row], version: str, seconds: float, load: str) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable

    caption = (
        f"Five no-op steps a job. Facturo jobs are submitted through facturo.transform.jobs "
        f"(service layer); completion is the job row's completed_at, DBOS's the workflow "
        f"handle's future. jobs/s: a backlog sized to ~{seconds:g} s, loaded before Facturo's "
        f"workers start and made due once all are ready (timed first step → last completion; "
        f"DBOS: a burst, first start → last "
        f"completion). p50/p99: a stream paced at half the warm-up rate for {seconds:g} s. "
        f"{version}, durable (fsync, synchronous_commit, full_page_writes on); SQLite WAL, "
        f"synchronous=NORMAL, for all three. Raw rows: one INSERT per COMMIT through "
        f"SQLAlchemy (commits/s in the steps/s column). % raw = steps/s ÷ the raw commits/s "
        f"of the same database and connection count, measured just before. Goals: ≥ 10× "
        f"DBOS, ≥ 50 % raw, 2 workers ≥ 1.7× one. {os.cpu_count()} CPUs; load average "
        f"(1/5/15 min) at the end: {load}."
    )
    table = RichTable(title="Job engine: 5-step no-op jobs", caption=caption)
    for name in ("contender", "jobs/s", "steps/s", "p50 ms", "p99 ms"):
        table.add_column(name, justify="left" if name == "contender" else "right")
    for name in ("× DBOS", "% raw", "2w ÷ 1w", "backlog / stream", "note"):
        table.add_column(name, justify="left" if name == "note" else "right")
    for key in _ORDER:
        row = rows.get(key)
        if row is None:
            continue
        res = row.result
        jobs_s = res.jobs_per_s
        steps = row.raw if row.raw is not None else (jobs_s * STEPS if jobs_s else None)
        cells = [
            row.name,
            f"{jobs_s:,.1f}" if jobs_s else "",
            f"{steps:,.0f}" if steps else "",
            f"{res.p50_ms:,.1f}" if res.p50_ms is not None else "",
            f"{res.p99_ms:,.1f}" if res.p99_ms is not None else "",
        ]
        versus = _jobs(rows, _VERSUS_DBOS.get(key, ""))
        cells.append(
            _goal(jobs_s / versus, 10, f"{jobs_s / versus:,.1f}×") if jobs_s and versus else ""
        )
        raw_row = rows.get(_VERSUS_RAW.get(key, ""))
        raw = raw_row.raw if raw_row is not None else None
        share = jobs_s * STEPS / raw * 100 if jobs_s and raw else None
        cells.append(_goal(share, 50, f"{share:.0f} %") if share else "")
        one = _jobs(rows, "f-pg1")
        cells.append(
            _goal(jobs_s / one, 1.7, f"{jobs_s / one:.2f}×")
            if key == "f-pg2" and jobs_s and one
            else ""
        )
        cells.append(f"{res.backlog} / {res.stream}" if res.backlog else "")
        cells.append(res.note)
        table.add_row(*cells)
    Console(width=200).print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each phase")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="facturo-bench-engine-") as work:
        rows, version = run(args.seconds, Path(work))
    render(rows, version, args.seconds, _load())
    print(f"({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
