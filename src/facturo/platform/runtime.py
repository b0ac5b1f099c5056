"""What a running process holds: settings, the engine and the session factory.

One ``Runtime`` is built at start-up (by ``serve``, ``worker`` or a test) and handed to the app;
request handlers reach it through ``request.app.state.runtime``, never through globals, so two
apps on two databases can live in one test process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from facturo.platform.db import make_engine, make_session_factory
from facturo.platform.settings import Settings
from facturo.platform.uow import UnitOfWork

if TYPE_CHECKING:
    from facturo.transform.events import JobFinishedHook
    from facturo.transform.steps.base import Registry, Resources


def _default_registry() -> Registry:
    # Imported when a runtime is built, not with this module: providers import other contexts.
    from facturo.transform.steps import REGISTRY

    return REGISTRY


def _empty_resources() -> Resources:
    from facturo.transform.steps.base import Resources

    return Resources()


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Any] = field(init=False)
    registry: Registry = field(default_factory=_default_registry)
    """The step providers jobs run with and workflows are validated against."""
    resources: Resources = field(default_factory=_empty_resources)
    """Long-lived services step providers use (HTTP clients, the mail sender, ...)."""
    job_finished_hooks: list[JobFinishedHook] = field(default_factory=list)
    """Called inside the final checkpoint's transaction of every job (webhooks, ...)."""
    jobs_changed: threading.Condition = field(default_factory=threading.Condition)
    """Notified when a job is submitted or finishes, so in-process workers and ``?wait``
    requests wake at once instead of at their next poll."""

    def __post_init__(self) -> None:
        self.sessions = make_session_factory(self.engine)

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url, pool_size=settings.db_pool_size)
        return cls(settings, engine)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    def ping(self) -> str | None:
        """The migration revision the database is at, or ``None`` if it has none yet."""
        with self.engine.connect() as conn:
            try:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except Exception:  # no alembic_version table: not migrated
                conn.rollback()
                conn.execute(text("SELECT 1"))
                return None

    def close(self) -> None:
        self.engine.dispose()
