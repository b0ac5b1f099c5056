"""UUID versions the Invopop contract cares about (RFC 9562).

Python 3.11's ``uuid`` module has no version 7, and the contract requires time-based ids
(v1 or v7) for jobs and for documents in time-bound folders. ``uuid7`` here is monotonic within
one process: ids made in the same millisecond still sort in creation order, which keeps cursor
pagination stable.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime


class Uuid7Factory:
    """Makes UUID v7s: 48-bit Unix milliseconds, then a 12-bit counter and random bits.

    The counter keeps ids of one millisecond in creation order, and a clock that steps back
    never makes an id sort before one already given. State is per factory, so a test with its
    own clock cannot disturb the process's ids.
    """

    def __init__(self, clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000) -> None:
        self._clock_ms = clock_ms
        self._lock = threading.Lock()
        self._last_ms = 0
        self._seq = 0

    def __call__(self) -> uuid.UUID:
        with self._lock:
            ms = self._clock_ms()
            if ms <= self._last_ms:
                ms = self._last_ms
                self._seq += 1
                if self._seq > 0xFFF:  # counter exhausted: borrow the next millisecond
                    ms += 1
                    self._seq = 0
            else:
                self._seq = int.from_bytes(os.urandom(2), "big") & 0x3FF  # leave headroom
            self._last_ms = ms
            seq = self._seq
        rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        value = (ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76
        value |= seq << 64
        value |= 0b10 << 62
        value |= rand
        return uuid.UUID(int=value)


uuid7 = Uuid7Factory()
"""The process's UUID v7 source."""


def timestamp_of(value: uuid.UUID) -> datetime | None:
    """When a time-based UUID (v1 or v7) was made; ``None`` for other versions."""
    if value.version == 7:
        return datetime.fromtimestamp((value.int >> 80) / 1000, tz=UTC)
    if value.version == 1:
        # 100-ns intervals since 1582-10-15, the Gregorian reform.
        return datetime.fromtimestamp((value.time - 0x01B21DD213814000) / 1e7, tz=UTC)
    return None


def is_time_based(value: uuid.UUID) -> bool:
    return value.version in (1, 7)
