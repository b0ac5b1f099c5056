"""Unit of work: a transaction whose commit is explicit (cosmicpython ``chapter_06_uow``).

Leaving the block always rolls back what was not committed, so a service that raises half-way
never leaves half a write, and one that forgets to commit writes nothing.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """Context manager around one SQLAlchemy session."""

    def __init__(self, session_factory: sessionmaker[Any]) -> None:
        self._factory = session_factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside `with`")
        return self._session

    def __enter__(self) -> Self:
        self._session = self._factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
