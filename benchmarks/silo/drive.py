"""Closed-loop HTTP load: ``clients`` threads, each one keep-alive connection, for a while.

The client is the standard library's ``http.client``: it costs the machine far less CPU per
request than httpx, and the client shares the machine's cores with the server being measured.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.client import HTTPConnection
from typing import Any

Request = tuple[str, str, bytes | None]
"""Method, path (with query) and body of one request."""


@dataclass
class Sample:
    """What one phase measured; ``statuses`` counts every answer by HTTP status."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else math.nan

    def ms(self, share: float) -> float:
        return percentile(self.latencies, share) * 1000

    @property
    def failures(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a sample; NaN when it is empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def run(
    port: int,
    make: Callable[[int], Request],
    *,
    clients: int,
    seconds: float,
    headers: dict[str, str],
    warmup: int = 20,
) -> Sample:
    """Send ``make(n)`` for n = 0, 1, ... from ``clients`` threads until ``seconds`` pass.

    The first ``warmup`` requests (connections opening, caches filling) are not counted.
    """
    numbers = itertools.count()  # next() on a count is atomic under the GIL
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    warm = HTTPConnection("127.0.0.1", port, timeout=60)
    for n in range(warmup):
        _send(warm, make(-1 - n), headers)
    warm.close()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        conn = HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        codes: dict[int, int] = {}
        while True:  # at least one request, however slow
            started = time.perf_counter()
            status = _send(conn, make(next(numbers)), headers)
            ended = time.perf_counter()
            mine.append(ended - started)
            codes[status] = codes.get(status, 0) + 1
            if ended >= deadline:
                break
        conn.close()
        with lock:
            latencies.extend(mine)
            for status, n in codes.items():
                statuses[status] = statuses.get(status, 0) + n

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Sample(time.perf_counter() - started, latencies, statuses)


def call(port: int, request: Request, headers: dict[str, str]) -> tuple[int, Any]:
    """One request on a connection of its own: the status and the JSON answer."""
    conn = HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        method, path, body = request
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def _send(conn: HTTPConnection, request: Request, headers: dict[str, str]) -> int:
    method, path, body = request
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status
