"""What every contender reports: throughput over a backlog and latency over a paced stream."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Result:
    """One row of the table; ``note`` explains a row that could not be measured."""

    jobs_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    backlog: int = 0
    stream: int = 0
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        return cls(**data)


def rate(count: int, start: float, end: float) -> float:
    """Jobs per second: ``count`` jobs done between ``start`` and ``end`` (epoch seconds)."""
    return count / (end - start) if end > start else math.inf


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]
