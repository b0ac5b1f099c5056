"""The stored chain: no fork under concurrency, idempotent on the step key, flags from history.

Runs on SQLite and on a real PostgreSQL (the ``database_url`` fixture), because the two dialects
keep the chain single-file in different ways (an exclusive write transaction vs a row lock).
"""

from __future__ import annotations

import copy
import itertools
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.verifactu import ledger
from facturo.verifactu import records as r
from facturo.verifactu.from_gobl import alta_from_gobl, anulacion_from_gobl, invoice_key
from facturo.verifactu.history import Attempt
from facturo.verifactu.records import RegistroAnterior
from facturo.verifactu.xml import parse_untrusted

from .conftest import CET
from .test_from_gobl import envelope

NOW = datetime(2025, 7, 10, 12, 0, 0, tzinfo=CET)
STAMP = datetime(2025, 7, 10, 11, 0, 0, tzinfo=UTC)


def invoice(code: str, nif: str | None = None) -> dict[str, Any]:
    env = copy.deepcopy(envelope("invoice-es-es-verifactu.json"))
    doc = env["doc"]
    doc["code"] = code
    doc.pop("series", None)
    if nif is not None:
        doc["supplier"]["tax_id"]["code"] = nif
    return env


def append(
    runtime: Runtime,
    workspace: Workspace,
    sif: r.SistemaInformatico,
    env: dict[str, Any],
    *,
    step: str,
    cancel: bool = False,
) -> ledger.StoredRecord:
    def build(previous: RegistroAnterior | None, attempts: Sequence[Attempt]) -> r.Registro:
        if cancel:
            return anulacion_from_gobl(
                env, sistema=sif, previous=previous, now=NOW, previous_attempts=attempts
            )
        return alta_from_gobl(
            env, sistema=sif, previous=previous, now=NOW, previous_attempts=attempts
        )

    with runtime.uow() as uow:
        stored = ledger.append_record(
            uow,
            workspace_id=workspace.id,
            key=invoice_key(env),
            idempotency_key=step,
            build=build,
            now=STAMP,
        )
        uow.commit()
    return stored


def answer(
    runtime: Runtime,
    workspace: Workspace,
    record: ledger.StoredRecord,
    status: ledger.RecordStatus,
    code: str | None = None,
) -> None:
    with runtime.uow() as uow:
        ledger.record_answer(
            uow,
            workspace_id=workspace.id,
            record_id=record.id,
            status=status,
            code=code,
            now=STAMP,
        )
        uow.commit()


def test_records_chain_in_generation_order(
    runtime: Runtime, workspace: Workspace, sif: r.SistemaInformatico
) -> None:
    first = append(runtime, workspace, sif, invoice("A-1"), step="job1:s")
    second = append(runtime, workspace, sif, invoice("A-2"), step="job2:s")
    assert (first.position, second.position) == (1, 2)
    assert first.previous_huella is None
    assert second.previous_huella == first.huella
    xml = parse_untrusted(second.xml)
    assert xml.findtext(".//{*}RegistroAnterior/{*}Huella") == first.huella
    assert xml.findtext(".//{*}RegistroAnterior/{*}NumSerieFactura") == "A-1"
    with runtime.uow() as uow:
        head = ledger.chain_head(uow, workspace_id=workspace.id, issuer_nif=first.issuer_nif)
    assert head is not None
    assert head.id == second.id


def test_the_same_step_gets_the_same_record(
    runtime: Runtime, workspace: Workspace, sif: r.SistemaInformatico
) -> None:
    once = append(runtime, workspace, sif, invoice("A-1"), step="job1:s")
    again = append(runtime, workspace, sif, invoice("A-1"), step="job1:s")
    assert again == once
    with runtime.uow() as uow:
        assert len(ledger.chain(uow, workspace_id=workspace.id, issuer_nif=once.issuer_nif)) == 1


def test_a_rolled_back_record_never_becomes_the_head(
    runtime: Runtime, workspace: Workspace, sif: r.SistemaInformatico
) -> None:
    first = append(runtime, workspace, sif, invoice("A-1"), step="job1:s")
    env = invoice("A-2")
    with runtime.uow() as uow:
        ledger.append_record(
            uow,
            workspace_id=workspace.id,
            key=invoice_key(env),
            idempotency_key="job2:s",
            build=lambda prev, _att: alta_from_gobl(env, sistema=sif, previous=prev, now=NOW),
            now=STAMP,
        )
        # the step fails before its checkpoint: nothing commits
    third = append(runtime, workspace, sif, invoice("A-3"), step="job3:s")
    assert third.position == 2
    assert third.previous_huella == first.huella


