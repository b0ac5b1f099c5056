"""Fault injection: make the next SOAP calls fail the ways the real service and network do.

A client must survive each of these without losing a record or sending one twice, and each
one sits on a different side of "did the AEAT store it?" (httpx's split between errors where
the request never arrived and errors where it may have):

- ``latency``: answer normally, ``seconds`` late.
- ``http_error``: answer HTTP ``status`` (default 503; 429 as well) without processing; nothing
  stored. Like a proxy in front of the AEAT failing.
- ``soap_fault``: answer an ``env:Server`` SOAP Fault without processing; nothing stored. The
  AEAT's "resend the same message" [spec §9.4].
- ``timeout``: hold the reply ``seconds`` (longer than the client waits). With ``commit`` the
  message is processed and stored first, so the client times out on a send that did arrive;
  without it nothing is stored and a Server fault comes after the hold.
- ``drop``: process and store, then close the connection before any byte of the body (the
  status line and headers are sent): a lost reply.
- ``truncate``: process and store, then send only the first half of the reply body and close.

Faults queue up; each SOAP call takes the first pending one whose ``operation`` matches
(``RegFactu``, ``Consulta`` or any) and uses one of its ``count``.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Literal

Operation = Literal["RegFactu", "Consulta"]


class FaultKind(StrEnum):
    """How the next call fails."""

    LATENCY = "latency"  # answer normally, late
    HTTP_ERROR = "http_error"  # HTTP 5xx, nothing processed
    SOAP_FAULT = "soap_fault"  # env:Server fault, nothing processed
    TIMEOUT = "timeout"  # hold the reply past the client's timeout
    DROP = "drop"  # store, then close before the body
    TRUNCATE = "truncate"  # store, then send half the body and close

    @property
    def commits(self) -> bool:
        """Whether the message is processed (and stored) before the failure."""
        return self in (FaultKind.LATENCY, FaultKind.DROP, FaultKind.TRUNCATE)


@dataclass(slots=True)
class InjectedFault:
    """One queued fault; ``count`` is how many calls it still applies to."""

    kind: FaultKind
    count: int = 1
    seconds: float = 0.0
    status: int = 503
    commit: bool = False
    operation: Operation | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the admin API."""
        return {**asdict(self), "kind": self.kind.value}


class FaultQueue:
    """Thread-safe queue of injected faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[InjectedFault] = []

    def push(self, fault: InjectedFault) -> None:
        """Queue ``fault`` behind those already waiting."""
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._items.append(fault)

    def take(self, operation: Operation) -> InjectedFault | None:
        """The fault for a call of ``operation``, consuming one of its uses; ``None`` if none."""
        with self._lock:
            for i, item in enumerate(self._items):
                if item.operation in (None, operation):
                    item.count -= 1
                    if item.count == 0:
                        del self._items[i]
                    return InjectedFault(
                        item.kind, 1, item.seconds, item.status, item.commit, item.operation
                    )
            return None

    def pending(self) -> list[InjectedFault]:
        """The faults still queued, in order."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._items.clear()


__all__ = ["FaultKind", "FaultQueue", "InjectedFault", "Operation"]
