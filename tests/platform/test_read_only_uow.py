"""Read-only units of work: they read while a writer holds SQLite's write lock, and never write."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select

from facturo.platform import workspaces
from facturo.platform.db import make_engine, make_session_factory
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.platform.tables import WorkspaceRow
from facturo.platform.uow import UnitOfWork


def _count(uow: UnitOfWork) -> int:
    return uow.session.scalar(select(func.count()).select_from(WorkspaceRow)) or 0


def test_a_reader_reads_the_last_commit_while_a_writer_holds_the_lock(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        workspaces.create_workspace(uow, slug="first")
    with runtime.uow() as writer:
        now = datetime.now(UTC)
        writer.session.add(WorkspaceRow(id=uuid7(), slug="second", name="2", created_at=now))
        writer.session.flush()  # the write transaction is open and holds the lock
        with UnitOfWork(runtime.sessions, read_only=True) as reader:
            assert _count(reader) == 1
        writer.commit()
    with runtime.uow().reader() as reader:
        assert _count(reader) == 2


def test_a_reader_cannot_commit(runtime: Runtime) -> None:
    with UnitOfWork(runtime.sessions, read_only=True) as reader:
        assert _count(reader) == 0
        with pytest.raises(RuntimeError, match="read-only"):
            reader.commit()


def _record_begins(engine: Engine, begins: list[str]) -> None:
    """Record the ``BEGIN`` statements SQLite itself runs, whoever sends them."""

    @event.listens_for(engine, "connect")
    def _trace(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.set_trace_callback(
            lambda statement: begins.append(statement) if statement.startswith("BEGIN") else None
        )


def test_on_sqlite_only_writers_take_the_write_lock_up_front(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'begin.sqlite'}")
    sessions = make_session_factory(engine)
    begins: list[str] = []

    _record_begins(engine, begins)

    try:
        for read_only in (True, False, True):
            with UnitOfWork(sessions, read_only=read_only) as uow:
                uow.session.connection().exec_driver_sql("SELECT 1")
    finally:
        engine.dispose()
    assert begins == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN"]


def test_a_readers_session_reads_through_the_connection_it_already_opened(
    runtime: Runtime,
) -> None:
    with runtime.uow() as uow:
        workspaces.create_workspace(uow, slug="first")
    with UnitOfWork(runtime.sessions, read_only=True) as reader:
        conn = reader.connection()
        query = select(func.count()).select_from(WorkspaceRow)
        assert conn.execute(query).scalar() == 1
        with runtime.uow() as writer:  # commits after the reader began
            workspaces.create_workspace(writer, slug="second")
        session_conn = reader.session.connection()
        assert session_conn.connection.dbapi_connection is conn.connection.dbapi_connection
        if runtime.engine.dialect.name == "sqlite":  # one transaction: SQLite's snapshot holds
            assert _count(reader) == 1
    with runtime.uow().reader() as reader:
        assert _count(reader) == 2


def test_on_sqlite_a_one_statement_reader_begins_no_transaction(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'one.sqlite'}")
    sessions = make_session_factory(engine)
    begins: list[str] = []

    _record_begins(engine, begins)

    try:
        with UnitOfWork(sessions, read_only=True, one_statement=True) as uow:
            assert uow.connection().exec_driver_sql("SELECT 1").scalar() == 1
        with UnitOfWork(sessions, read_only=True) as uow:
            assert uow.connection().exec_driver_sql("SELECT 2").scalar() == 2
    finally:
        engine.dispose()
    assert begins == ["BEGIN"]


def test_a_one_statement_reader_reads_while_a_writer_holds_the_lock(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        workspaces.create_workspace(uow, slug="first")
    with runtime.uow() as writer:
        now = datetime.now(UTC)
        writer.session.add(WorkspaceRow(id=uuid7(), slug="second", name="2", created_at=now))
        writer.session.flush()
        with UnitOfWork(runtime.sessions, read_only=True, one_statement=True) as reader:
            assert _count(reader) == 1
            with pytest.raises(RuntimeError, match="read-only"):
                reader.commit()


def test_only_a_reader_can_be_of_one_statement(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="read-only"):
        UnitOfWork(runtime.sessions, one_statement=True)
