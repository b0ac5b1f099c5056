"""Alembic, configured in code: ``facturo migrate`` and ``facturo serve`` both upgrade to head.

There is no ``alembic.ini`` to keep in step with settings: the URL comes from ``Settings``, and
the scripts ship inside the package so an installed Facturo migrates itself.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@functools.cache
def current_head() -> str | None:
    """The newest revision shipped; read once, since ``/readyz`` asks on every probe."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
