"""The database: one SQLAlchemy 2 engine per process, SQLite (WAL) or PostgreSQL.

Every context declares its tables on :data:`Base`, whose naming convention gives constraints
stable names, so Alembic migrations are the same on both dialects. SQLite is tuned for the
single-process embedded mode: WAL so readers never block the writer, ``busy_timeout`` so a
second writer waits instead of failing, and ``BEGIN IMMEDIATE`` so a transaction that will write
takes the lock up front rather than failing to upgrade it half-way.

Read-only units of work (:data:`READ_ONLY`) begin with a plain, deferred ``BEGIN`` instead: they
never ask for the write lock, so they neither wait behind a writer nor make one wait (with
``IMMEDIATE`` every token check and every GET queued for the single write lock, and SQLite's
busy handler sleeps in steps of up to 100 ms while it waits). That is safe under WAL because a
deferred transaction that only reads takes a snapshot at its first SELECT and keeps reading it
whatever writers commit meanwhile; the failure ``IMMEDIATE`` prevents (``SQLITE_BUSY`` when a
reader tries to upgrade to a writer after someone else wrote) cannot happen to a transaction
that never writes. On PostgreSQL both kinds begin the same way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


READ_ONLY = "facturo_read_only"
"""Execution option marking connections of read-only units of work (deferred ``BEGIN``)."""


class Base(DeclarativeBase):
    """Declarative base of every table in Facturo."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> Engine:
    """Create the process's engine with the dialect's settings applied."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (below) instead of pysqlite's implicit one.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)
