"""``sequence.enumerate`` on real entries: codes in order, kept codes, crash and race safety."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from facturo.gobl.dsig import PrivateKey
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.sequence import service as sequence_service
from facturo.silo import service as silo_service
from facturo.silo.service import Source
from facturo.transform.steps.base import Resources, StepContext, StepResult
from facturo.transform.steps.sequence_enumerate import enumerate_code
from facturo.transform.steps.testing import step_context

SHARED = Path(__file__).resolve().parents[4] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
UNNUMBERED = {k: v for k, v in INVOICE.items() if k != "code"}
TEMPLATE_CONFIG = {"name": "Verifactu", "padding": 6, "start": 1}  # TPL:es/verifactu-invoice


def _entry(rt: Runtime, ws: Workspace, doc: dict[str, Any] = UNNUMBERED) -> uuid.UUID:
    with rt.uow() as uow:
        return silo_service.create_entry(
            uow, workspace_id=ws.id, data=doc, source=Source("test", "t"), entry_id=uuid7()
        ).id


def _doc(rt: Runtime, ws: Workspace, entry_id: uuid.UUID) -> dict[str, Any]:
    with rt.uow() as uow:
        entry = silo_service.get_entry(uow, workspace_id=ws.id, entry_id=entry_id)
    doc: dict[str, Any] = entry.data["doc"]
    return doc


@contextmanager
def _context(
    rt: Runtime,
    ws: Workspace,
    entry_id: uuid.UUID | None,
    *,
    args: dict[str, str] | None = None,
    resources: Resources | None = None,
    commit: bool = True,
) -> Iterator[StepContext]:
    with rt.uow() as uow:
        yield step_context(
            uow,
            workspace_id=ws.id,
            action="sequence.enumerate",
            now=datetime.now(UTC),
            entry_id=entry_id,
            args=args,
            resources=resources,
        )
        if commit:
            uow.commit()


def _run(
    rt: Runtime, ws: Workspace, entry_id: uuid.UUID | None, config: dict[str, Any], **kw: Any
) -> StepResult:
    with _context(rt, ws, entry_id, **kw) as ctx:
        result = enumerate_code.run(ctx, enumerate_code.parse_config(config))
    assert isinstance(result, StepResult)
    return result


def test_entries_get_consecutive_codes(runtime: Runtime, workspace: Workspace) -> None:
    entries = [_entry(runtime, workspace) for _ in range(3)]
    results = [_run(runtime, workspace, e, TEMPLATE_CONFIG) for e in entries]
    assert [r.status for r in results] == ["OK"] * 3
    assert [_doc(runtime, workspace, e)["code"] for e in entries] == [
        "000001",
        "000002",
        "000003",
    ]
    assert _doc(runtime, workspace, entries[0])["series"] == "SAMPLE"  # left as it was


def test_prefix_and_padding_from_the_config(runtime: Runtime, workspace: Workspace) -> None:
    entry = _entry(runtime, workspace)
    config = {"name": "TicketBAI Invoice", "start": 1, "prefix": "F", "padding": 6}
    assert _run(runtime, workspace, entry, config).message == "F000001"
    assert _doc(runtime, workspace, entry)["code"] == "F000001"


def test_series_are_counted_per_name_supplier_and_document_series(
    runtime: Runtime, workspace: Workspace
) -> None:
    other_series = {**UNNUMBERED, "series": "R"}
    other_supplier = {
        **UNNUMBERED,
        "supplier": {**UNNUMBERED["supplier"], "tax_id": {"country": "ES", "code": "B63272603"}},
    }
    codes = [
        _run(runtime, workspace, _entry(runtime, workspace, doc), config).message
        for doc, config in [
            (UNNUMBERED, TEMPLATE_CONFIG),
            (other_series, TEMPLATE_CONFIG),
            (other_supplier, TEMPLATE_CONFIG),
            (UNNUMBERED, {**TEMPLATE_CONFIG, "name": "Facturae"}),
            (UNNUMBERED, TEMPLATE_CONFIG),
        ]
    ]
    assert codes == ["000001", "000001", "000001", "000001", "000002"]


def test_a_document_with_a_code_keeps_it_and_uses_no_number(
    runtime: Runtime, workspace: Workspace
) -> None:
    numbered = _entry(runtime, workspace, INVOICE)
    result = _run(runtime, workspace, numbered, TEMPLATE_CONFIG)
    assert result.status == "OK"
    assert _doc(runtime, workspace, numbered)["code"] == "004"
    fresh = _entry(runtime, workspace)
    assert _run(runtime, workspace, fresh, TEMPLATE_CONFIG).message == "000001"


def test_the_series_arg_overrides_the_config(runtime: Runtime, workspace: Workspace) -> None:
    series_id = uuid7()
    settings = sequence_service.SeriesSettings(name="Spanish", prefix="ES-", padding=5, start=7)
    with runtime.uow() as uow:
        sequence_service.create_series(
            uow, workspace_id=workspace.id, series_id=series_id, settings=settings
        )
    entry = _entry(runtime, workspace)
    args = {"sequence-series-id": str(series_id)}
    assert _run(runtime, workspace, entry, TEMPLATE_CONFIG, args=args).message == "ES-00007"


@pytest.mark.parametrize("series_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_an_unknown_series_is_ko_sequence_not_found(
    runtime: Runtime, workspace: Workspace, series_id: str
) -> None:
    entry = _entry(runtime, workspace)
    args = {"sequence-series-id": series_id}
    result = _run(runtime, workspace, entry, TEMPLATE_CONFIG, args=args)
    assert (result.status, result.code, result.message) == (
        "KO",
        "sequence.not_found",
        "sequence not found",
    )
    assert "code" not in _doc(runtime, workspace, entry)


def test_a_step_rolled_back_by_a_crash_neither_skips_nor_repeats(
    runtime: Runtime, workspace: Workspace
) -> None:
    first, second = _entry(runtime, workspace), _entry(runtime, workspace)
    crashed = _run(runtime, workspace, first, TEMPLATE_CONFIG, commit=False)
    assert crashed.message == "000001"  # taken, then rolled back with the step's transaction
    assert "code" not in _doc(runtime, workspace, first)
    assert _run(runtime, workspace, second, TEMPLATE_CONFIG).message == "000001"
    assert _run(runtime, workspace, first, TEMPLATE_CONFIG).message == "000002"
    again = _run(runtime, workspace, first, TEMPLATE_CONFIG)  # a rerun after the commit
    assert again.status == "OK"
    assert _doc(runtime, workspace, first)["code"] == "000002"
    assert _run(runtime, workspace, _entry(runtime, workspace), TEMPLATE_CONFIG).message == (
        "000003"
    )


def test_concurrent_jobs_number_without_gaps_or_duplicates(
    runtime: Runtime, workspace: Workspace
) -> None:
    entries = [_entry(runtime, workspace) for _ in range(8)]
    results: dict[uuid.UUID, StepResult] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(len(entries))

    def work(entry_id: uuid.UUID) -> None:
        try:
            start.wait()
            results[entry_id] = _run(runtime, workspace, entry_id, TEMPLATE_CONFIG)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(e,)) for e in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    codes = sorted(_doc(runtime, workspace, e)["code"] for e in entries)
    assert codes == [f"{n:06d}" for n in range(1, 9)]
    assert sorted(r.message for r in results.values()) == codes


def test_sign_signs_the_numbered_envelope(runtime: Runtime, workspace: Workspace) -> None:
    entry = _entry(runtime, workspace)
    key = PrivateKey.generate(kid=str(uuid7()))
    config = {**TEMPLATE_CONFIG, "sign": True}
    result = _run(runtime, workspace, entry, config, resources=Resources(key))
    assert result.status == "OK"
    with runtime.uow() as uow:
        stored = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry)
    assert stored.signed
    assert stored.data["doc"]["code"] == "000001"


def test_sign_without_a_key_is_ko_and_uses_no_number(
    runtime: Runtime, workspace: Workspace
) -> None:
    entry = _entry(runtime, workspace)
    result = _run(runtime, workspace, entry, {**TEMPLATE_CONFIG, "sign": True})
    assert (result.status, result.code) == ("KO", "sign.no_key")
    assert _run(runtime, workspace, entry, TEMPLATE_CONFIG).message == "000001"


def test_a_signed_numbered_entry_is_left_alone(runtime: Runtime, workspace: Workspace) -> None:
    key = PrivateKey.generate(kid=str(uuid7()))
    with runtime.uow() as uow:
        entry = silo_service.create_entry(
            uow,
            workspace_id=workspace.id,
            data=INVOICE,
            source=Source("test", "t"),
            entry_id=uuid7(),
            signing_key=key,
        )
    assert entry.signed
    result = _run(runtime, workspace, entry.id, TEMPLATE_CONFIG)
    assert result.status == "OK"  # GOBL signs only documents with a code, so it keeps it
    with runtime.uow() as uow:
        after = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry.id)
    assert after.version == entry.version


@pytest.mark.parametrize(
    ("config", "field"),
    [({"padding": -1}, "padding"), ({"start": "one"}, "start"), ({"name": 5}, "name")],
)
def test_bad_config_is_refused(config: dict[str, Any], field: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        enumerate_code.parse_config(config)
    assert caught.value.errors()[0]["loc"] == (field,)
