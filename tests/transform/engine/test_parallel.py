"""Several workers on one PostgreSQL database: no job runs twice, keys serialise their steps."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from facturo.platform.pgserver import PostgresServer
from facturo.transform.engine.worker import Worker

_databases = iter(range(1_000_000))


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.pg)])
def database_url(pg_server: PostgresServer, pg_template: str) -> str:
    """Only PostgreSQL: SQLite has one writer, so workers there never run side by side."""
    return pg_server.create_database(f"par{next(_databases)}", template=pg_template)


def _run_workers(workers: list[Worker], stop: threading.Event) -> Iterator[threading.Thread]:
    for w in workers:
        thread = threading.Thread(target=w.run_until, args=(stop, 0.01), daemon=True)
        thread.start()
        yield thread


def _until_done(h: Any, job_ids: list[Any], workers: list[Worker]) -> list[dict[str, Any]]:
    stop = threading.Event()
    threads = list(_run_workers(workers, stop))
    try:
        done = threading.Event()
        while not done.wait(0.05):
            docs = [h.job(j) for j in job_ids]
            if all("completed_at" in d for d in docs):
                done.set()
    finally:
        stop.set()
        with h.runtime.jobs_changed:
            h.runtime.jobs_changed.notify_all()
        for thread in threads:
            thread.join(30)
    return docs


def test_two_workers_never_run_one_job_twice(harness: Any) -> None:
    h = harness
    steps = [h.step("test.effect"), h.step("test.noop"), h.step("test.effect")]
    wf = h.workflow(steps)
    job_ids = [h.submit(wf, {"n": str(n)}) for n in range(40)]
    # the real clock: the fake one would never let leases expire, which is what is tested
    workers = [Worker(h.runtime, name=f"w{n}") for n in range(3)]
    docs = _until_done(h, job_ids, workers)
    assert all(d["status"] == "OK" for d in docs)
    expected = {f"{j}:{s['id']}" for j in job_ids for s in (steps[0], steps[2])}
    assert set(h.recorder.effects) == expected
    assert set(h.recorder.effects.values()) == {1}
    assert all(h.events_of(d) == [["RUN", "OK"]] * 3 for d in docs)


def test_different_keys_run_together_and_one_key_never_overlaps(harness: Any) -> None:
    h = harness
    wf = h.workflow([h.step("test.keyed")])
    # two issuers: their steps must meet at the barrier, so they ran at the same time
    h.recorder.barrier = threading.Barrier(2, timeout=20)
    pair = [h.submit(wf, {"issuer": name}) for name in ("A", "B")]
    docs = _until_done(h, pair, [Worker(h.runtime, name=f"w{n}") for n in range(2)])
    assert [d["status"] for d in docs] == ["OK", "OK"]
    assert not h.recorder.barrier.broken
    # one issuer: never two of its steps at once
    h.recorder.barrier = None
    same = [h.submit(wf, {"issuer": "A"}) for _ in range(12)]
    docs = _until_done(h, same, [Worker(h.runtime, name=f"v{n}") for n in range(3)])
    assert all(d["status"] == "OK" for d in docs)
    assert h.recorder.overlaps == 0
