"""``verifactu.send``: submit the issuer's pending records to AEAT and answer for this invoice.

The record was made and chained by ``verifactu.generate``; this step only sends. It sends every
record of the issuer that AEAT has not answered yet, in chain order and up to 1,000 a message, so
invoices issued together travel together and each job's own send finds its record already
answered. The rules around it:

- **Flow control.** AEAT's ``TiempoEsperaEnvio`` is kept by the sender's pacer; when the issuer
  must wait, the step answers QUEUED with ``retry_in`` instead of holding a worker thread. The
  step's concurrency key is the issuer, so one issuer's records are sent by one worker at a time
  while other issuers go in parallel.
- **Nothing twice, nothing lost** (effect RECONCILE). A crash between the send and the checkpoint
  leaves the records unanswered here but maybe stored at AEAT; on resume (and on every attempt
  after the first) the step queries AEAT for them first (ConsultaFactuSistemaFacturacion) and
  sends only what AEAT does not hold. Within one send, the client itself recovers lost replies by
  query and settles 3000 duplicates (:mod:`facturo.verifactu.client.sender`).
- **Results** (seed 000, seed 002): Correcto is OK; AceptadoConErrores is OK with a fault that
  carries AEAT's code; Incorrecto is KO with AEAT's code (e.g. ``4104``, ``1142``) so workflow
  conditions can branch on it; no verdict yet is ERR (retried by the step's policy). The entry
  gets the meta row ``src=verifactu, key=status`` with AEAT's state and a ``response`` file with
  the verdict.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from facturo.errors import Fault, NotFound
from facturo.silo import service as silo
from facturo.silo.service_files import NewFile, put_file
from facturo.silo.service_meta import MetaFields, upsert_meta
from facturo.silo.storage import Storage
from facturo.transform.engine.retry import Jitter, RetryPolicy
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider
from facturo.verifactu import ledger
from facturo.verifactu.client.errors import TransportError
from facturo.verifactu.client.outcomes import RecordOutcome, Status
from facturo.verifactu.client.reconcile import reconcile
from facturo.verifactu.client.sender import BatchSender
from facturo.verifactu.messages import MAX_RECORDS_PER_MESSAGE, Cabecera, Persona
from facturo.verifactu.replies import EstadoConsulta
from facturo.verifactu.requests import parse_record

from .verifactu_generate import PROVIDER

RECORD_ARG = "verifactu-record-id"
ISSUER_ARG = "verifactu-issuer"

AEAT_RETRY = RetryPolicy(
    max_attempts=None,
    base=5.0,
    cap=3600.0,
    jitter=Jitter.DECORRELATED,
    max_total=4 * 24 * 3600.0,
)
"""AEAT down or unreachable: retry with backoff up to hourly, for four days [spec §9.5].

``base`` is low because QUEUED (flow control) asks for exactly AEAT's remaining wait, which the
engine honours but never shortens below ``base``.
"""

SEND_TIMEOUT = 900.0
"""Longest a send may take: up to three messages with AEAT's 120 s reply timeout, the queries
that reconcile them, and a flow-control wait. Declared so the engine holds the job's lease (and
the issuer's concurrency key) that long: no other worker may start sending the same records."""

_ANSWERS = {
    Status.CORRECTO: ledger.RecordStatus.ACCEPTED,
    Status.ACEPTADO_CON_ERRORES: ledger.RecordStatus.ACCEPTED_WITH_ERRORS,
    Status.INCORRECTO: ledger.RecordStatus.REJECTED,
}
_STATES = {
    ledger.RecordStatus.ACCEPTED: "Correcto",
    ledger.RecordStatus.ACCEPTED_WITH_ERRORS: "AceptadoConErrores",
    ledger.RecordStatus.REJECTED: "Incorrecto",
}


