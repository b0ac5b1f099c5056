"""Fixtures of the engine tests: counting what a job costs the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event

from facturo.platform.runtime import Runtime


@dataclass
class Tally:
    checkouts: int = 0
    commits: int = 0
    statements: list[str] = field(default_factory=list)

    def job_updates(self) -> int:
        return sum("UPDATE transform_job SET " in s for s in self.statements)


@contextmanager
def _tally(runtime: Runtime) -> Iterator[Tally]:
    """Count pool checkouts, commits and statements while the block runs."""
    counts = Tally()
    engine = runtime.engine

    def checkout(*_: Any) -> None:
        counts.checkouts += 1

    def commit(*_: Any) -> None:
        counts.commits += 1

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        counts.statements.append(" ".join(sql.split()))

    listeners: list[tuple[Any, str, Any]] = [
        (engine.pool, "checkout", checkout),
        (engine, "commit", commit),
        (engine, "before_cursor_execute", statement),
    ]
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    try:
        yield counts
    finally:
        for target, name, fn in listeners:
            event.remove(target, name, fn)


@pytest.fixture
def tally() -> Callable[[Runtime], AbstractContextManager[Tally]]:
    """``with tally(runtime) as counts:`` counts what the block costs the database."""
    return _tally
