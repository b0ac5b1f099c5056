"""The retry policy: table tests with a seeded random source."""

from __future__ import annotations

import random

import pytest

from facturo.transform.engine.retry import (
    WEBHOOK_RETRY,
    Failure,
    FailureKind,
    GiveUp,
    GiveUpReason,
    Jitter,
    Retry,
    RetryDecision,
    RetryPolicy,
)

ERR = Failure(FailureKind.ERR)
EXC = Failure(FailureKind.EXCEPTION)


def _rng() -> random.Random:
    return random.Random(20260430)


# The Send Webhook schedule of spec §4: 5 s doubling to 1,280 s, then every 30 min.
WEBHOOK_SCHEDULE = [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1800, 1800, 1800]


@pytest.mark.parametrize(("attempts", "delay"), list(enumerate(WEBHOOK_SCHEDULE, start=1)))
def test_webhook_schedule(attempts: int, delay: float) -> None:
    decision = WEBHOOK_RETRY.decide(ERR, attempts=attempts, elapsed=0.0, random=_rng())
    assert decision == Retry(delay)


def test_webhook_gives_up_after_twelve_hours() -> None:
    hours_12 = 12 * 3600.0
    ok = WEBHOOK_RETRY.decide(ERR, attempts=20, elapsed=hours_12 - 1800, random=_rng())
    late = WEBHOOK_RETRY.decide(ERR, attempts=20, elapsed=hours_12 - 1799, random=_rng())
    assert ok == Retry(1800)
    assert late == GiveUp(GiveUpReason.DEADLINE)


POLICY = RetryPolicy(
    max_attempts=4, base=2.0, cap=60.0, max_total=600.0, non_retryable_codes=frozenset({"4102"})
)

TABLE: list[tuple[str, Failure, int, float, RetryDecision]] = [
    ("first ERR retries", ERR, 1, 0.0, Retry(2.0 * 1)),
    ("exception retries like ERR", EXC, 2, 3.0, Retry(4.0)),
    ("last attempt gives up", ERR, 4, 30.0, GiveUp(GiveUpReason.ATTEMPTS)),
    ("beyond the last attempt gives up", ERR, 9, 30.0, GiveUp(GiveUpReason.ATTEMPTS)),
    (
        "non-retryable code gives up at once",
        Failure(FailureKind.ERR, "4102"),
        1,
        0.0,
        GiveUp(GiveUpReason.NON_RETRYABLE),
    ),
    ("other codes retry", Failure(FailureKind.ERR, "3500"), 1, 0.0, Retry(2.0)),
    ("retry_in is honoured", Failure(FailureKind.QUEUED, retry_in=20), 1, 0.0, Retry(20.0)),
    (
        "retry_in beyond the cap is honoured",
        Failure(FailureKind.QUEUED, retry_in=300),
        1,
        0.0,
        Retry(300.0),
    ),
    (
        "retry_in below base is raised to base",
        Failure(FailureKind.ERR, retry_in=0),
        1,
        0.0,
        Retry(2.0),
    ),
    (
        "retry_in past the deadline gives up",
        Failure(FailureKind.QUEUED, retry_in=86400),
        1,
        0.0,
        GiveUp(GiveUpReason.DEADLINE),
    ),
    ("backoff past the deadline gives up", ERR, 3, 599.0, GiveUp(GiveUpReason.DEADLINE)),
]


@pytest.mark.parametrize(
    ("failure", "attempts", "elapsed", "expected"),
    [t[1:] for t in TABLE],
    ids=[t[0] for t in TABLE],
)
def test_decide(failure: Failure, attempts: int, elapsed: float, expected: RetryDecision) -> None:
    policy = RetryPolicy(
        max_attempts=POLICY.max_attempts,
        base=POLICY.base,
        cap=POLICY.cap,
        jitter=Jitter.NONE,
        max_total=POLICY.max_total,
        non_retryable_codes=POLICY.non_retryable_codes,
    )
    assert policy.decide(failure, attempts=attempts, elapsed=elapsed, random=_rng()) == expected


def test_decorrelated_delays_stay_within_base_cap_and_three_times_the_last() -> None:
    rng = _rng()
    policy = RetryPolicy(max_attempts=None, base=1.0, cap=100.0, max_total=1e9)
    previous: float | None = None
    delays = []
    for attempts in range(1, 500):
        decision = policy.decide(
            ERR, attempts=attempts, elapsed=0.0, random=rng, previous_delay=previous
        )
        assert isinstance(decision, Retry)
        assert 1.0 <= decision.delay <= 100.0
        assert decision.delay <= 3 * (previous or 1.0)
        delays.append(decision.delay)
        previous = decision.delay
    below_cap = [d for d in delays if d < 100.0]
    assert len(set(below_cap)) == len(below_cap) > 100  # jittered, not a fixed schedule
    assert len(below_cap) < len(delays)  # and it does reach the cap


def test_decorrelated_delays_are_reproducible_with_a_seed() -> None:
    def run() -> list[float]:
        rng = _rng()
        policy = RetryPolicy(max_attempts=10)
        previous: float | None = None
        out = []
        for attempts in range(1, 10):
            decision = policy.decide(
                ERR, attempts=attempts, elapsed=0.0, random=rng, previous_delay=previous
            )
            assert isinstance(decision, Retry)
            out.append(decision.delay)
            previous = decision.delay
        return out

    assert run() == run()


def test_first_decorrelated_delay_is_between_base_and_three_base() -> None:
    policy = RetryPolicy(base=5.0, cap=300.0)
    for seed in range(200):
        decision = policy.decide(ERR, attempts=1, elapsed=0.0, random=random.Random(seed))
        assert isinstance(decision, Retry)
        assert 5.0 <= decision.delay <= 15.0


@pytest.mark.parametrize("attempts", [1, 2, 3, 6, 10])
def test_full_jitter_stays_between_base_and_the_exponential_ceiling(attempts: int) -> None:
    policy = RetryPolicy(max_attempts=None, base=2.0, cap=50.0, jitter=Jitter.FULL, max_total=1e6)
    ceiling = min(50.0, 2.0 * 2 ** (attempts - 1))
    rng = _rng()
    draws = [policy.backoff(attempts, random=rng) for _ in range(200)]
    assert all(2.0 <= d <= ceiling for d in draws)


def test_huge_attempt_counts_do_not_overflow() -> None:
    policy = RetryPolicy(max_attempts=None, base=1.0, cap=10.0, jitter=Jitter.NONE, max_total=1e9)
    assert policy.backoff(10_000, random=_rng()) == 10.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": None, "max_total": None},
        {"max_attempts": 0},
        {"base": 0.0},
        {"base": 10.0, "cap": 5.0},
    ],
)
def test_unbounded_or_nonsense_policies_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"max_attempts|base"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_attempts_start_at_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        POLICY.decide(ERR, attempts=0, elapsed=0.0, random=_rng())