class SendConfig(BaseModel):
    """The step takes no settings; the endpoint and certificate are the server's."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True, slots=True)
class _Batch:
    own: ledger.StoredRecord
    pending: list[ledger.StoredRecord]
    cabecera: Cabecera


def issuer_key(ctx: StepContext, config: Any) -> str:
    """The step's concurrency key: one issuer's records are sent by one worker at a time."""
    del config
    issuer = ctx.job.args.get(ISSUER_ARG, "")
    if not issuer and ctx.job.silo_entry_id is not None:
        try:
            entry = silo.get_entry(
                ctx.uow, workspace_id=ctx.job.workspace_id, entry_id=ctx.job.silo_entry_id
            )
        except NotFound:
            entry = None
        if entry is not None:
            supplier = (entry.data.get("doc") or {}).get("supplier") or {}
            issuer = str((supplier.get("tax_id") or {}).get("code") or "")
    return f"verifactu:{ctx.job.workspace_id}:{issuer}"


def _own_record(ctx: StepContext) -> ledger.StoredRecord | None:
    record_id = ctx.job.args.get(RECORD_ARG)
    if record_id:
        try:
            return ledger.get_record(
                ctx.uow, workspace_id=ctx.job.workspace_id, record_id=uuid.UUID(record_id)
            )
        except (ValueError, ledger.RecordNotFound):
            return None
    if ctx.job.silo_entry_id is None:
        return None
    return ledger.latest_for_entry(
        ctx.uow, workspace_id=ctx.job.workspace_id, entry_id=ctx.job.silo_entry_id
    )


def _batch(ctx: StepContext, own: ledger.StoredRecord) -> _Batch:
    pending = ledger.unanswered(
        ctx.uow,
        workspace_id=ctx.job.workspace_id,
        issuer_nif=own.issuer_nif,
        limit=MAX_RECORDS_PER_MESSAGE,
    )
    if own.id not in {p.id for p in pending}:
        pending = [*pending[: MAX_RECORDS_PER_MESSAGE - 1], own]
    name = _issuer_name(ctx, own)
    return _Batch(own, pending, Cabecera(Persona(name, own.issuer_nif)))


def _issuer_name(ctx: StepContext, own: ledger.StoredRecord) -> str:
    if own.silo_entry_id is not None:
        entry = silo.get_entry(
            ctx.uow, workspace_id=ctx.job.workspace_id, entry_id=own.silo_entry_id
        )
        supplier = (entry.data.get("doc") or {}).get("supplier") or {}
        if supplier.get("name"):
            return str(supplier["name"])
    return own.issuer_nif


def _record_answers(
    ctx: StepContext, records: Sequence[ledger.StoredRecord], outcomes: Sequence[RecordOutcome]
) -> None:
    for stored, outcome in zip(records, outcomes, strict=True):
        status = _ANSWERS.get(outcome.status)
        if status is None:
            continue
        ledger.record_answer(
            ctx.uow,
            workspace_id=ctx.job.workspace_id,
            record_id=stored.id,
            status=status,
            code=None if outcome.code is None else str(outcome.code),
            message=outcome.description,
            csv=outcome.csv,
            now=ctx.now,
        )


def _result(
    ctx: StepContext, own: ledger.StoredRecord, outcome: RecordOutcome | None
) -> StepResult:
    """The step's answer once ``own`` is answered (or not) by AEAT."""
    if not own.status.answered:
        status = outcome.status if outcome is not None else Status.UNKNOWN
        detail = str(outcome.error) if outcome is not None and outcome.error else ""
        code = "verifactu.not_sent" if status is Status.NOT_SENT else "verifactu.unknown"
        return StepResult.err(code, detail or f"AEAT has not answered yet ({status})")
    _leave_on_entry(ctx, own, outcome)
    args = {RECORD_ARG: str(own.id)}
    if own.status is ledger.RecordStatus.REJECTED:
        return StepResult.ko(own.code or "", own.message or "", args=args)
    if own.status is ledger.RecordStatus.ACCEPTED_WITH_ERRORS:
        # OK with AEAT's code (e.g. 2004), so a condition can branch on it, and the same code
        # as a fault on the job: seed 002 tells integrators to read faults even when OK.
        fault = Fault(own.code or "", own.message or "", (), provider=PROVIDER)
        return StepResult.ok(own.code or "", own.message or "", args=args, faults=(fault,))
    return StepResult.ok(args=args)


def _leave_on_entry(
    ctx: StepContext, own: ledger.StoredRecord, outcome: RecordOutcome | None
) -> None:
    entry_id = own.silo_entry_id
    if entry_id is None:
        return
    state = _STATES[own.status]
    upsert_meta(
        ctx.uow,
        workspace_id=ctx.job.workspace_id,
        entry_id=entry_id,
        src=PROVIDER,
        key="status",
        fields=MetaFields(value=state, ref=own.csv),
        now=ctx.now,
    )
    verdict = {
        "record_id": str(own.id),
        "issuer": own.issuer_nif,
        "num_serie": own.num_serie,
        "fecha_expedicion": own.fecha_expedicion,
        "huella": own.huella,
        "estado_registro": state,
        "codigo_error": own.code,
        "descripcion_error": own.message,
        "csv": own.csv,
        "source": None if outcome is None else outcome.source.value,
    }
    put_file(
        ctx.uow,
        ctx.resources.get(Storage),  # type: ignore[type-abstract]
        workspace_id=ctx.job.workspace_id,
        entry_id=entry_id,
        spec=NewFile(
            name=f"verifactu-{own.num_serie}-response.json",
            data=json.dumps(verdict, ensure_ascii=False, indent=2).encode(),
            key="verifactu-response",
            category="response",
            mime="application/json",
        ),
        max_bytes=1_000_000,
        now=ctx.now,
    )


