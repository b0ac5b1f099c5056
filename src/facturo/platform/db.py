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

Writers of one engine also queue in the process, on a lock of the engine's own
(:class:`_GatedConnection`), before they ask SQLite: SQLite's busy handler, when the write lock
is taken, sleeps in steps of 1, 2, 5 … up to 100 ms and so wakes long after the lock was freed,
while a waiter on the process's lock starts the moment the writer before it commits. Writers in
other processes (a worker) still meet at SQLite's lock and its busy timeout.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from typing import Any, ClassVar, TypeVar

import orjson
from sqlalchemy import Engine, MetaData, Select, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.sql.cache_key import CacheKey

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


READ_ONLY = "facturo_read_only"
"""Execution option marking connections of read-only units of work (deferred ``BEGIN``)."""

ONE_STATEMENT = "facturo_one_statement"
"""Execution option of read-only connections that run a single statement: on SQLite they
send no ``BEGIN`` at all, since one statement reads one snapshot by itself, and the ``BEGIN``
and the end of its transaction cost about what a small query does."""

SQLITE_BUSY_SECONDS = 30
"""How long a writer waits for the write lock, in the process and then in SQLite."""


class _GatedConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions hold its engine's lock (``gate``).

    The gate is taken before ``BEGIN IMMEDIATE`` and given back once ``COMMIT`` or
    ``ROLLBACK`` has run (or the connection closes), whichever thread does it: a request may
    commit on one thread of the pool and roll back on another. Each engine gets a subclass of
    its own (:func:`_gated_factory`), so the lock is per database.
    """

    gate: ClassVar[threading.Lock]
    _holds_gate = False

    def take_gate(self) -> None:
        """Wait for the writers before this one; the caller then begins its transaction."""
        if not self.gate.acquire(timeout=SQLITE_BUSY_SECONDS):
            raise sqlite3.OperationalError("database is locked")
        self._holds_gate = True

    def _open_gate(self) -> None:
        if self._holds_gate:
            self._holds_gate = False
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._open_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._open_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._open_gate()


def _gated_factory() -> type[_GatedConnection]:
    return type("GatedConnection", (_GatedConnection,), {"gate": threading.Lock()})


class Base(DeclarativeBase):
    """Declarative base of every table in Facturo."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def json_text(value: Any) -> str:
    """JSON columns' text: orjson (compact, UTF-8 as is), a few times faster than ``json``.

    What orjson refuses (an integer past 64 bits, which a client may send in a document) goes
    through the standard library instead, so nothing storable before is refused now.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_LONG_DIGITS = re.compile(rb"\d{19}")
"""A run of digits that could be an integer orjson would read as a float (past 64 bits)."""


def json_value(text: str | bytes) -> Any:
    """A JSON column's value: orjson, or the standard library where orjson would lose digits
    (it reads integers past 64 bits as floats) or refuse (numbers out of a double's range).

    SQLite hands text; psycopg hands bytes.
    """
    if isinstance(text, str):
        text = text.encode()
    if _LONG_DIGITS.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> Engine:
    """Create the process's engine with the dialect's settings applied."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            json_serializer=json_text,
            json_deserializer=json_value,
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_SECONDS,
                "factory": _gated_factory(),
            },
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        json_serializer=json_text,
        json_deserializer=json_value,
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
        # BEGIN goes straight to the driver's connection: through ``exec_driver_sql`` it cost
        # a statement's whole round of SQLAlchemy's execution machinery, on every transaction.
        options = conn.get_execution_options()
        dbapi_conn = conn.connection.dbapi_connection
        if options.get(READ_ONLY, False):
            if not options.get(ONE_STATEMENT, False):
                dbapi_conn.execute("BEGIN")
            return
        gated = isinstance(dbapi_conn, _GatedConnection)
        if gated:
            dbapi_conn.take_gate()
        try:
            dbapi_conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            if gated:
                dbapi_conn.rollback()  # gives the gate back; there is no transaction to undo
            raise


class _KeptCacheKey:
    """Mixed into a statement's class by :func:`constant`: answers the key computed once.

    The key is kept with the instance it was computed for; a statement derived from it (SQLAlchemy
    copies an instance's attributes into each ``.where()`` it makes) is another instance, so it
    computes its own key as usual.
    """

    _kept_cache_key: tuple[object, CacheKey | None]

    def _generate_cache_key(self) -> CacheKey | None:
        kept: tuple[object, CacheKey | None] = self.__dict__.get("_kept_cache_key", (None, None))
        if kept[0] is self:
            return kept[1]
        found: CacheKey | None = super()._generate_cache_key()  # type: ignore[misc]
        return found


_kept_classes: dict[type[Any], type[Any]] = {}
_S = TypeVar("_S", bound=Select[Any])


def constant(statement: _S) -> _S:
    """``statement`` (a ``SELECT`` built once, every value a bound parameter) with its cache key
    kept.

    SQLAlchemy finds a statement's compiled form in its cache by a key it recomputes on every
    execution, walking the whole statement: 30 to 80 µs for the Silo's hot reads, more than
    SQLite takes to run them (an ``INSERT``'s key is cheap, about 6 µs, and its class cannot
    take the mix-in). The key of a statement whose values all come as parameters never
    changes, so it is computed here once. A statement derived from the result computes its own
    key on every run again: build variants from the original and make each of them constant.
    """
    cls = type(statement)
    kept = _kept_classes.get(cls)
    if kept is None:
        kept = type(f"Constant{cls.__name__}", (_KeptCacheKey, cls), {"inherit_cache": True})
        _kept_classes[cls] = kept
    frozen = statement._generate()
    frozen.__class__ = kept
    frozen.__dict__["_kept_cache_key"] = (frozen, statement._generate_cache_key())
    result: _S = frozen
    return result


def make_session_factory(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)
