"""DBOS running the same five no-op steps, in a process of its own; prints one JSON result.

Run as ``python -m engine.dbos_peer URL SECONDS`` with ``benchmarks/`` on ``PYTHONPATH``. DBOS
keeps one global instance per process (its registry, executor threads and queue pollers), so each
database gets a fresh process. Workflows start with ``DBOS.start_workflow``, DBOS's direct path:
the status row is written and the workflow runs at once on DBOS's executor threads, each step
checkpointed to the system database. A workflow is complete when its handle's future resolves
(after DBOS stored its result), stamped by a callback: the status row's ``updated_at`` has only
whole seconds on SQLite under Python 3.11.

On SQLite DBOS gets an engine with the pragmas Facturo's own SQLite uses (WAL,
``synchronous=NORMAL``, a busy timeout), so both pay the same per commit.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dbos import DBOS, DBOSConfig, WorkflowHandle

from engine.stats import Result, percentile, rate

STEPS = 5
WARMUP = 30


@DBOS.step()
def noop(n: int) -> int:
    return n


@DBOS.workflow()
def five_steps() -> int:
    for n in range(STEPS):
        noop(n)
    return STEPS


def _sqlite_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def _start(submitted: dict[str, float], done: dict[str, float]) -> WorkflowHandle[int]:
    """Start one workflow; stamp its completion when its future resolves.

    ``start_workflow`` answers a handle over a ``concurrent.futures.Future`` when the workflow
    runs in this process (always here); the handle protocol does not name it, hence getattr.
    """
    at = time.time()
    handle = DBOS.start_workflow(five_steps)
    workflow_id = handle.get_workflow_id()
    submitted[workflow_id] = at
    future = getattr(handle, "future", None)
    if future is None:
        raise RuntimeError("this DBOS version gives no future to observe completion with")
    future.add_done_callback(lambda _: done.__setitem__(workflow_id, time.time()))
    return handle


def _batch(count: int) -> tuple[float, dict[str, float]]:
    """Start ``count`` workflows at once and wait for them: first start, completion times."""
    submitted: dict[str, float] = {}
    done: dict[str, float] = {}
    handles = [_start(submitted, done) for _ in range(count)]
    for handle in handles:
        handle.get_result()
    return min(submitted.values()), _settled(done, count)


def _settled(done: dict[str, float], count: int) -> dict[str, float]:
    """``done`` once every callback ran (they run on DBOS's threads, just after the result)."""
    deadline = time.monotonic() + 5
    while len(done) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return dict(done)


def measure(seconds: float) -> Result:
    started = time.monotonic()
    _batch(WARMUP)
    estimate = WARMUP / (time.monotonic() - started)
    # Latency: a stream paced at half the warm-up rate.
    pace = estimate / 2
    submitted: dict[str, float] = {}
    done: dict[str, float] = {}
    handles: list[WorkflowHandle[int]] = []
    begin = time.monotonic()
    while time.monotonic() - begin < seconds:
        delay = begin + len(handles) / pace - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        handles.append(_start(submitted, done))
    for handle in handles:
        handle.get_result()
    finished = _settled(done, len(handles))
    latencies = [(finished[i] - at) * 1000 for i, at in submitted.items() if i in finished]
    # Throughput: a burst sized to last about ``seconds``, from its first start to its last
    # completion (DBOS starts running a workflow as it stores it, so the burst is the backlog).
    backlog = max(50, int(estimate * seconds))
    first, completed = _batch(backlog)
    return Result(
        jobs_per_s=rate(len(completed), first, max(completed.values())),
        p50_ms=percentile(latencies, 0.5),
        p99_ms=percentile(latencies, 0.99),
        backlog=backlog,
        stream=len(latencies),
    )


def main(url: str, seconds: float) -> Result:
    config: DBOSConfig = {"name": "facturo-bench", "log_level": "WARNING"}
    if url.startswith("sqlite"):
        config["system_database_url"] = url
        config["system_database_engine"] = _sqlite_engine(url)
    else:
        config["system_database_url"] = url
    DBOS(config=config)
    DBOS.launch()
    try:
        return measure(seconds)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else ""
    if not target:
        target = f"sqlite:///{Path(tempfile.mkdtemp(prefix='dbos-bench-')) / 'dbos.sqlite'}"
    result = main(target, float(sys.argv[2]) if len(sys.argv) > 2 else 3.0)
    print(json.dumps(result.to_json()), flush=True)
