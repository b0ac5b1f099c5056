"""``verifactu.send`` against the AEAT sandbox over real HTTP: verdicts, batching, flow control,
and a crash between the send and the checkpoint recovered by query with no second submission."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from facturo.aeat_sandbox.testing import ManualClock, SandboxHandle, running_sandbox
from facturo.platform import secrets
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.repository import entry_files, entry_meta
from facturo.silo.service import Source
from facturo.silo.storage import LocalStorage, Storage
from facturo.transform.statuses import EventStatus
from facturo.transform.steps.base import Provider, Resources, StepResult
from facturo.transform.steps.testing import run_sync, step_context
from facturo.transform.steps.verifactu_generate import generate
from facturo.transform.steps.verifactu_send import send
from facturo.transform.steps.verifactu_setup import VerifactuSetup
from facturo.verifactu import ledger
from facturo.verifactu.client import BatchSender, Pacer, open_transport
from facturo.verifactu.qr import Environment
from facturo.verifactu.records import SistemaInformatico

SHARED = Path(__file__).resolve().parents[4] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
ISSUER = "B85905495"
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
SIF = SistemaInformatico(
    nombre_razon="Facturo",
    nif="B12345674",
    nombre_sistema_informatico="Facturo",
    id_sistema_informatico="FT",
    version="0.1.0",
    numero_instalacion="1",
)


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(
        census=[ISSUER, "B63272603", "B12345674"],
        wait_seconds=0,
        clock=ManualClock(NOW),
    ) as handle:
        yield handle


@pytest.fixture
def sender(sandbox: SandboxHandle) -> Iterator[BatchSender]:
    transport = open_transport(url=sandbox.endpoint)
    try:
        yield BatchSender(transport, Pacer())
    finally:
        transport.close()


def invoice(code: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(INVOICE)
    data["code"] = code
    data.update(changes)
    return data


def signed_entry(runtime: Runtime, workspace: Workspace, data: dict[str, Any]) -> uuid.UUID:
    key = secrets.signing_key(runtime.settings)
    with runtime.uow() as uow:
        entry = silo_service.create_entry(
            uow, workspace_id=workspace.id, data=data, source=Source("test", "t")
        )
        silo_service.sign_entry(
            uow, workspace_id=workspace.id, entry_id=entry.id, key=key, source=Source("test", "t")
        )
        uow.commit()
        return entry.id


class Job:
    """One job's view for the two steps: its args grow with what each step returns."""

    def __init__(
        self, runtime: Runtime, workspace: Workspace, sender: BatchSender, entry: uuid.UUID
    ) -> None:
        self.runtime = runtime
        self.id = uuid7()
        self.workspace = workspace
        self.entry = entry
        self.args: dict[str, str] = {}
        self.resources = Resources(VerifactuSetup(SIF, Environment.TEST), sender)
        self.resources.add(LocalStorage(runtime.settings.files_dir), as_type=Storage)

    def run(
        self,
        step: Provider[Any],
        *,
        attempt: int = 1,
        resumed: bool = False,
        commit: bool = True,
    ) -> StepResult:
        ctx = step_context(
            self.runtime.uow(),
            workspace_id=self.workspace.id,
            action=step.id,
            now=NOW,
            entry_id=self.entry,
            job_id=self.id,
            args=self.args,
            resources=self.resources,
            attempt=attempt,
            resumed=resumed,
        )
        with ctx.uow:
            if resumed:
                assert step.reconcile is not None
                reconciled = step.reconcile(ctx, step.parse_config(None))
                assert not isinstance(reconciled, Iterator)
                result = reconciled if isinstance(reconciled, StepResult) else None
            else:
                result = None
            if result is None:
                result = run_sync(step, ctx)
            if commit:
                ctx.uow.commit()
        if commit:
            self.args.update(result.args)
        return result


def job_for(
    runtime: Runtime, workspace: Workspace, sender: BatchSender, data: dict[str, Any]
) -> Job:
    job = Job(runtime, workspace, sender, signed_entry(runtime, workspace, data))
    assert job.run(generate).status is EventStatus.OK
    return job


def record(runtime: Runtime, workspace: Workspace, job: Job) -> ledger.StoredRecord:
    with runtime.uow() as uow:
        found = ledger.latest_for_entry(uow, workspace_id=workspace.id, entry_id=job.entry)
    assert found is not None
    return found


