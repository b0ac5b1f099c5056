from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Column, MetaData, Table, create_engine, insert, select
from sqlalchemy.exc import StatementError

from facturo.platform.db_types import DecimalText, UTCDateTime


@pytest.fixture
def table(database_url: str):  # type: ignore[no-untyped-def]
    meta = MetaData()
    t = Table(
        f"t_{uuid.uuid4().hex[:8]}",
        meta,
        Column("amount", DecimalText(20, 6)),
        Column("at", UTCDateTime()),
    )
    engine = create_engine(database_url)
    meta.create_all(engine)
    yield engine, t
    meta.drop_all(engine)
    engine.dispose()


@pytest.mark.parametrize("value", ["0.1", "1234567.891234", "-0.000001", "99999999999999.999999"])
def test_decimal_round_trips_exactly(table, value: str) -> None:  # type: ignore[no-untyped-def]
    engine, t = table
    with engine.begin() as conn:
        conn.execute(insert(t).values(amount=Decimal(value)))
    with engine.connect() as conn:
        got = conn.execute(select(t.c.amount)).scalar_one()
    assert isinstance(got, Decimal)
    assert got == Decimal(value)


def test_float_money_is_refused(table) -> None:  # type: ignore[no-untyped-def]
    engine, t = table
    with pytest.raises(StatementError, match="never a float"), engine.begin() as conn:
        conn.execute(insert(t).values(amount=0.1))


def test_timestamps_come_back_aware_utc(table) -> None:  # type: ignore[no-untyped-def]
    engine, t = table
    madrid = timezone(timedelta(hours=2))
    moment = datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=madrid)
    with engine.begin() as conn:
        conn.execute(insert(t).values(at=moment))
    with engine.connect() as conn:
        got = conn.execute(select(t.c.at)).scalar_one()
    assert got == moment
    assert got.utcoffset() == timedelta(0)
    assert got.tzinfo is not None
    assert got.astimezone(UTC).hour == 10


def test_naive_timestamp_is_refused(table) -> None:  # type: ignore[no-untyped-def]
    engine, t = table
    with pytest.raises(StatementError, match="timezone-aware"), engine.begin() as conn:
        conn.execute(insert(t).values(at=datetime(2026, 1, 1)))  # noqa: DTZ001
