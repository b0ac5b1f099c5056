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

from facturo.platform.db import READ_ONLY

_read_only_engines: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _read_only_bind(engine: Engine) -> Engine:
    """The engine's read-only view: same pool and events, connections marked :data:`READ_ONLY`.

    Made once per engine: building the view copies the engine's event dispatch.
    """
    found = _read_only_engines.get(engine)
    if found is None:
        found = engine.execution_options(**{READ_ONLY: True})
        _read_only_engines[engine] = found
    return found


class UnitOfWork:
    """Context manager around one SQLAlchemy session.

    A read-only unit of work makes its session only when one is asked for: a request that
    reads with Core statements through :meth:`connection` needs no ``Session`` at all, and
    making one, beginning through it and rolling it back cost about what two small queries do.
    """

    def __init__(self, session_factory: sessionmaker[Any], *, read_only: bool = False) -> None:
        self._factory = session_factory
        self._session: Session | None = None
        self._connection: Connection | None = None
        self._bind: Engine | None = None
        self.read_only = read_only

    @property
    def session(self) -> Session:
        if self._session is None:
            if self._bind is None:
                raise RuntimeError("use the unit of work inside `with`")
            # The session reads through the connection already open, if any: one snapshot.
            self._session = self._factory(bind=self._connection or self._bind)
        return self._session

    def connection(self) -> Connection:
        """The connection this unit of work reads and writes through, for Core statements."""
        if not self.read_only or self._session is not None:
            return self.session.connection()
        if self._connection is None:
            if self._bind is None:
                raise RuntimeError("use the unit of work inside `with`")
            self._connection = self._bind.connect()
        return self._connection

    def reader(self) -> UnitOfWork:
        """A read-only unit of work of its own on the same database (a second connection).

        For checks a writer makes before it starts writing, so it does not hold the write lock
        while it works out what to write.
        """
        return UnitOfWork(self._factory, read_only=True)

    def __enter__(self) -> Self:
        if self.read_only:
            bind = self._factory.kw.get("bind")
            if not isinstance(bind, Engine):
                raise RuntimeError("a read-only unit of work needs a factory bound to an engine")
            self._bind = _read_only_bind(bind)
        else:
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
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
