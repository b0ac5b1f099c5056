"""The contract's retry schedule (spec §4), as a table: no database, no clock."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from facturo.transform.webhooks.schedule import (
    MAX_RETRY_IN,
    Next,
    Stop,
    after_failure,
    is_success,
    retry_in_of,
)

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [
        *[(1, 5), (2, 10), (3, 20), (4, 40), (5, 80), (6, 160), (7, 320), (8, 640), (9, 1280)],
        *[(10, 1800), (11, 1800), (20, 1800)],
    ],
)
def test_backoff_doubles_from_5_s_to_1280_s_then_every_30_min(attempts: int, delay: int) -> None:
    decision = after_failure(
        started_at=T0, attempts=attempts, retry_in_used=0, now=T0, retry_in=None
    )
    assert decision == Next(at=T0 + timedelta(seconds=delay), delay=delay, by_retry_in=False)


def test_no_attempt_is_scheduled_past_12_h_after_the_first() -> None:
    last = T0 + timedelta(hours=12) - timedelta(seconds=1800)
    assert isinstance(
        after_failure(started_at=T0, attempts=20, retry_in_used=0, now=last, retry_in=None), Next
    )
    late = last + timedelta(seconds=1)
    assert after_failure(
        started_at=T0, attempts=21, retry_in_used=0, now=late, retry_in=None
    ) == Stop("deadline")


def test_retry_in_sets_the_wait_until_used_32_times() -> None:
    decision = after_failure(started_at=T0, attempts=1, retry_in_used=0, now=T0, retry_in=20)
    assert decision == Next(at=T0 + timedelta(seconds=20), delay=20, by_retry_in=True)
    used_up = after_failure(
        started_at=T0, attempts=33, retry_in_used=MAX_RETRY_IN, now=T0, retry_in=20
    )
    assert used_up == Stop("retry_in")
    assert MAX_RETRY_IN == 32


def test_retry_in_is_raised_to_the_5_s_base_and_bounded_by_the_deadline() -> None:
    fast = after_failure(started_at=T0, attempts=1, retry_in_used=0, now=T0, retry_in=0.5)
    assert isinstance(fast, Next)
    assert fast.delay == 5
    far = after_failure(started_at=T0, attempts=1, retry_in_used=0, now=T0, retry_in=1e12)
    assert far == Stop("deadline")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"code":"503","message":"Service Unavailable","retry_in":20}', 20.0),
        (b'{"retry_in":"7.5"}', 7.5),
        (b'{"retry_in":0}', None),
        (b'{"retry_in":-3}', None),
        (b'{"retry_in":true}', None),
        (b'{"retry_in":"soon"}', None),
        (b"[20]", None),
        (b"not json", None),
        (b"", None),
    ],
)
def test_retry_in_is_read_from_a_json_reply(body: bytes, expected: float | None) -> None:
    assert retry_in_of(body) == expected


@pytest.mark.parametrize(("code", "ok"), [(200, True), (204, True), (201, False), (202, False)])
def test_only_200_and_204_count_as_delivered(code: int, ok: bool) -> None:
    assert is_success(code) is ok
    assert is_success(None) is False


def test_the_schedule_imports_no_io_layer() -> None:
    # A fresh interpreter: this test process has loaded the database and web layers already.
    program = (
        "import sys\nimport facturo.transform.webhooks.schedule\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'fastapi', 'starlette', 'httpx') or m.startswith('facturo.platform')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
