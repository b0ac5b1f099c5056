"""Unit of work: a transaction whose commit is explicit (cosmicpython ``chapter_06_uow``).

Leaving the block always rolls back what was not committed, so a service that raises half-way
never leaves half a write, and one that forgets to commit writes nothing.

A read-only unit of work (``read_only=True``, or :meth:`UnitOfWork.reader`) is for requests
that only look: on SQLite it begins a deferred transaction, so it does not queue for the write
lock behind writers (see :mod:`facturo.platform.db`), and it refuses to commit.
"""

from __future__ import annotations

import weakref
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from facturo.platform.db import ONE_STATEMENT, READ_ONLY

_read_only_engines: weakref.WeakKeyDictionary[Engine, dict[bool, Engine]] = (
    weakref.WeakKeyDictionary()
)


def _read_only_bind(engine: Engine, *, one_statement: bool = False) -> Engine:
    """The engine's read-only view: same pool and events, connections marked :data:`READ_ONLY`
    (and :data:`ONE_STATEMENT` for units of work that run one statement).

    Made once per engine: building the view copies the engine's event dispatch.
    """
    views = _read_only_engines.setdefault(engine, {})
    found = views.get(one_statement)
    if found is None:
        found = engine.execution_options(**{READ_ONLY: True, ONE_STATEMENT: one_statement})
        views[one_statement] = found
    return found


class UnitOfWork:
    """Context manager around one SQLAlchemy session.

    A unit of work makes its session only when one is asked for: a request that reads or
    writes with Core statements through :meth:`connection` needs no ``Session`` at all, and
    making one, beginning through it and rolling it back cost about what two small queries do.
    A session asked for after :meth:`connection` works over that same connection and, in a
    writer, takes over its transaction (``join_transaction_mode="control_fully"``): what the
    connection wrote and what the session writes commit or roll back together.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Any],
        *,
        read_only: bool = False,
        one_statement: bool = False,
    ) -> None:
        """``one_statement`` (read-only only) is for a unit of work that runs a single
        statement: on SQLite it then begins no transaction, the statement reading its own
        snapshot. Two statements would each read theirs."""
        if one_statement and not read_only:
            raise ValueError("only a read-only unit of work can be of one statement")
        self._factory = session_factory
        self._session: Session | None = None
        self._connection: Connection | None = None
        self._bind: Engine | None = None
        self.read_only = read_only
        self.one_statement = one_statement

    @property
    def session(self) -> Session:
        if self._session is None:
            if self._bind is None:
                raise RuntimeError("use the unit of work inside `with`")
            connection = self._connection
            if connection is None:
                self._session = self._factory(bind=self._bind)
            elif self.read_only:
                # The session reads through the connection already open: one snapshot.
                self._session = self._factory(bind=connection)
            else:
                self._session = self._factory(
                    bind=connection, join_transaction_mode="control_fully"
                )
                if connection.in_transaction():
                    self._session.connection()  # joins now: in_transaction() says so at once
        return self._session

    def connection(self) -> Connection:
        """The connection this unit of work reads and writes through, for Core statements."""
        if self._session is not None:
            return self._session.connection()
        if self._connection is None:
            if self._bind is None:
                raise RuntimeError("use the unit of work inside `with`")
            self._connection = self._bind.connect()
        return self._connection

    def in_transaction(self) -> bool:
        """Whether a transaction is open (something was read or written and not yet ended)."""
        if self._session is not None:
            return self._session.in_transaction()
        return self._connection is not None and self._connection.in_transaction()

    def has_pending_changes(self) -> bool:
        """Whether the session holds ORM changes not flushed yet (never without a session)."""
        session = self._session
        return session is not None and bool(session.new or session.dirty or session.deleted)

    def reader(self) -> UnitOfWork:
        """A read-only unit of work of its own on the same database (a second connection).

        For checks a writer makes before it starts writing, so it does not hold the write lock
        while it works out what to write.
        """
        return UnitOfWork(self._factory, read_only=True)

    def __enter__(self) -> Self:
        bind = self._factory.kw.get("bind")
        if self.read_only:
            if not isinstance(bind, Engine):
                raise RuntimeError("a read-only unit of work needs a factory bound to an engine")
            self._bind = _read_only_bind(bind, one_statement=self.one_statement)
        elif isinstance(bind, Engine):
            self._bind = bind
        else:  # a factory not bound to one engine: its sessions choose their binds themselves
            self._session = self._factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, connection = self._session, self._connection
        self._session = self._connection = self._bind = None
        try:
            if session is not None:
                try:
                    session.rollback()
                finally:
                    session.close()
        finally:
            if connection is not None:
                connection.close()  # rolls back what it began

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        if self._session is not None:
            self._session.commit()
        elif self._connection is not None:
            self._connection.commit()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        elif self._connection is not None:
            self._connection.rollback()

    @property
    def opened(self) -> bool:
        """Whether a session or connection was made: leaving has something to give back."""
        return self._session is not None or self._connection is not None
