"""A real webhook receiver on loopback, and the pieces every webhook test builds on.

The receiver is a small ``http.server`` in a thread: it records each request (headers, body),
checks its Standard Webhooks signature with ``standardwebhooks.Webhook(secret).verify`` when
told the secret, and answers from a script of replies (default ``200``), so a test can make it
fail with ``500`` or ``503`` plus ``retry_in``.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from facturo.platform import workspaces
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.platform.secrets import Cipher, encryption_key


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool | None  # None: no secret to check against

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """Records what it receives and answers from ``script`` (then ``default``)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: deque[tuple[int, bytes]] = deque()
        self.default: tuple[int, bytes] = (200, b"")
        self.secret: str | None = None
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, reply = receiver._record(self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        verified: bool | None = None
        if self.secret is not None:
            try:
                Webhook(self.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
        with self._lock:
            self.received.append(Received(path, headers, body, verified))
            return self.script.popleft() if self.script else self.default

    def answer(self, status: int, body: Any = None, *, times: int = 1) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        for _ in range(times):
            self.script.append((status, raw))

    def always(self, status: int, body: Any = None) -> None:
        self.default = (status, b"" if body is None else json.dumps(body).encode())

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver().start()
    yield rec
    rec.close()


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens: every attempt fails to connect."""
    rec = Receiver()
    url = rec.url
    rec._server.server_close()
    return url


@pytest.fixture
def cipher(runtime: Runtime) -> Cipher:
    return Cipher(encryption_key(runtime.settings))


@pytest.fixture
def other_workspace(runtime: Runtime) -> Workspace:
    with runtime.uow() as uow:
        return workspaces.create_workspace(uow, slug="other", name="Other")
