"""``verifactu.generate``: the record is chained, stamped on the entry and kept as a file, once."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from facturo.platform import secrets
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.repository import entry_files
from facturo.silo.service import Source
from facturo.silo.storage import LocalStorage, Storage
from facturo.transform.statuses import EventStatus
from facturo.transform.steps.base import Resources, StepResult
from facturo.transform.steps.testing import run_sync, step_context
from facturo.transform.steps.verifactu_generate import STAMP_HASH, STAMP_QR, generate
from facturo.transform.steps.verifactu_setup import VerifactuSetup
from facturo.verifactu import ledger
from facturo.verifactu.qr import Environment
from facturo.verifactu.records import SistemaInformatico
from facturo.verifactu.xml import parse_untrusted

SHARED = Path(__file__).resolve().parents[4] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
SIF = SistemaInformatico(
    nombre_razon="Facturo",
    nif="B12345674",
    nombre_sistema_informatico="Facturo",
    id_sistema_informatico="FT",
    version="0.1.0",
    numero_instalacion="1",
)


def invoice(code: str) -> dict[str, Any]:
    data = copy.deepcopy(INVOICE)
    data["code"] = code
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


def run(
    runtime: Runtime,
    workspace: Workspace,
    entry_id: uuid.UUID | None,
    *,
    job_id: uuid.UUID | None = None,
) -> StepResult:
    resources = Resources(VerifactuSetup(SIF, Environment.TEST))
    resources.add(LocalStorage(runtime.settings.files_dir), as_type=Storage)
    ctx = step_context(
        runtime.uow(),
        workspace_id=workspace.id,
        action=generate.id,
        now=NOW,
        entry_id=entry_id,
        job_id=job_id,
        resources=resources,
    )
    with ctx.uow:
        result = run_sync(generate, ctx)
        ctx.uow.commit()
    return result


def stamps(runtime: Runtime, workspace: Workspace, entry_id: uuid.UUID) -> dict[str, str]:
    with runtime.uow() as uow:
        data = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry_id).data
    return {s["prv"]: s["val"] for s in data["head"].get("stamps", [])}


def test_generates_stamps_and_keeps_the_request(runtime: Runtime, workspace: Workspace) -> None:
    entry_id = signed_entry(runtime, workspace, invoice("004"))
    result = run(runtime, workspace, entry_id)
    assert result.status is EventStatus.OK
    with runtime.uow() as uow:
        head = ledger.chain_head(uow, workspace_id=workspace.id, issuer_nif="B85905495")
        files = entry_files(uow, workspace.id, entry_id)
    assert head is not None
    assert result.args["verifactu-record-id"] == str(head.id)
    assert result.args["verifactu-issuer"] == "B85905495"
    found = stamps(runtime, workspace, entry_id)
    assert found[STAMP_HASH] == head.huella
    url = urlsplit(found[STAMP_QR])
    assert url.netloc == "prewww2.aeat.es"
    assert parse_qs(url.query) == {
        "nif": ["B85905495"],
        "numserie": ["SAMPLE-004"],
        "fecha": ["13-11-2024"],
        "importe": [parse_untrusted(head.xml).findtext("{*}ImporteTotal")],
    }
    [request] = [f for f in files if f.category == "request"]
    assert request.mime == "application/xml"
    assert request.size == len(head.xml)


def test_a_rerun_of_the_step_finds_its_record(runtime: Runtime, workspace: Workspace) -> None:
    entry_id = signed_entry(runtime, workspace, invoice("004"))
    job_id = uuid7()
    first = run(runtime, workspace, entry_id, job_id=job_id)
    again = run(runtime, workspace, entry_id, job_id=job_id)
    assert again.args == first.args
    with runtime.uow() as uow:
        records = ledger.chain(uow, workspace_id=workspace.id, issuer_nif="B85905495")
    assert len(records) == 1


def test_the_next_invoice_chains_to_the_previous(runtime: Runtime, workspace: Workspace) -> None:
    first = signed_entry(runtime, workspace, invoice("004"))
    second = signed_entry(runtime, workspace, invoice("005"))
    run(runtime, workspace, first)
    run(runtime, workspace, second)
    with runtime.uow() as uow:
        records = ledger.chain(uow, workspace_id=workspace.id, issuer_nif="B85905495")
    assert [r.num_serie for r in records] == ["SAMPLE-004", "SAMPLE-005"]
    assert records[1].previous_huella == records[0].huella
    assert stamps(runtime, workspace, second)[STAMP_HASH] == records[1].huella


def test_an_unsigned_entry_is_knocked_out(runtime: Runtime, workspace: Workspace) -> None:
    with runtime.uow() as uow:
        entry = silo_service.create_entry(
            uow, workspace_id=workspace.id, data=invoice("004"), source=Source("test", "t")
        )
        uow.commit()
    result = run(runtime, workspace, entry.id)
    assert (result.status, result.code) == (EventStatus.KO, "envelope.unsigned")


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        ({"$addons": []}, "VERIFACTU-DOC-02", "$.$addons"),
    ],
)
def test_an_invoice_that_cannot_be_a_record_is_knocked_out_with_its_path(
    runtime: Runtime, workspace: Workspace, change: dict[str, Any], code: str, path: str
) -> None:
    data = invoice("004") | change
    entry_id = signed_entry(runtime, workspace, data)
    result = run(runtime, workspace, entry_id)
    assert result.status is EventStatus.KO
    codes = {(result.code, result.paths)} | {(f.code, f.paths) for f in result.faults}
    assert (code, (path,)) in codes
    with runtime.uow() as uow:
        assert ledger.chain(uow, workspace_id=workspace.id, issuer_nif="B85905495") == []


def test_an_invoice_in_dollars_is_recorded_in_euros(runtime: Runtime, workspace: Workspace) -> None:
    data = invoice("006") | {"currency": "USD"}
    data["exchange_rates"] = [{"from": "USD", "to": "EUR", "amount": "0.5"}]
    entry_id = signed_entry(runtime, workspace, data)
    with runtime.uow() as uow:
        dollars = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry_id).data
    result = run(runtime, workspace, entry_id)
    assert result.status is EventStatus.OK
    with runtime.uow() as uow:
        head = ledger.chain_head(uow, workspace_id=workspace.id, issuer_nif="B85905495")
    assert head is not None
    record = parse_untrusted(head.xml)
    # Every price at half its dollar value: the euro total is half the dollar payable, to a cent.
    payable = Decimal(dollars["doc"]["totals"]["payable"])
    total = Decimal(record.findtext("{*}ImporteTotal") or "")
    assert abs(total - payable / 2) <= Decimal("0.01")
