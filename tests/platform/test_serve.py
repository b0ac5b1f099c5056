"""`facturo serve` as a real process: first run sets everything up, a second run reuses it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

TOKEN = re.compile(r"fct_[A-Za-z0-9_-]{43}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FACTURO_DATA_DIR": str(data_dir), "FACTURO_DATABASE_URL": ""}
    argv = [sys.executable, "-m", "facturo.platform.cli", "serve", "--port", str(port)]
    return subprocess.Popen(argv, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"serve did not become healthy:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> int:
    """Stop gracefully; uvicorn re-raises SIGTERM after its shutdown, as a service should."""
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30)


GRACEFUL = (0, -signal.SIGTERM)


def test_serve_sets_up_a_fresh_directory_and_prints_a_working_token(tmp_path: Path) -> None:
    data = tmp_path / "var"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve-1.log"
    proc = _serve(data, port, log)
    try:
        _wait_healthy(url, proc, log)
        assert httpx.get(f"{url}/readyz").status_code == 200
        tokens = TOKEN.findall(log.read_text())
        assert len(tokens) == 1
        res = httpx.get(f"{url}/utils/v1/ping", headers={"Authorization": f"Bearer {tokens[0]}"})
        assert res.json() == {"ping": "pong"}
    finally:
        assert _stop(proc) in GRACEFUL
    assert (data / "facturo.db").exists()
    key = data / "secrets" / "secret.key"
    assert key.stat().st_mode & 0o777 == 0o600

    log2 = tmp_path / "serve-2.log"
    proc = _serve(data, port, log2)
    try:
        _wait_healthy(url, proc, log2)
        assert TOKEN.findall(log2.read_text()) == []
        res = httpx.get(f"{url}/utils/v1/ping", headers={"Authorization": f"Bearer {tokens[0]}"})
        assert res.status_code == 200
    finally:
        _stop(proc)
