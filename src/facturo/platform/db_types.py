"""Column types that keep values exact across SQLite and PostgreSQL.

SQLAlchemy's ``Numeric`` goes through float on SQLite (its own warning says so), and SQLite
has no time zones. Money must be exact and every ``_at`` column aware UTC, so these decorators
store text or integers where the dialect cannot be trusted and convert at the edge.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class DecimalText(TypeDecorator[Decimal]):
    """Exact decimal: ``NUMERIC(p, s)`` on PostgreSQL, canonical text on SQLite.

    Do not ``SUM`` these columns in SQL on SQLite: text does not add up.
    """

    impl = String
    cache_ok = True

    def __init__(self, precision: int = 20, scale: int = 6) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))
        return dialect.type_descriptor(String(64))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money is never a float; pass a Decimal or a string")
        value = Decimal(value)
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value))


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; naive datetimes are refused, not guessed.

    PostgreSQL stores ``timestamptz``; SQLite stores ISO text that sorts in time order because
    every value is normalised to UTC with microseconds.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise TypeError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stamp: datetime = value
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=UTC)
        return stamp.astimezone(UTC)
