"""The database layer: writers queue in the process on SQLite, JSON columns keep every value."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    bindparam,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from facturo.platform import workspaces
from facturo.platform.db import constant, json_text, json_value, make_engine
from facturo.platform.runtime import Runtime
from facturo.platform.tables import WorkspaceRow


def _without_busy_wait(engine: Engine) -> None:
    """SQLite's own wait off: a writer that found the database locked would fail at once."""

    @event.listens_for(engine, "connect")
    def _no_busy_timeout(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=0")


def test_a_second_writer_waits_in_the_process_for_the_first_to_commit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.sqlite'}")
    _without_busy_wait(engine)
    order: list[str] = []
    first_began = threading.Event()
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (name TEXT)")

        def second() -> None:
            first_began.wait()
            with engine.begin() as conn:  # waits for the gate: SQLite would refuse it at once
                order.append("second began")
                conn.exec_driver_sql("INSERT INTO t VALUES ('second')")

        thread = threading.Thread(target=second)
        thread.start()
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES ('first')")
            first_began.set()
            thread.join(0.3)  # the second writer cannot get in while this one holds the lock
            order.append("first commits")
        thread.join(10)
        with engine.connect() as conn:
            names = [r[0] for r in conn.exec_driver_sql("SELECT name FROM t ORDER BY rowid")]
    finally:
        engine.dispose()
    assert order == ["first commits", "second began"]
    assert names == ["first", "second"]


def test_the_write_lock_is_given_back_on_rollback_and_on_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.sqlite'}")
    _without_busy_wait(engine)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (name TEXT UNIQUE)")
        with engine.connect() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES ('a')")
            conn.rollback()
        with pytest.raises(IntegrityError):
            _insert_twice(engine)
        done = threading.Event()

        def writer() -> None:
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES ('c')")
            done.set()

        thread = threading.Thread(target=writer)
        thread.start()
        thread.join(10)
        with engine.connect() as conn:
            names = [r[0] for r in conn.exec_driver_sql("SELECT name FROM t ORDER BY name")]
    finally:
        engine.dispose()
    assert done.is_set()
    assert names == ["c"]


def _insert_twice(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES ('b')")
        conn.exec_driver_sql("INSERT INTO t VALUES ('b')")


@pytest.mark.parametrize(
    "value",
    [
        {"name": "Ibáñez", "n": 2**70, "list": [1, 2.5, None, True]},
        {"big": -(10**30), "text": "12345678901234567890"},
        [1e308, "ß"],
    ],
)
def test_json_text_and_json_value_round_trip_exactly(value: object) -> None:
    assert json_value(json_text(value)) == value
    assert json_value(json_text(value).encode()) == value


def test_json_columns_keep_huge_integers_and_non_ascii_text(runtime: Runtime) -> None:
    table = Table(
        "test_json_values",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("value", JSON),
    )
    value = {"name": "Álvarez", "n": 2**70, "nested": {"1": [3, "ñ"]}}
    table.create(runtime.engine)
    with runtime.engine.begin() as conn:
        conn.execute(insert(table), {"id": 1, "value": value})
    with runtime.engine.connect() as conn:
        assert conn.execute(select(table.c.value)).scalar_one() == value
        stored = conn.execute(text("SELECT CAST(value AS TEXT) FROM test_json_values")).scalar()
    assert "Álvarez" in str(stored)


def test_a_constant_statement_runs_as_built_with_each_call_s_parameters(
    runtime: Runtime,
) -> None:
    with runtime.uow() as uow:
        for slug in ("alpha", "beta", "gamma"):
            workspaces.create_workspace(uow, slug=slug)
    built = (
        select(WorkspaceRow.slug)
        .where(WorkspaceRow.slug >= bindparam("low"))
        .order_by(WorkspaceRow.slug)
    )
    kept = constant(built)
    assert kept._generate_cache_key() == built._generate_cache_key()
    with runtime.uow().reader() as reader:
        conn = reader.connection()
        assert conn.scalars(kept, {"low": "b"}).all() == ["beta", "gamma"]
        assert conn.scalars(kept, {"low": "c"}).all() == ["gamma"]
        # A statement derived from it is a statement of its own, with its own SQL.
        narrowed = kept.where(WorkspaceRow.slug != "gamma")
        assert narrowed._generate_cache_key() != kept._generate_cache_key()
        assert conn.scalars(narrowed, {"low": "b"}).all() == ["beta"]
        assert conn.scalars(kept, {"low": "b"}).all() == ["beta", "gamma"]