def test_an_accepted_invoice(
    runtime: Runtime, workspace: Workspace, sender: BatchSender, sandbox: SandboxHandle
) -> None:
    job = job_for(runtime, workspace, sender, invoice("004"))
    result = job.run(send)
    assert (result.status, result.faults) == (EventStatus.OK, ())
    stored = record(runtime, workspace, job)
    assert stored.status is ledger.RecordStatus.ACCEPTED
    assert stored.csv
    with runtime.uow() as uow:
        meta = entry_meta(uow, workspace.id, job.entry)
        files = entry_files(uow, workspace.id, job.entry)
    [status] = [m for m in meta if (m.src, m.key) == ("verifactu", "status")]
    assert status.value == "Correcto"
    assert {f.category for f in files} == {"request", "response"}
    assert [r["huella"] for r in sandbox.records(ISSUER)] == [stored.huella]


def test_a_rejected_record_is_knocked_out_with_the_aeat_code(
    runtime: Runtime, workspace: Workspace, sender: BatchSender
) -> None:
    job = job_for(runtime, workspace, sender, invoice("004", issue_date="2026-12-31"))
    result = job.run(send)
    assert (result.status, result.code) == (EventStatus.KO, "1112")
    assert record(runtime, workspace, job).status is ledger.RecordStatus.REJECTED


def test_an_issuer_outside_the_census_is_knocked_out_then_resent_as_a_new_record(
    runtime: Runtime, workspace: Workspace, sender: BatchSender, sandbox: SandboxHandle
) -> None:
    job = job_for(runtime, workspace, sender, invoice("004"))
    sandbox.remove_census(ISSUER)
    result = job.run(send)
    assert (result.status, result.code) == (EventStatus.KO, "4104")
    assert record(runtime, workspace, job).status is ledger.RecordStatus.REJECTED
    sandbox.add_census(ISSUER)
    # The workflow runs again on the entry, after the refused message's wait (a new pacer).
    retry = Job(runtime, workspace, BatchSender(sender.transport, Pacer()), job.entry)
    assert retry.run(generate).status is EventStatus.OK
    assert retry.run(send).status is EventStatus.OK
    again = record(runtime, workspace, retry)
    assert again.status is ledger.RecordStatus.ACCEPTED
    assert b"RechazoPrevio>X</" in again.xml


def test_invoices_pending_together_travel_in_one_message(
    runtime: Runtime, workspace: Workspace, sender: BatchSender, sandbox: SandboxHandle
) -> None:
    first = job_for(runtime, workspace, sender, invoice("004"))
    second = job_for(runtime, workspace, sender, invoice("005"))
    assert second.run(send).status is EventStatus.OK
    assert first.run(send).status is EventStatus.OK  # answered by the second job's message
    [message] = sandbox.submissions(ISSUER)
    assert [line["num_serie"] for line in message["lines"]] == ["SAMPLE-004", "SAMPLE-005"]


def test_the_next_send_waits_for_aeat_s_tiempo_espera_envio(
    runtime: Runtime, workspace: Workspace, sender: BatchSender, sandbox: SandboxHandle
) -> None:
    sandbox.set_wait(60)
    first = job_for(runtime, workspace, sender, invoice("004"))
    assert first.run(send).status is EventStatus.OK
    second = job_for(runtime, workspace, sender, invoice("005"))
    result = second.run(send)
    assert result.status is EventStatus.QUEUED
    assert result.retry_in is not None
    assert 50 < result.retry_in <= 60
    assert len(sandbox.submissions(ISSUER)) == 1


def test_a_crash_after_the_send_is_recovered_by_query_without_resending(
    runtime: Runtime, workspace: Workspace, sender: BatchSender, sandbox: SandboxHandle
) -> None:
    job = job_for(runtime, workspace, sender, invoice("004"))
    lost = job.run(send, commit=False)  # AEAT stored it; the checkpoint never committed
    assert lost.status is EventStatus.OK
    assert record(runtime, workspace, job).status is ledger.RecordStatus.PENDING
    resumed = job.run(send, attempt=2, resumed=True)
    assert resumed.status is EventStatus.OK
    assert record(runtime, workspace, job).status is ledger.RecordStatus.ACCEPTED
    assert len(sandbox.submissions(ISSUER)) == 1


def test_a_lost_reply_is_recovered_inside_the_send(
    runtime: Runtime, workspace: Workspace, sender: BatchSender, sandbox: SandboxHandle
) -> None:
    job = job_for(runtime, workspace, sender, invoice("004"))
    sandbox.inject("drop", commit=True)
    assert job.run(send).status is EventStatus.OK
    assert record(runtime, workspace, job).status is ledger.RecordStatus.ACCEPTED
    assert len(sandbox.submissions(ISSUER)) == 1