def _reconcile_batch(ctx: StepContext, sender: BatchSender, batch: _Batch) -> list[int]:
    """Ask AEAT which pending records it already holds; answer those. Returns the rest."""
    records = [parse_record(p.xml) for p in batch.pending]
    findings = reconcile(sender.transport, batch.cabecera.obligado_emision, records)
    missing: list[int] = []
    for index, (stored, finding) in enumerate(zip(batch.pending, findings, strict=True)):
        if finding.arrived and finding.stored is not None:
            status = (
                ledger.RecordStatus.ACCEPTED_WITH_ERRORS
                if finding.stored.estado is EstadoConsulta.ACEPTADO_CON_ERRORES
                else ledger.RecordStatus.ACCEPTED
            )
            code = finding.stored.codigo_error
            ledger.record_answer(
                ctx.uow,
                workspace_id=ctx.job.workspace_id,
                record_id=stored.id,
                status=status,
                code=None if code is None else str(code),
                message=finding.stored.descripcion_error,
                now=ctx.now,
            )
        else:
            missing.append(index)
    return missing


def _refresh(ctx: StepContext, own: ledger.StoredRecord) -> ledger.StoredRecord:
    return ledger.get_record(ctx.uow, workspace_id=ctx.job.workspace_id, record_id=own.id)


def reconcile_send(ctx: StepContext, config: SendConfig) -> StepResult | None:
    """After a crash mid-send: the verdict AEAT holds for this invoice, or None to send."""
    del config
    return reconcile_record(ctx, _own_record(ctx))


def reconcile_record(ctx: StepContext, own: ledger.StoredRecord | None) -> StepResult | None:
    """Ask AEAT about ``own`` and the records sent with it; its verdict, or None to send."""
    if own is None or own.status.answered:
        return None  # the step's run answers both cases
    sender = ctx.resources.get(BatchSender)
    try:
        _reconcile_batch(ctx, sender, _batch(ctx, own))
    except TransportError as exc:
        return StepResult.err("verifactu.unknown", f"AEAT could not be queried: {exc}")
    own = _refresh(ctx, own)
    return _result(ctx, own, None) if own.status.answered else None


@provider(
    "verifactu.send",
    config=SendConfig,
    effect=Effect.RECONCILE,
    reconcile=reconcile_send,
    retry=AEAT_RETRY,
    timeout=SEND_TIMEOUT,
    concurrency=issuer_key,
)
def send(ctx: StepContext, config: SendConfig) -> StepResult:
    """Send the issuer's unanswered records and answer for this job's invoice."""
    del config
    own = _own_record(ctx)
    if own is None:
        return StepResult.ko(
            "verifactu.no_record", "there is no VERI*FACTU record; run verifactu.generate first"
        )
    return deliver(ctx, own)


def deliver(ctx: StepContext, own: ledger.StoredRecord) -> StepResult:
    """Send ``own`` with the issuer's other unanswered records; the step's answer for it.

    Shared by ``verifactu.send`` and ``verifactu.cancel``: both end with one record of theirs
    that AEAT must answer.
    """
    if own.status.answered:
        return _result(ctx, own, None)
    sender = ctx.resources.get(BatchSender)
    batch = _batch(ctx, own)
    wait = sender.pacer.delay(own.issuer_nif, len(batch.pending))
    if wait > 0:
        return StepResult.queued(wait, "verifactu.wait", "AEAT's TiempoEsperaEnvio")
    try:
        if ctx.attempt > 1 or ctx.resumed:
            missing = _reconcile_batch(ctx, sender, batch)
            pending = [batch.pending[i] for i in missing]
        else:
            pending = batch.pending
    except TransportError as exc:
        return StepResult.err("verifactu.unknown", f"AEAT could not be queried: {exc}")
    outcome: RecordOutcome | None = None
    if pending:
        report = sender.send(batch.cabecera, [parse_record(p.xml) for p in pending])
        _record_answers(ctx, pending, report.outcomes)
        by_id = dict(zip((p.id for p in pending), report.outcomes, strict=True))
        outcome = by_id.get(own.id)
    own = _refresh(ctx, own)
    return _result(ctx, own, outcome)
