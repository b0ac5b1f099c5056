"""Alembic environment: the URL comes from the caller, the metadata from ``schema``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from facturo.platform.schema import metadata

config = context.config
url = config.attributes["database_url"]
is_sqlite = url.startswith("sqlite")

engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=is_sqlite,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
