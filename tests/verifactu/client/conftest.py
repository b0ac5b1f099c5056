"""Fixtures of the client tests: chained records, a fake clock, and tiny loopback servers.

The loopback servers are real sockets that misbehave in one precise way each (refuse, stall,
drop the connection after reading the request, answer garbage), so every failure class of
:mod:`facturo.verifactu.client.errors` is reached over a real connection.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from facturo.verifactu import records as r
from facturo.verifactu.messages import Cabecera, Persona

ISSUER = "B87654323"
ISSUER_NAME = "EMPRESA EMISORA DE PRUEBAS SL"
CET = timezone(timedelta(hours=1))


@pytest.fixture
def cabecera() -> Cabecera:
    return Cabecera(obligado_emision=Persona(ISSUER_NAME, ISSUER))


@pytest.fixture
def chain_of(make_alta: Callable[..., r.RegistroAlta]) -> Callable[..., list[r.RegistroAlta]]:
    """``n`` altas of one issuer, chained, numbered ``{series}{i:04d}``, issued ``day``."""

    def build(
        n: int,
        *,
        series: str = "FC2025/",
        day: date = date(2025, 3, 10),
        after: r.RegistroAnterior | None = None,
        nif: str = ISSUER,
        **overrides: Any,
    ) -> list[r.RegistroAlta]:
        out: list[r.RegistroAlta] = []
        previous = after
        for i in range(1, n + 1):
            record = make_alta(
                id_factura=r.IDFactura(nif, f"{series}{i:04d}", day),
                registro_anterior=previous,
                fecha_hora_huso_gen_registro=datetime.combine(day, time(9), tzinfo=CET)
                + timedelta(seconds=i),
                **overrides,
            )
            out.append(record)
            previous = record.as_anterior()
        return out

    return build


class FakeClock:
    """A monotonic clock that only moves when something sleeps or the test advances it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# --------------------------------------------------------------------------------------------
# Loopback servers
# --------------------------------------------------------------------------------------------


def read_request(conn: socket.socket) -> bytes:
    """Read one HTTP/1.1 request with a Content-Length body; the bytes as received."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def http_response(status: int, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


Behaviour = Callable[[socket.socket, "LoopbackServer"], None]


@dataclass
class LoopbackServer:
    """A one-thread TCP server on 127.0.0.1 whose every connection gets ``behaviour``."""

    behaviour: Behaviour
    requests: list[bytes] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError):  # the client hung up first
                self.behaviour(conn, self)

    def close(self) -> None:
        self.release.set()
        self._sock.shutdown(socket.SHUT_RDWR)  # wakes accept()
        self._sock.close()
        self._thread.join(timeout=5)


class Loopback:
    """Starts loopback servers that misbehave in one way each; all stop after the test."""

    def __init__(self) -> None:
        self.started: list[LoopbackServer] = []

    def start(self, behaviour: Behaviour) -> LoopbackServer:
        server = LoopbackServer(behaviour)
        self.started.append(server)
        return server

    def answer(
        self, status: int, body: bytes, headers: dict[str, str] | None = None
    ) -> LoopbackServer:
        """Read the request, then answer ``status`` with ``body``."""

        def behave(conn: socket.socket, server: LoopbackServer) -> None:
            server.requests.append(read_request(conn))
            conn.sendall(http_response(status, body, headers))

        return self.start(behave)

    def raw(self, data: bytes) -> LoopbackServer:
        """Read the request, send ``data`` as is (a broken response), and close."""

        def behave(conn: socket.socket, server: LoopbackServer) -> None:
            server.requests.append(read_request(conn))
            conn.sendall(data)

        return self.start(behave)

    def stall(self) -> LoopbackServer:
        """Read the request and never answer (until the test ends)."""

        def behave(conn: socket.socket, server: LoopbackServer) -> None:
            server.requests.append(read_request(conn))
            server.release.wait(30)

        return self.start(behave)

    def drop(self) -> LoopbackServer:
        """Read the whole request, then close the connection without a byte of reply."""
        return self.raw(b"")

    def close(self) -> None:
        for server in self.started:
            server.close()


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    servers = Loopback()
    yield servers
    servers.close()