def test_a_rejected_record_stays_in_the_chain(
    runtime: Runtime, workspace: Workspace, sif: r.SistemaInformatico
) -> None:
    rejected = append(runtime, workspace, sif, invoice("A-1"), step="job1:s")
    answer(runtime, workspace, rejected, ledger.RecordStatus.REJECTED, "1100")
    fixed = append(runtime, workspace, sif, invoice("A-1"), step="job2:s")
    # spec §7.2: the chain follows generation, not success; §8: an alta whose only earlier
    # record was rejected is sent as Subsanacion=S with RechazoPrevio=X.
    assert fixed.previous_huella == rejected.huella
    xml = parse_untrusted(fixed.xml)
    assert xml.findtext(".//{*}Subsanacion") == "S"
    assert xml.findtext(".//{*}RechazoPrevio") == "X"


def test_cancellation_follows_the_history_of_the_key(
    runtime: Runtime, workspace: Workspace, sif: r.SistemaInformatico
) -> None:
    env = invoice("A-1")
    alta = append(runtime, workspace, sif, env, step="job1:s")
    with pytest.raises(ledger.PreviousRecordPending):
        append(runtime, workspace, sif, env, step="job2:s", cancel=True)
    answer(runtime, workspace, alta, ledger.RecordStatus.ACCEPTED)
    anulacion = append(runtime, workspace, sif, env, step="job2:s", cancel=True)
    assert anulacion.kind is ledger.RecordKind.ANULACION
    assert anulacion.previous_huella == alta.huella
    xml = parse_untrusted(anulacion.xml)
    assert xml.findtext(".//{*}SinRegistroPrevio") in (None, "N")
    with runtime.uow() as uow:
        history = ledger.records_of_invoice(uow, workspace_id=workspace.id, key=invoice_key(env))
    assert [h.kind for h in history] == [ledger.RecordKind.ALTA, ledger.RecordKind.ANULACION]


def test_answers_are_recorded_once(
    runtime: Runtime, workspace: Workspace, sif: r.SistemaInformatico
) -> None:
    record = append(runtime, workspace, sif, invoice("A-1"), step="job1:s")
    answer(runtime, workspace, record, ledger.RecordStatus.ACCEPTED)
    answer(runtime, workspace, record, ledger.RecordStatus.ACCEPTED)  # a repeat is harmless
    with pytest.raises(ledger.AnswerConflict):
        answer(runtime, workspace, record, ledger.RecordStatus.REJECTED, "4107")
    with runtime.uow() as uow:
        assert ledger.unanswered(uow, workspace_id=workspace.id, issuer_nif=record.issuer_nif) == []
        with pytest.raises(ledger.RecordNotFound):
            ledger.get_record(uow, workspace_id=uuid.uuid4(), record_id=record.id)


def test_issuers_have_separate_chains(
    runtime: Runtime, workspace: Workspace, sif: r.SistemaInformatico
) -> None:
    a = append(runtime, workspace, sif, invoice("A-1"), step="job1:s")
    b = append(runtime, workspace, sif, invoice("B-1", nif="B63272603"), step="job2:s")
    assert a.issuer_nif != b.issuer_nif
    assert (a.position, b.position) == (1, 1)
    assert b.previous_huella is None


def test_concurrent_appends_never_fork_the_chain(
    runtime: Runtime, workspace: Workspace, sif: r.SistemaInformatico
) -> None:
    """Eight threads append 40 records to one issuer; retries on ChainBusy, as a step would."""
    codes = [f"C-{n}" for n in range(40)]
    errors: list[BaseException] = []

    def worker(mine: list[str]) -> None:
        for code in mine:
            while True:
                try:
                    append(runtime, workspace, sif, invoice(code), step=f"{code}:s")
                    break
                except ledger.ChainBusy:
                    continue
                except BaseException as exc:
                    errors.append(exc)
                    return

    threads = [threading.Thread(target=worker, args=(codes[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with runtime.uow() as uow:
        nif = invoice_key(invoice("C-0")).id_emisor_factura
        stored = ledger.chain(uow, workspace_id=workspace.id, issuer_nif=nif)
    assert [s.position for s in stored] == list(range(1, 41))
    assert sorted(s.num_serie for s in stored) == sorted(codes)
    for before, after in itertools.pairwise(stored):
        assert after.previous_huella == before.huella
    for record in stored[1:]:
        xml = parse_untrusted(record.xml)
        assert xml.findtext(".//{*}RegistroAnterior/{*}Huella") == record.previous_huella


def test_a_stored_record_reads_back_as_the_same_record(
    runtime: Runtime, workspace: Workspace, sif: r.SistemaInformatico
) -> None:
    from facturo.verifactu.requests import parse_record

    env = invoice("A-1")
    alta = append(runtime, workspace, sif, env, step="job1:s")
    answer(runtime, workspace, alta, ledger.RecordStatus.ACCEPTED)
    anulacion = append(runtime, workspace, sif, env, step="job2:s", cancel=True)
    for stored in (alta, anulacion):
        record = parse_record(stored.xml)
        assert record.huella == stored.huella
        assert record.id_factura == stored.id_factura
