from __future__ import annotations

import uuid
from datetime import UTC, datetime

from facturo.platform.ids import Uuid7Factory, is_time_based, timestamp_of, uuid7


def test_uuid7_has_version_variant_and_timestamp() -> None:
    value = Uuid7Factory(lambda: 1_767_225_600_000)()  # 2026-01-01T00:00:00Z
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert timestamp_of(value) == datetime(2026, 1, 1, tzinfo=UTC)


def test_uuid7_sorts_in_creation_order_within_one_millisecond() -> None:
    make = Uuid7Factory(lambda: 1_767_225_600_000)
    ids = [make() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_uuid7_never_goes_backwards_when_the_clock_does() -> None:
    clock = iter([1_767_225_600_500, 1_767_225_600_000])
    make = Uuid7Factory(lambda: next(clock))
    later = make()
    earlier_clock = make()
    assert earlier_clock > later
    assert timestamp_of(earlier_clock) == timestamp_of(later)


def test_time_based_versions() -> None:
    assert is_time_based(uuid7())
    assert is_time_based(uuid.uuid1())
    assert not is_time_based(uuid.uuid4())
    assert timestamp_of(uuid.uuid4()) is None
    v1 = uuid.UUID("2b467620-4470-11f1-8000-000000000000")
    stamp = timestamp_of(v1)
    assert stamp is not None
    assert stamp.year == 2026
