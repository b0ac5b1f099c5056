"""Run the sandbox with uvicorn in a background thread (tests, and ``facturo serve``).

The socket is bound before uvicorn starts, so port 0 gives a free port with no race between
choosing it and using it. :meth:`ThreadedServer.stop` first releases replies that injected
faults are holding, so stopping never waits for a ``timeout`` fault to run out.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Final

import uvicorn

from facturo.aeat_sandbox.app import SandboxApp
from facturo.aeat_sandbox.service import PATH_VERIFACTU

_START_TIMEOUT: Final = 20.0


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (0: a free port) for uvicorn's ``sockets=[...]``.

    Binding here rather than in uvicorn lets the caller learn the port before serving, and
    a taken port fails at once with ``OSError`` instead of inside uvicorn's start-up.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def base_url(host: str, port: int) -> str:
    """``http://host:port``, with IPv6 hosts in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ThreadedServer:
    """A sandbox served by uvicorn in a daemon thread; ``url`` is its base URL."""

    def __init__(self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._socket = bind(host, port)
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, log_config=None, lifespan="off", timeout_graceful_shutdown=5, access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"aeat-sandbox:{self.port}",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8401``."""
        return base_url(self.host, self.port)

    @property
    def endpoint(self) -> str:
        """The VERI*FACTU SOAP URL (AEAT's path on this server)."""
        return self.url + PATH_VERIFACTU

    def start(self) -> ThreadedServer:
        """Start serving and wait until uvicorn accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError("the AEAT sandbox did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving: release held replies, let uvicorn shut down, close the socket."""
        self.app.closing.set()
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(15)
        self._socket.close()


__all__ = ["ThreadedServer", "base_url", "bind"]
