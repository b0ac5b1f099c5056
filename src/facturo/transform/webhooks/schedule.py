"""When to try a webhook again, per the contract's schedule (spec §4). PURE: no clock, no I/O.

- Success is ``200`` or ``204``; any other answer, or no answer, is a failed attempt.
- After failed attempt ``n`` the next one waits ``5 s * 2**(n-1)``: 5, 10, 20 … 1,280 s, then
  every 30 min (``WEBHOOK_RETRY`` of ``engine.retry`` with no jitter, capped at 1,800 s).
- No attempt is scheduled later than 12 h after the first one: the delivery fails instead.
- A reply whose JSON body holds ``retry_in`` (seconds), e.g.
  ``{"code":"503","message":"Service Unavailable","retry_in":20}``, sets the wait before the
  next attempt instead, at most :data:`MAX_RETRY_IN` times; the next such reply fails the
  delivery. The wait is raised to the schedule's base (5 s) so a receiver cannot make us spin,
  and the 12 h bound still holds: both limits apply, as they do for the step, whose engine policy
  stops at 12 h too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from facturo.transform.engine.retry import WEBHOOK_RETRY

SUCCESS_CODES = frozenset({200, 204})
MAX_RETRY_IN = 32
DEADLINE = timedelta(seconds=WEBHOOK_RETRY.max_total or 12 * 3600.0)
BASE = WEBHOOK_RETRY.base


class _Exact:
    """The random source ``RetryPolicy.backoff`` asks for; the webhook schedule draws nothing."""

    def uniform(self, a: float, b: float, /) -> float:  # pragma: no cover - jitter is NONE
        raise AssertionError("the webhook schedule has no jitter")


@dataclass(frozen=True, slots=True)
class Next:
    """The next attempt is due ``delay`` seconds after the one that just failed."""

    at: datetime
    delay: float
    by_retry_in: bool


@dataclass(frozen=True, slots=True)
class Stop:
    """No attempt is left."""

    reason: str  # "deadline" (12 h) or "retry_in" (32 receiver-set waits used)


def is_success(status_code: int | None) -> bool:
    return status_code in SUCCESS_CODES


def retry_in_of(body: bytes | str | None) -> float | None:
    """The receiver's ``retry_in`` (a positive number, or a string of one), if its body has it."""
    if not body:
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    raw = data.get("retry_in")
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    if not value > 0 or value == float("inf"):
        return None
    return value


def after_failure(
    *,
    started_at: datetime,
    attempts: int,
    retry_in_used: int,
    now: datetime,
    retry_in: float | None,
) -> Next | Stop:
    """Schedule the attempt after a failed one.

    ``started_at`` is when the first attempt (of this schedule) ran, ``attempts`` how many have
    run including the one that just failed, ``retry_in_used`` how many waits receivers set
    before this one, ``now`` when the failed attempt ran.
    """
    if attempts < 1:
        raise ValueError("attempts counts the attempt that just failed, so it is at least 1")
    if retry_in is not None:
        if retry_in_used >= MAX_RETRY_IN:
            return Stop("retry_in")
        delay = max(BASE, retry_in)
    else:
        delay = WEBHOOK_RETRY.backoff(attempts, random=_Exact())
    if delay > DEADLINE.total_seconds():
        return Stop("deadline")
    at = now + timedelta(seconds=delay)
    if at > started_at + DEADLINE:
        return Stop("deadline")
    return Next(at=at, delay=delay, by_retry_in=retry_in is not None)
