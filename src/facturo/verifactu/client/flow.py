"""Flow control per taxpayer: batches of up to 1,000 records, ``TiempoEsperaEnvio`` between them.

Orden HAC/1177/2024 art. 16.2 [SWEB §6.4.4.1; spec §9.5]: the wait ``t`` starts at 60 s and
every reply carries a new value; the next message may go when ``t`` seconds have passed since
the previous one **or** when 1,000 records (the most one message holds) are waiting, whichever
comes first. The first message of a taxpayer goes at once.

Choices where the AEAT is silent, all on the side of never sending early:

- ``t`` is counted from the moment the reply arrived, not from when the request left: the
  reply comes later, so the wait is never shorter than the AEAT's own count.
- A message that got no reply (lost reply, SOAP Fault) counts as sent, with the last known
  ``t``: the AEAT may well have counted it. One that never left (connect failure) does not.
- State is kept per taxpayer NIF [spec §9.5 reads it per installation, taxpayer and endpoint;
  one :class:`Pacer` serves one endpoint]. Each NIF has its own lock, held while its message
  is in flight, so a taxpayer's messages go one at a time and in order, and one taxpayer
  waiting never holds up another.

The clock is a parameter (:class:`Clock`), so tests drive the waits without sleeping.
The state lives in memory: a process that starts again starts with no previous message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Final, Protocol, TypeVar

from facturo.verifactu.messages import MAX_RECORDS_PER_MESSAGE

#: The initial wait between messages, in seconds [ORDEN art. 16.2].
INITIAL_WAIT: Final = 60.0

T = TypeVar("T")


class Clock(Protocol):
    """A monotonic clock that can wait."""

    def monotonic(self) -> float:
        """Seconds since an arbitrary, fixed origin; never goes back."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for ``seconds``."""
        ...


class SystemClock:
    """The process's monotonic clock and ``time.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def batches(items: Sequence[T], size: int = MAX_RECORDS_PER_MESSAGE) -> list[Sequence[T]]:
    """Cut ``items`` into consecutive runs of at most ``size``, keeping their order."""
    if not 1 <= size <= MAX_RECORDS_PER_MESSAGE:
        raise ValueError(f"a message holds 1 to {MAX_RECORDS_PER_MESSAGE} records, not {size}")
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass(slots=True)
class _Issuer:
    lock: threading.Lock = field(default_factory=threading.Lock)
    wait: float = INITIAL_WAIT
    next_at: float | None = None  # None: nothing sent yet


class Turn:
    """One taxpayer's right to send one message; tell it what came back."""

    def __init__(self, pacer: Pacer, state: _Issuer) -> None:
        self._pacer = pacer
        self._state = state

    def replied(self, tiempo_espera_envio: float) -> None:
        """The AEAT answered and asked for ``tiempo_espera_envio`` seconds before the next."""
        self._state.wait = float(tiempo_espera_envio)
        self._state.next_at = self._pacer.clock.monotonic() + self._state.wait

    def sent_without_reply(self) -> None:
        """The message may have been counted by the AEAT but no wait came back."""
        self._state.next_at = self._pacer.clock.monotonic() + self._state.wait

    def hold(self, seconds: float) -> None:
        """The AEAT asked for ``seconds`` before the next message (a ``Retry-After``)."""
        self._state.next_at = max(
            self._state.next_at or 0.0, self._pacer.clock.monotonic() + seconds
        )


class Pacer:
    """Flow control for every taxpayer sending through one endpoint; thread-safe."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        initial_wait: float = INITIAL_WAIT,
        batch_limit: int = MAX_RECORDS_PER_MESSAGE,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.initial_wait = initial_wait
        self.batch_limit = batch_limit
        self._issuers: dict[str, _Issuer] = {}
        self._guard = threading.Lock()

    def _issuer(self, nif: str) -> _Issuer:
        with self._guard:
            state = self._issuers.get(nif)
            if state is None:
                state = self._issuers[nif] = _Issuer(wait=self.initial_wait)
            return state

    def delay(self, nif: str, pending: int) -> float:
        """Seconds before ``nif`` may send with ``pending`` records waiting (0: now)."""
        return self._delay(self._issuer(nif), pending)

    def _delay(self, state: _Issuer, pending: int) -> float:
        if state.next_at is None or pending >= self.batch_limit:
            return 0.0
        return max(0.0, state.next_at - self.clock.monotonic())

    def wait_seconds(self, nif: str) -> float:
        """The current ``t`` of ``nif``: the last TiempoEsperaEnvio, or the initial 60 s."""
        return self._issuer(nif).wait

    @contextmanager
    def turn(self, nif: str, pending: int) -> Iterator[Turn]:
        """Wait until ``nif`` may send a message while ``pending`` records are waiting.

        Holds the taxpayer's lock until the block ends, so call :meth:`Turn.replied` or
        :meth:`Turn.sent_without_reply` inside it. Other taxpayers are not held up.
        """
        state = self._issuer(nif)
        with state.lock:
            while (seconds := self._delay(state, pending)) > 0:
                self.clock.sleep(seconds)
            yield Turn(self, state)


__all__ = ["INITIAL_WAIT", "Clock", "Pacer", "SystemClock", "Turn", "batches"]
