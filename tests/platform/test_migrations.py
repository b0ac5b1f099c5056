from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from facturo.platform import migrate
from facturo.platform.schema import metadata


def test_migrations_at_head_match_the_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
        head = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    engine.dispose()
    assert diff == []
    assert head == migrate.current_head()


def test_upgrading_twice_is_harmless(database_url: str) -> None:
    migrate.upgrade(database_url)
    migrate.upgrade(database_url)
