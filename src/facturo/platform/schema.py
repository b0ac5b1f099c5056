"""Every table Facturo has, gathered on one metadata for Alembic.

A context's ``tables`` module is imported here and nowhere else outside its own context, so the
migration environment sees the whole schema and contexts still never read each other's tables.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from facturo.platform import tables as _platform_tables  # noqa: F401
from facturo.platform.db import Base
from facturo.sequence import tables as _sequence_tables  # noqa: F401
from facturo.silo import tables as _silo_tables  # noqa: F401
from facturo.transform import schedule_tables as _schedule_tables  # noqa: F401
from facturo.transform import tables as _transform_tables  # noqa: F401
from facturo.transform.webhooks import tables as _webhook_tables  # noqa: F401
from facturo.verifactu import registration_tables as _registration_tables  # noqa: F401
from facturo.verifactu import tables as _verifactu_tables  # noqa: F401

metadata: MetaData = Base.metadata
