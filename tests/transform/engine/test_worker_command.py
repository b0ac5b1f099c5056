"""``facturo worker``: refuses SQLite (``serve`` runs jobs there), stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from facturo.platform.cli.main import app
from facturo.platform.pgserver import PostgresServer

_databases = iter(range(1_000_000))


def test_the_worker_refuses_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTURO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FACTURO_DATABASE_URL", f"sqlite:///{tmp_path / 'f.db'}")
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "needs PostgreSQL" in result.output


@pytest.mark.pg
def test_the_worker_stops_on_sigterm(
    tmp_path: Path, pg_server: PostgresServer, pg_template: str
) -> None:
    url = pg_server.create_database(f"cmd{next(_databases)}", template=pg_template)
    env = {
        **os.environ,
        "FACTURO_DATA_DIR": str(tmp_path),
        "FACTURO_DATABASE_URL": url,
        "FACTURO_LOG_JSON": "false",
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("facturo")), "worker", "--threads", "2"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    assert "Running 2 worker thread(s)" in proc.stderr.readline()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
