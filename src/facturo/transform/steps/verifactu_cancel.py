"""``verifactu.cancel``: void an issued invoice at AEAT with a RegistroAnulacion.

Invopop's ES cancel template is this step followed by ``silo.state`` ``void``. The anulación is a
new record at the end of the issuer's chain (spec §7.2), made from the entry's envelope and the
invoice key's history (SinRegistroPrevio and RechazoPrevio come from the earlier answers, spec
§8), then sent like ``verifactu.send`` sends: with the issuer's other pending records, paced by
AEAT's wait, reconciled by query after a crash (effect RECONCILE). The record is made once per
job and step (the ledger's idempotency key), so a rerun sends the same anulación, never a second.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from facturo.silo import service as silo
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider
from facturo.verifactu import ledger
from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.from_gobl import anulacion_from_gobl, invoice_key
from facturo.verifactu.history import Attempt
from facturo.verifactu.records import Registro, RegistroAnterior

from .verifactu_generate import PROVIDER
from .verifactu_send import AEAT_RETRY, SEND_TIMEOUT, deliver, issuer_key, reconcile_record
from .verifactu_setup import VerifactuSetup

_STORED = (ledger.RecordStatus.ACCEPTED, ledger.RecordStatus.ACCEPTED_WITH_ERRORS)


class CancelConfig(BaseModel):
    """The step takes no settings."""

    model_config = ConfigDict(extra="forbid")


def _made(ctx: StepContext) -> ledger.StoredRecord | None:
    return ledger.find_record(
        ctx.uow, workspace_id=ctx.job.workspace_id, idempotency_key=ctx.idempotency_key
    )


def reconcile_cancel(ctx: StepContext, config: CancelConfig) -> StepResult | None:
    del config
    return reconcile_record(ctx, _made(ctx))


@provider(
    "verifactu.cancel",
    config=CancelConfig,
    effect=Effect.RECONCILE,
    reconcile=reconcile_cancel,
    retry=AEAT_RETRY,
    timeout=SEND_TIMEOUT,
    concurrency=issuer_key,
)
def cancel(ctx: StepContext, config: CancelConfig) -> StepResult:
    """Make (once) and send the RegistroAnulacion of the job's invoice."""
    del config
    own = _made(ctx)
    if own is None:
        made = _make(ctx)
        if isinstance(made, StepResult):
            return made
        own = made
    return deliver(ctx, own)


def _make(ctx: StepContext) -> ledger.StoredRecord | StepResult:
    if ctx.job.silo_entry_id is None:
        return StepResult.ko("entry.missing", "the job has no Silo entry to cancel")
    setup = ctx.resources.get(VerifactuSetup).for_installation(str(ctx.job.workspace_id))
    entry = silo.get_entry(
        ctx.uow, workspace_id=ctx.job.workspace_id, entry_id=ctx.job.silo_entry_id
    )
    envelope = entry.data
    when = setup.local(ctx.now)

    def build(previous: RegistroAnterior | None, attempts: Sequence[Attempt]) -> Registro:
        return anulacion_from_gobl(
            envelope, sistema=setup.sistema, previous=previous, now=when, previous_attempts=attempts
        )

    try:
        key = invoice_key(envelope)
        history = ledger.records_of_invoice(ctx.uow, workspace_id=ctx.job.workspace_id, key=key)
        if not history:
            return StepResult.ko(
                "verifactu.not_issued", "the invoice has no VERI*FACTU record to cancel"
            )
        last = history[-1]
        if last.kind is ledger.RecordKind.ANULACION and last.status in _STORED:
            return StepResult.skip("verifactu.already_cancelled", "the invoice is void already")
        return ledger.append_record(
            ctx.uow,
            workspace_id=ctx.job.workspace_id,
            key=key,
            idempotency_key=ctx.idempotency_key,
            build=build,
            now=ctx.now,
            silo_entry_id=entry.id,
        )
    except ledger.PreviousRecordPending:
        return StepResult.err(
            "verifactu.pending", "the invoice's last record has no AEAT answer yet"
        )
    except (RecordInvalid, ValueError) as exc:
        faults = getattr(exc, "faults", ()) or ()
        first = faults[0] if faults else None
        return StepResult.ko(
            first.code if first else "verifactu.invalid",
            first.message if first else str(exc),
            paths=first.paths if first else (),
        )


__all__ = ["PROVIDER", "CancelConfig", "cancel"]
