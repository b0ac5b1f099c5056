"""When to run a step again after ERR, QUEUED or an exception, and when to give up. PURE.

A step that returns ERR ("try again"), QUEUED ("more time", spec §3.4) or raises an exception
the worker classified as transient is not a planner decision (``engine.plan``); the worker asks a
:class:`RetryPolicy` and either schedules the step again after a delay or records a final KO.
Nothing here reads the clock or a global random generator: the caller passes the attempt count,
the elapsed time and a random source, so every decision is reproducible in a table test.

**Backoff: exponential, with decorrelated jitter by default** (Brooker, "Exponential Backoff
And Jitter", AWS Architecture Blog, 2015). The delay after a failure is
``min(cap, uniform(base, previous * 3))``, starting from ``base``. Why not full jitter
(``uniform(0, min(cap, base * 2**n))``), which does as well at spreading load:

- full jitter can draw a delay near zero, a retry "faster than the policy"; decorrelated jitter
  never goes below ``base``, so a step failing against AEAT or a webhook receiver cannot spin;
- after an outage of a shared dependency (AEAT down for an hour) thousands of jobs fail
  together; decorrelated jitter spreads them like full jitter does, instead of the synchronised
  waves of plain exponential backoff;
- its only state is the previous delay, which the worker has anyway (it scheduled it).

``Jitter.FULL`` (drawn from ``[base, ceiling]``, so still never below ``base``) and
``Jitter.NONE`` (exact ``base * 2**(n-1)`` capped, e.g. the webhook schedule of spec §4) are there
for policies that need a predictable schedule.

Rules that hold for every policy:

- a provider's ``retry_in`` is honoured: that delay is used, raised to ``base`` if lower and never
  capped (a SDI send may ask for 24 h, spec §3.7.6); only the time budget bounds it;
- the total is bounded: ``max_attempts`` (runs of the step, the first one included) and/or
  ``max_total`` (seconds since the first attempt started); a policy must set at least one;
- a retry that would start after ``max_total`` is not scheduled: the step gives up now;
- a code in ``non_retryable_codes`` gives up at once (e.g. an AEAT code that a re-send cannot
  fix), whatever the kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class FailureKind(StrEnum):
    """What happened to the attempt, as the worker classified it."""

    ERR = "ERR"  # the provider returned ERR: recoverable, try again
    QUEUED = "QUEUED"  # the provider asked for more time; not a failure, but a re-run
    EXCEPTION = "exception"  # the provider raised a transient error (e.g. connection refused)


class GiveUpReason(StrEnum):
    """Why the policy stopped retrying; the worker records a KO with this as its code."""

    ATTEMPTS = "retry.attempts"  # max_attempts runs made
    DEADLINE = "retry.deadline"  # the next run would start after max_total
    NON_RETRYABLE = "retry.non_retryable"  # the code is one a retry cannot fix


class Jitter(StrEnum):
    """How the delay is randomised."""

    DECORRELATED = "decorrelated"  # min(cap, uniform(base, previous * 3))
    FULL = "full"  # uniform(base, min(cap, base * 2**(n-1)))
    NONE = "none"  # min(cap, base * 2**(n-1)), exactly


class RandomSource(Protocol):
    """The random source, e.g. ``random.Random`` (seeded in tests, ``SystemRandom`` in use)."""

    def uniform(self, a: float, b: float, /) -> float: ...


@dataclass(frozen=True, slots=True)
class Failure:
    """The attempt that just ended without a final result.

    ``retry_in`` is the provider's hint in seconds (spec §3.4), if it gave one.
    """

    kind: FailureKind
    code: str = ""
    retry_in: float | None = None


@dataclass(frozen=True, slots=True)
class Retry:
    """Run the step again after ``delay`` seconds."""

    delay: float


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop retrying; the step ends KO."""

    reason: GiveUpReason


RetryDecision = Retry | GiveUp


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """A step's retry rules; times are in seconds.

    ``max_attempts`` counts runs of the step, the first one included; QUEUED re-runs count too,
    so a polling step (``verifactu.wait.approval``) sets it to None and relies on ``max_total``.
    """

    max_attempts: int | None = 5
    base: float = 5.0
    cap: float = 300.0
    jitter: Jitter = Jitter.DECORRELATED
    max_total: float | None = None
    non_retryable_codes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.max_attempts is None and self.max_total is None:
            raise ValueError("a retry policy needs max_attempts or max_total")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("max_attempts counts the first run, so it is at least 1")
        if not 0 < self.base <= self.cap:
            raise ValueError("need 0 < base <= cap")

    def decide(
        self,
        failure: Failure,
        *,
        attempts: int,
        elapsed: float,
        random: RandomSource,
        previous_delay: float | None = None,
    ) -> RetryDecision:
        """Retry after a delay, or give up.

        ``attempts`` is how many times the step has run, this one included (1 after the first
        failure); ``elapsed`` the seconds since the first run started; ``previous_delay`` the
        delay scheduled before this run (None after the first run), used by decorrelated jitter.
        """
        if attempts < 1:
            raise ValueError("attempts counts the run that just ended, so it is at least 1")
        if failure.code and failure.code in self.non_retryable_codes:
            return GiveUp(GiveUpReason.NON_RETRYABLE)
        if self.max_attempts is not None and attempts >= self.max_attempts:
            return GiveUp(GiveUpReason.ATTEMPTS)
        if failure.retry_in is not None:
            delay = max(self.base, failure.retry_in)
        else:
            delay = self.backoff(attempts, random=random, previous_delay=previous_delay)
        if self.max_total is not None and elapsed + delay > self.max_total:
            return GiveUp(GiveUpReason.DEADLINE)
        return Retry(delay)

    def backoff(
        self, attempts: int, *, random: RandomSource, previous_delay: float | None = None
    ) -> float:
        """The delay before run ``attempts + 1`` by this policy's jitter; within [base, cap]."""
        ceiling = min(self.cap, self.base * 2.0 ** min(attempts - 1, 64))
        if self.jitter is Jitter.NONE:
            return ceiling
        if self.jitter is Jitter.FULL:
            return random.uniform(self.base, ceiling)
        previous = self.base if previous_delay is None else max(self.base, previous_delay)
        return min(self.cap, random.uniform(self.base, previous * 3))


WEBHOOK_RETRY = RetryPolicy(
    max_attempts=None, base=5.0, cap=1800.0, jitter=Jitter.NONE, max_total=12 * 3600.0
)
"""The Send Webhook schedule of spec §4: 5 s doubling to 1,280 s, then every 30 min, for 12 h."""
