"""A local SMTP sink (aiosmtpd): accepts every message and keeps it in a :class:`SinkStore`.

``facturo serve`` starts it when ``FACTURO_SMTP_URL=sink`` (the default), so workflows with
e-mail steps run on a laptop without a mail server, and ``/dev/mail`` shows what they sent. It
listens on loopback only by default and delivers nothing onward.

aiosmtpd's ``Controller`` runs the server on its own event loop in a thread, so the sink works
the same beside uvicorn, a worker or a test. The listening socket is bound before the
controller starts, so port 0 gives a free port with no race between choosing it and using it:
:attr:`SinkHandle.port` is the port bound.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from facturo.mail.sink_store import SinkStore
from facturo.platform.settings import Settings

log = logging.getLogger("facturo.mail.sink")


def _now() -> datetime:
    return datetime.now(UTC)


class SinkHandler:
    """aiosmtpd handler: store the message, answer 250."""

    def __init__(self, store: SinkStore, now: Callable[[], datetime] = _now) -> None:
        self.store = store
        self.now = now

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        stored = self.store.add(
            raw, mail_from=str(envelope.mail_from), rcpt_to=list(envelope.rcpt_tos), now=self.now()
        )
        log.info(
            "mail.sink.received",
            extra={"id": stored.id, "message_id": stored.message_id, "rcpt": stored.rcpt_to},
        )
        return "250 Message accepted for delivery"


class SocketController(Controller):
    """A ``Controller`` that serves a socket bound beforehand instead of binding ``port``.

    aiosmtpd binds inside its own thread and then connects to ``(hostname, port)`` to check
    that the server answers, so it cannot be given port 0; with the socket bound first (see
    :func:`bind`), the port it connects to is the one the kernel picked. Keyword arguments go
    to aiosmtpd's ``SMTP`` (``authenticator``, ``tls_context`` ...).
    """

    def __init__(self, handler: Any, sock: socket.socket, **smtp: Any) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **smtp)
        self._socket = sock

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        # The asyncio server owns the socket from here and closes it when it stops.
        return self.loop.create_server(
            self._factory_invoker, sock=self._socket, ssl=self.ssl_context
        )


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0: a free port), for :class:`SocketController`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(100)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


@dataclass
class SinkHandle:
    """A running sink; ``stop()`` closes it."""

    controller: Controller
    store: SinkStore

    @property
    def host(self) -> str:
        return str(self.controller.hostname)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def stop(self) -> None:
        self.controller.stop()


def start_sink(host: str, port: int, directory: Path) -> SinkHandle:
    """Listen on ``host:port`` (0: a free port) and store messages under ``directory``.

    Raises ``OSError`` when the port is taken. Runs until ``stop()``.
    """
    store = SinkStore(directory)
    sock = bind(host, port)
    controller = SocketController(SinkHandler(store), sock)
    try:
        controller.start()
    except BaseException:
        sock.close()
        raise
    return SinkHandle(controller, store)


def start_sink_for(settings: Settings) -> SinkHandle | None:
    """The sink ``facturo serve`` runs beside the platform, when ``smtp_url`` is ``sink``."""
    if settings.smtp_url.strip() != "sink":
        return None
    return start_sink(settings.mail_sink_host, settings.mail_sink_port, settings.data_dir / "mail")
