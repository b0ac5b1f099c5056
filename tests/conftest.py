"""Fixtures shared by the suite.

Database tests run twice, on SQLite and on a real PostgreSQL that the run starts itself
(``facturo.platform.pgserver``). Each test gets a fresh database copied from a template migrated
once per session: a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL. Pure tests
(gobl, verifactu, engine planning) request none of this and start nothing.
"""

from __future__ import annotations

import itertools
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from facturo.platform import migrate, services, workspaces
from facturo.platform.app import create_app
from facturo.platform.models import Workspace
from facturo.platform.pgserver import PostgresServer
from facturo.platform.runtime import Runtime
from facturo.platform.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer) -> str:
    url = pg_server.create_database("facturo_template")
    migrate.upgrade(url)
    return "facturo_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database of each dialect."""
    if request.param == "sqlite":
        target = tmp_path / "facturo.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    template: str = request.getfixturevalue("pg_template")
    return server.create_database(f"t{next(_counter)}", template=template)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=database_url, log_json=False)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.from_settings(settings)
    yield rt
    rt.close()


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def workspace(runtime: Runtime) -> Workspace:
    with runtime.uow() as uow:
        return workspaces.create_workspace(uow, slug="acme", name="Acme")


@pytest.fixture
def token(runtime: Runtime, workspace: Workspace) -> str:
    with runtime.uow() as uow:
        return workspaces.create_token(uow, workspace_id=workspace.id).secret


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def free_port() -> Callable[[], int]:
    """Hands out loopback ports that were free a moment ago, for servers that cannot bind 0.

    Another process may take such a port before it is bound. The sandbox and the SMTP sink
    bind port 0 themselves and report the port they got (``services.start`` writes it into
    ``runtime.settings``), so tests starting them through settings pass 0 instead.
    """
    return _free_port


@pytest.fixture
def background(runtime: Runtime) -> Iterator[services.Background]:
    """What ``facturo serve`` starts beside the API: workers, sandbox, sink, webhooks, cron."""
    started = services.start(runtime, serve=True)
    yield started
    started.stop()


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on loopback, for tests that need real HTTP.

    The socket is bound here, on port 0, and handed to uvicorn, so no other process can take
    the port between choosing and binding it.
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def http(live_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_url, timeout=30) as c:
        yield c
