"""The crash harness: real worker processes on PostgreSQL, killed with SIGKILL again and again.

The same run is repeated with the database connections dropped instead of the processes.

Two worker processes (``crash_worker.py``, the body of ``facturo worker`` with test providers)
run jobs of four steps (pure, idempotent, pure, reconcile), and jobs of five pure steps (claimed
and committed in batches, so kills land mid-batch), while the harness keeps submitting
jobs and SIGKILLs a random worker at a random moment (inside a step, between a step and its
checkpoint, during a commit), then restarts it. Leases are one second, so the survivor reclaims
the dead worker's job quickly. Afterwards every job must have completed OK with a consistent
history, every idempotent effect must have reached the outside world (duplicates are allowed:
the peer deduplicates by key), and every reconciled effect exactly once.

``FACTURO_CRASH_KILLS`` sets the number of kills (default 10; 200 when ``CI`` is set, as in
`.ci/run`).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from facturo.platform.pgserver import PostgresServer
from facturo.transform.steps.base import Registry, provider
from facturo.transform.tables import JobRow

WORKER = Path(__file__).with_name("crash_worker.py")
KILLS = int(os.environ.get("FACTURO_CRASH_KILLS", "200" if os.environ.get("CI") else "10"))
_databases = iter(range(1_000_000))


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.pg)])
def database_url(pg_server: PostgresServer, pg_template: str) -> str:
    """Only PostgreSQL: several worker processes share it."""
    return pg_server.create_database(f"crash{next(_databases)}", template=pg_template)


class Workers:
    """Worker processes the harness starts, kills and restarts."""

    def __init__(self, env: dict[str, str], count: int, log: Any) -> None:
        self.env = env
        self.log = log
        self.procs = [self._start() for _ in range(count)]
        self.kills = 0

    def _start(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, str(WORKER), "2"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        return proc

    def kill_one(self, rng: random.Random) -> None:
        index = rng.randrange(len(self.procs))
        self.procs[index].send_signal(signal.SIGKILL)
        self.procs[index].wait()
        self.kills += 1
        self.procs[index] = self._start()

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def workers(harness: Any, tmp_path: Path, database_url: str) -> Iterator[Workers]:
    env = {
        **os.environ,
        "FACTURO_DATABASE_URL": database_url,
        "FACTURO_DATA_DIR": str(tmp_path / "worker"),
        "FACTURO_WORKER_LEASE_SECONDS": "1",
        "FACTURO_WORKER_POLL_SECONDS": "0.05",
        "FACTURO_LOG_JSON": "false",
        "CRASH_EFFECTS": str(tmp_path / "effects.log"),
    }
    with (tmp_path / "workers.log").open("w") as log:
        handle = Workers(env, 2, log)
        yield handle
        handle.stop()


def _pending(h: Any) -> int:
    with h.runtime.uow() as uow:
        return len(
            list(uow.session.scalars(select(JobRow.id).where(JobRow.completed_at.is_(None))))
        )


def _drop_connections(h: Any) -> None:
    """Terminate every other session on the database: the workers' connections drop mid-work."""
    with h.runtime.engine.connect() as conn:
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        conn.commit()
    h.runtime.engine.dispose()  # the harness's own pooled connections were dropped too


@pytest.mark.timeout(max(300, KILLS * 6))  # about 1.5 s a kill, with room for a loaded runner
@pytest.mark.parametrize("fault", ["sigkill", "connection_drop"])
def test_killed_workers_lose_no_job_and_repeat_no_effect(
    harness: Any, workers: Workers, tmp_path: Path, fault: str
) -> None:
    h = harness

    def unused(ctx: Any, config: Any) -> Any:
        raise AssertionError("runs in the worker processes")

    actions = ("crash.pure", "crash.idempotent", "crash.reconcile")
    h.runtime.registry = Registry.of(*(provider(a)(unused) for a in actions))
    steps = [h.step(a) for a in ("crash.pure", "crash.idempotent", "crash.pure", "crash.reconcile")]
    workflow_id = h.workflow(steps)
    # jobs of PURE steps only are claimed and committed in batches: a kill lands mid-batch too
    pure_steps = [h.step("crash.pure") for _ in range(5)]
    pure_workflow = h.workflow(pure_steps)
    rng = random.Random(20261122)
    job_ids: list[uuid.UUID] = []
    pure_ids: list[uuid.UUID] = []
    faults = 0
    while faults < KILLS:
        job_ids += [h.submit(workflow_id, {"n": str(len(job_ids) + n)}) for n in range(8)]
        pure_ids += [h.submit(pure_workflow, {"n": str(len(pure_ids) + n)}) for n in range(16)]
        time.sleep(rng.uniform(0.02, 0.4))
        if fault == "sigkill":
            workers.kill_one(rng)
        else:
            _drop_connections(h)
        faults += 1
    # Let the backlog drain: fail only if no job completes for a whole minute (a stall), so
    # the check holds for 10 kills on a quiet machine and 200 on a loaded CI runner alike.
    left, stalled_since = _pending(h), time.monotonic()
    while left and time.monotonic() - stalled_since < 60:
        time.sleep(0.5)
        now_left = _pending(h)
        if now_left < left:
            left, stalled_since = now_left, time.monotonic()
    assert _pending(h) == 0

    effects = Counter((tmp_path / "effects.log").read_text().split())
    for job_id in job_ids:
        doc = h.job(job_id)
        assert doc["status"] == "OK", doc
        assert [i["step_id"] for i in doc["intents"]] == [s["id"] for s in steps]
        for intent in doc["intents"]:
            statuses = [e["status"] for e in intent["events"]]
            assert statuses[-1] == "OK", statuses
            assert set(statuses[:-1]) <= {"RUN"}, statuses
            assert [e["index"] for e in intent["events"]] == list(range(len(statuses)))
            if intent["provider"] == "crash.pure":  # RUN and OK are written together
                assert statuses == ["RUN", "OK"]
        assert effects[f"{job_id}:{steps[1]['id']}"] >= 1  # idempotent: the peer dedups
        assert effects[f"{job_id}:{steps[3]['id']}"] == 1  # reconciled: exactly once
    expected = {f"{j}:{steps[k]['id']}" for j in job_ids for k in (1, 3)}
    assert set(effects) == expected
    for job_id in pure_ids:  # each step recorded once, as run once: nothing lost, no duplicate
        doc = h.job(job_id)
        assert doc["status"] == "OK", doc
        assert [i["step_id"] for i in doc["intents"]] == [s["id"] for s in pure_steps]
        assert all([e["status"] for e in i["events"]] == ["RUN", "OK"] for i in doc["intents"])
