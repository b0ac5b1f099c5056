"""Every table Facturo has, gathered on one metadata for Alembic.

A context's ``tables`` module is imported here and nowhere else outside its own context, so the
migration environment sees the whole schema and contexts still never read each other's tables.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from facturo.platform import tables as _platform_tables  # noqa: F401
from facturo.platform.db import Base
from facturo.silo import tables as _silo_tables  # noqa: F401

metadata: MetaData = Base.metadata
