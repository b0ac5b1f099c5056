"""Series and their counters: gapless and never repeated, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.sequence import service
from facturo.sequence.errors import SequenceEntryElsewhere, SeriesExists, SeriesNotFound
from facturo.sequence.models import format_code
from facturo.sequence.tables import SequenceEntryRow

SETTINGS = service.SeriesSettings(name="Invoices", prefix="F-", padding=4, start=1, suffix="/26")


def _series(rt: Runtime, ws: Workspace, settings: service.SeriesSettings = SETTINGS) -> uuid.UUID:
    series_id = uuid7()
    with rt.uow() as uow:
        service.create_series(uow, workspace_id=ws.id, series_id=series_id, settings=settings)
    return series_id


def _issue(rt: Runtime, ws: Workspace, series_id: uuid.UUID, *, commit: bool = True) -> str:
    with rt.uow() as uow:
        entry = service.issue_entry(uow, workspace_id=ws.id, series_id=series_id, entry_id=uuid7())
        if commit:
            uow.commit()
        return entry.code


def _numbers(rt: Runtime, ws: Workspace, series_id: uuid.UUID) -> list[int]:
    with rt.uow() as uow:
        rows = uow.session.scalars(
            select(SequenceEntryRow.number).where(
                SequenceEntryRow.workspace_id == ws.id, SequenceEntryRow.series_id == series_id
            )
        )
        return sorted(rows)


@pytest.mark.parametrize(
    ("prefix", "number", "padding", "suffix", "code"),
    [
        ("", 1, 6, "", "000001"),
        ("F", 42, 6, "", "F000042"),
        ("PPL", 7, 1, "", "PPL7"),
        ("", 1234567, 3, "-2026", "1234567-2026"),  # padding is a minimum width
        ("ES-", 1, 0, "", "ES-1"),
    ],
)
def test_code_format(prefix: str, number: int, padding: int, suffix: str, code: str) -> None:
    assert format_code(prefix, number, padding, suffix) == code


def test_codes_follow_each_other_and_chain(runtime: Runtime, workspace: Workspace) -> None:
    series_id = _series(runtime, workspace)
    ids = [uuid7() for _ in range(3)]
    with runtime.uow() as uow:
        issued = [
            service.issue_entry(uow, workspace_id=workspace.id, series_id=series_id, entry_id=i)
            for i in ids
        ]
        uow.commit()
    assert [e.code for e in issued] == ["F-0001/26", "F-0002/26", "F-0003/26"]
    assert [e.previous_id for e in issued] == [None, ids[0], ids[1]]
    with runtime.uow() as uow:
        series = service.get_series(uow, workspace_id=workspace.id, series_id=series_id)
    assert series.last_index == 3
    assert series.last_entry_id == ids[2]


def test_a_series_can_start_anywhere(runtime: Runtime, workspace: Workspace) -> None:
    series_id = _series(runtime, workspace, service.SeriesSettings(padding=3, start=101))
    assert _issue(runtime, workspace, series_id) == "101"


def test_a_rolled_back_number_is_issued_again(runtime: Runtime, workspace: Workspace) -> None:
    series_id = _series(runtime, workspace)
    assert _issue(runtime, workspace, series_id, commit=False) == "F-0001/26"
    assert _issue(runtime, workspace, series_id) == "F-0001/26"
    assert _issue(runtime, workspace, series_id, commit=False) == "F-0002/26"
    assert _issue(runtime, workspace, series_id) == "F-0002/26"
    assert _numbers(runtime, workspace, series_id) == [1, 2]


def test_issuing_is_idempotent_on_the_entry_id(runtime: Runtime, workspace: Workspace) -> None:
    series_id = _series(runtime, workspace)
    entry_id = uuid7()
    with runtime.uow() as uow:
        first = service.put_entry(
            uow, workspace_id=workspace.id, series_id=series_id, entry_id=entry_id
        )
    with runtime.uow() as uow:
        again = service.put_entry(
            uow, workspace_id=workspace.id, series_id=series_id, entry_id=entry_id
        )
    assert again == first
    assert _numbers(runtime, workspace, series_id) == [1]
    other = _series(runtime, workspace)
    with runtime.uow() as uow, pytest.raises(SequenceEntryElsewhere):
        service.issue_entry(uow, workspace_id=workspace.id, series_id=other, entry_id=entry_id)


def test_put_series_is_idempotent_and_refuses_other_settings(
    runtime: Runtime, workspace: Workspace
) -> None:
    series_id = _series(runtime, workspace)
    with runtime.uow() as uow:
        same = service.create_series(
            uow, workspace_id=workspace.id, series_id=series_id, settings=SETTINGS
        )
    assert same.prefix == "F-"
    other = service.SeriesSettings(name="Invoices", prefix="G-")
    with runtime.uow() as uow, pytest.raises(SeriesExists):
        service.create_series(uow, workspace_id=workspace.id, series_id=series_id, settings=other)


def test_series_belong_to_their_workspace(runtime: Runtime, workspace: Workspace) -> None:
    from facturo.platform import workspaces

    series_id = _series(runtime, workspace)
    with runtime.uow() as uow:
        other = workspaces.create_workspace(uow, slug="other", name="Other")
    with runtime.uow() as uow, pytest.raises(SeriesNotFound):
        service.issue_entry(uow, workspace_id=other.id, series_id=series_id, entry_id=uuid7())


def test_dynamic_series_are_created_once_per_key(runtime: Runtime, workspace: Workspace) -> None:
    with runtime.uow() as uow:
        first = service.dynamic_series(uow, workspace_id=workspace.id, key="k1", settings=SETTINGS)
        again = service.dynamic_series(uow, workspace_id=workspace.id, key="k1", settings=SETTINGS)
        other = service.dynamic_series(uow, workspace_id=workspace.id, key="k2", settings=SETTINGS)
        uow.commit()
    assert first.id == again.id != other.id


@pytest.mark.parametrize("rollback_every", [0, 3])
def test_concurrent_issuers_get_distinct_gapless_numbers(
    runtime: Runtime, workspace: Workspace, rollback_every: int
) -> None:
    """Threads race for numbers; some roll back. What commits is exactly 1..n, no repeats."""
    series_id = _series(runtime, workspace)
    threads_count, per_thread = 6, 5
    committed: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads_count)

    def work(worker: int) -> None:
        try:
            start.wait()
            for attempt in range(per_thread):
                keep = not rollback_every or (worker * per_thread + attempt) % rollback_every
                code = _issue(runtime, workspace, series_id, commit=bool(keep))
                if keep:
                    with lock:
                        committed.append(code)
        except BaseException as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = _numbers(runtime, workspace, series_id)
    assert numbers == list(range(1, len(committed) + 1))
    assert len(set(committed)) == len(committed)
    assert sorted(committed) == [f"F-{n:04d}/26" for n in numbers]
