"""A running AEAT sandbox for tests: ``running_sandbox(**options)``.

Usage::

    from facturo.aeat_sandbox.testing import ManualClock, running_sandbox

    with running_sandbox(wait_seconds=0) as aeat:
        reply = httpx.post(aeat.endpoint, content=reg_factu_xml(cabecera, records),
                           headers={"Content-Type": "text/xml; charset=UTF-8"})
        parse_reply(reply.content)                 # a RespuestaRegFactu
        aeat.records("B87654323")                  # what the sandbox stored, in order
        aeat.submissions("B87654323")              # every submission it answered
        aeat.inject("drop")                        # next SOAP call: store, then lose the reply
        aeat.inject("timeout", seconds=5, commit=True)
        aeat.add_census("A39200019")
        aeat.set_wait(60)

Options (all keyword, all optional):

- ``census``: NIFs registered at start; default the AEAT example and sample NIFs of
  :data:`~facturo.aeat_sandbox.store.DEFAULT_CENSUS`;
- ``wait_seconds``: TiempoEsperaEnvio, default 60;
- ``page_size``: query page, default 10,000;
- ``clock_margin_seconds``: the 2004 margin, default 240;
- ``strict_chain``: 1180 when RegistroAnterior is not the last stored record; default false,
  because AEAT chains records in generation order, rejected ones included, and does not check
  this [spec §7.2];
- ``recipient_census``: recipient NIFs must be in the census too, else 1193; default false;
- ``state_file``: JSON persistence, default none;
- ``clock``: a callable returning an aware datetime; pass a :class:`ManualClock` to move time.

The handle:

- ``url`` (base URL), ``endpoint`` (VERI*FACTU SOAP URL), ``requerimiento_endpoint``;
- ``state`` (the :class:`~facturo.aeat_sandbox.store.Store`) and ``faults`` (the queue);
- admin helpers, each a real HTTP call to ``/admin/``: ``add_census``, ``remove_census``,
  ``census``, ``set_wait``, ``inject``, ``pending_faults``, ``clear_faults``, ``records``,
  ``chain``, ``submissions``, ``reset``.

The server listens on 127.0.0.1 on a free port and stops when the block ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from facturo.aeat_sandbox.app import SandboxApp
from facturo.aeat_sandbox.faults import FaultQueue
from facturo.aeat_sandbox.server import ThreadedServer
from facturo.aeat_sandbox.service import PATH_REQUERIMIENTO, PATH_VERIFACTU
from facturo.aeat_sandbox.store import (
    DEFAULT_CLOCK_MARGIN_SECONDS,
    DEFAULT_PAGE_SIZE,
    DEFAULT_WAIT_SECONDS,
    Clock,
    Store,
    utc_now,
)


class ManualClock:
    """A clock that moves only when told: ``clock.advance(61)``. Thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        value = start if start is not None else utc_now()
        if value.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = value
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward ``seconds``; returns the new time."""
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, value: datetime) -> None:
        """Jump to ``value`` (timezone-aware)."""
        if value.tzinfo is None:
            raise ValueError("ManualClock needs timezone-aware datetimes")
        with self._lock:
            self._now = value.astimezone(UTC)


class SandboxHandle:
    """A running sandbox: its URLs, its state, and admin helpers over HTTP."""

    def __init__(self, server: ThreadedServer) -> None:
        self.server = server
        self.url = server.url
        self.endpoint = server.url + PATH_VERIFACTU
        self.requerimiento_endpoint = server.url + PATH_REQUERIMIENTO
        self.state: Store = server.app.store
        self.faults: FaultQueue = server.app.faults
        self._admin = httpx.Client(base_url=server.url + "/admin", timeout=30)

    def close(self) -> None:
        """Stop the server and the admin client."""
        self._admin.close()
        self.server.stop()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._admin.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def census(self) -> list[str]:
        """Registered NIFs."""
        result: list[str] = self._call("GET", "/census")["census"]
        return result

    def add_census(self, nif: str) -> None:
        """Register ``nif`` (issuers outside the census are refused with 4104)."""
        self._call("POST", "/census", json={"nif": nif})

    def remove_census(self, nif: str) -> None:
        """Unregister ``nif``."""
        self._call("DELETE", f"/census/{nif}")

    def set_wait(self, seconds: int) -> None:
        """TiempoEsperaEnvio for replies from now on (0 disables flow control)."""
        self._call("PUT", "/wait", json={"seconds": seconds})

    def inject(
        self,
        kind: str,
        *,
        count: int = 1,
        seconds: float = 0.0,
        status: int = 503,
        commit: bool = False,
        operation: str | None = None,
    ) -> None:
        """Queue a fault for the next ``count`` SOAP calls (kinds in :mod:`.faults`)."""
        self._call(
            "POST",
            "/faults",
            json={
                "kind": kind,
                "count": count,
                "seconds": seconds,
                "status": status,
                "commit": commit,
                "operation": operation,
            },
        )

    def pending_faults(self) -> list[dict[str, Any]]:
        """Faults still queued."""
        result: list[dict[str, Any]] = self._call("GET", "/faults")["faults"]
        return result

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self._call("DELETE", "/faults")

    def records(self, nif: str) -> list[dict[str, Any]]:
        """Records stored for issuer ``nif``, in presentation order."""
        result: list[dict[str, Any]] = self._call("GET", f"/issuers/{nif}/records")["records"]
        return result

    def chain(self, nif: str) -> list[dict[str, Any]]:
        """The issuer's chain of stored records; the last one is the head."""
        result: list[dict[str, Any]] = self._call("GET", f"/issuers/{nif}/chain")["chain"]
        return result

    def submissions(self, nif: str | None = None) -> list[dict[str, Any]]:
        """Submissions answered (SOAP Faults are not submissions), for one issuer or all."""
        path = f"/issuers/{nif}/submissions" if nif is not None else "/submissions"
        result: list[dict[str, Any]] = self._call("GET", path)["submissions"]
        return result

    def reset(self) -> None:
        """Forget records, submissions and faults; census and wait back to their start."""
        self._call("POST", "/reset")


@contextmanager
def running_sandbox(
    *,
    census: list[str] | tuple[str, ...] | None = None,
    wait_seconds: int = DEFAULT_WAIT_SECONDS,
    page_size: int = DEFAULT_PAGE_SIZE,
    clock_margin_seconds: int = DEFAULT_CLOCK_MARGIN_SECONDS,
    strict_chain: bool = False,
    recipient_census: bool = False,
    state_file: Path | str | None = None,
    clock: Clock = utc_now,
) -> Iterator[SandboxHandle]:
    """Serve a sandbox on 127.0.0.1 (free port) for the duration of the block."""
    store = Store(
        census=census,
        wait_seconds=wait_seconds,
        page_size=page_size,
        clock_margin_seconds=clock_margin_seconds,
        strict_chain=strict_chain,
        recipient_census=recipient_census,
        path=state_file,
        clock=clock,
    )
    server = ThreadedServer(SandboxApp(store), "127.0.0.1", 0).start()
    handle = SandboxHandle(server)
    try:
        yield handle
    finally:
        handle.close()


__all__ = ["ManualClock", "SandboxHandle", "running_sandbox"]
