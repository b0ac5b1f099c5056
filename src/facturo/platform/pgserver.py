"""A throwaway PostgreSQL server on loopback, started from the machine's binaries.

Tests and benchmarks use it so that ``make test`` needs no database installed by hand: it runs
``initdb`` into a temporary directory, starts ``postgres`` on a free port of 127.0.0.1 and stops
it at the end. PostgreSQL refuses to run as root, so when the process is root the binaries run
as the ``postgres`` system user (Debian's package creates it) through ``runuser``.

Binaries are looked up in ``FACTURO_PG_BIN``, then ``pg_config --bindir``, then Debian's
``/usr/lib/postgresql/<version>/bin``, then ``PATH``. ``make`` installs Debian's ``postgresql``
package when none is found.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries were found; install Debian's `postgresql` package."""


def find_bindir() -> Path:
    candidates: list[Path] = []
    if env := os.environ.get("FACTURO_PG_BIN"):
        candidates.append(Path(env))
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
            candidates.append(Path(out.stdout.strip()))
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(debian)
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "postgres").exists():
            return directory
    raise PostgresUnavailable(PostgresUnavailable.__doc__)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresServer:
    """One cluster; ``durable=False`` turns off fsync for test speed (never for benchmarks)."""

    def __init__(self, *, durable: bool = False, user: str = "facturo") -> None:
        self.bindir = find_bindir()
        self.durable = durable
        self.user = user
        self.port = _free_port()
        self._root = Path(tempfile.mkdtemp(prefix="facturo-pg-"))
        self.datadir = self._root / "data"
        self.sockdir = self._root / "sock"
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable("running as root needs a `postgres` user") from exc
            self._as = ["runuser", "-u", "postgres", "--"]
            self._root.chmod(0o755)
            self.sockdir.mkdir()
            os.chown(self._root, pw.pw_uid, pw.pw_gid)
            os.chown(self.sockdir, pw.pw_uid, pw.pw_gid)
        else:
            self.sockdir.mkdir()

    def _run(self, *argv: str) -> None:
        subprocess.run([*self._as, *argv], check=True, capture_output=True, cwd=self._root)

    def start(self) -> PostgresServer:
        self._run(
            str(self.bindir / "initdb"),
            "-D", str(self.datadir),
            "-U", self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        )  # fmt: skip
        options = [
            f"-p {self.port}",
            "-h 127.0.0.1",
            f"-k {self.sockdir}",
            "-c max_connections=200",
            "-c shared_buffers=128MB",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D", str(self.datadir),
            "-l", str(self._root / "postgres.log"),
            "-o", " ".join(options),
            "-w", "-t", "60",
            "start",
        )  # fmt: skip
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def dsn(self, dbname: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL for a database of this server."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            sql = f'CREATE DATABASE "{name}"'
            if template:
                sql += f' TEMPLATE "{template}"'
            conn.execute(sql.encode())
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            self._run(
                str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"
            )
        shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
