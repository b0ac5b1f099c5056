"""``verifactu.generate``: make the invoice's RegistroAlta, chain it, stamp the envelope.

In Invopop's ES template the step runs after ``silo.close`` (the envelope is signed) and before
``verifactu.send``. It builds the record from the envelope with :mod:`facturo.verifactu`,
appends it to the issuer's chain through :mod:`facturo.verifactu.ledger` (which makes the step
idempotent: a rerun after a crash finds the record it made), and leaves on the entry what seed
002 says an integrator reads: the stamps ``verifactu-qr`` (the cotejo URL) and
``verifactu-hash`` (the huella), plus the record's XML as a ``request`` file.

Everything is written in the step's transaction (effect PURE): if the checkpoint does not commit,
neither the record nor the head move, and the step runs again from scratch. The file's bytes go to
the content-addressed store first; a rerun stores the same address, so nothing is orphaned twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from facturo.errors import Fault
from facturo.silo import service as silo
from facturo.silo.service_files import NewFile, put_file
from facturo.silo.storage import Storage
from facturo.transform.steps.base import StepContext, StepResult, provider
from facturo.verifactu import ledger, qr
from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.from_gobl import alta_from_gobl, invoice_key
from facturo.verifactu.history import Attempt
from facturo.verifactu.records import Registro, RegistroAnterior
from facturo.verifactu.xml import parse_untrusted

from .verifactu_setup import VerifactuSetup

PROVIDER = "verifactu"
"""The ``src`` of the stamps, meta and faults VERI*FACTU steps leave (seed 002)."""
STAMP_QR = "verifactu-qr"
STAMP_HASH = "verifactu-hash"
MAX_FILE_BYTES = 1_000_000


class GenerateConfig(BaseModel):
    """The step takes no settings; the installation's identity comes from the server."""

    model_config = ConfigDict(extra="forbid")


def _faults(exc: RecordInvalid | ValueError) -> tuple[Fault, ...]:
    if isinstance(exc, RecordInvalid):
        return tuple(Fault(f.code, f.message, f.paths, provider=PROVIDER) for f in exc.faults)
    return (Fault("verifactu.invalid", str(exc), (), provider=PROVIDER),)


@provider("verifactu.generate", config=GenerateConfig)
def generate(ctx: StepContext, config: GenerateConfig) -> StepResult:
    """Build, chain and stamp the RegistroAlta of the job's invoice."""
    del config
    if ctx.job.silo_entry_id is None:
        return StepResult.ko("entry.missing", "the job has no Silo entry to register")
    setup = ctx.resources.get(VerifactuSetup).for_installation(str(ctx.job.workspace_id))
    entry = silo.get_entry(
        ctx.uow, workspace_id=ctx.job.workspace_id, entry_id=ctx.job.silo_entry_id
    )
    if not entry.signed:
        return StepResult.ko(
            "envelope.unsigned", "sign the envelope (silo.close) before generating the record"
        )
    envelope = entry.data
    when = setup.local(ctx.now)

    def build(previous: RegistroAnterior | None, attempts: Sequence[Attempt]) -> Registro:
        return alta_from_gobl(
            envelope,
            sistema=setup.sistema,
            previous=previous,
            now=when,
            previous_attempts=attempts,
        )

    try:
        key = invoice_key(envelope)
        stored = ledger.append_record(
            ctx.uow,
            workspace_id=ctx.job.workspace_id,
            key=key,
            idempotency_key=ctx.idempotency_key,
            build=build,
            now=ctx.now,
            silo_entry_id=entry.id,
        )
    except (RecordInvalid, ValueError) as exc:
        faults = _faults(exc)
        first = faults[0]
        return StepResult.ko(first.code, first.message, faults=faults[1:], paths=first.paths)
    source = silo.Source(PROVIDER, str(ctx.job.id))
    url = _qr_url(stored, setup.environment, setup.qr_service_root)
    present = {s.get("prv"): s.get("val") for s in entry.data["head"].get("stamps") or ()}
    for prv, val in ((STAMP_QR, url), (STAMP_HASH, stored.huella)):
        if present.get(prv) == val:
            continue  # a rerun of this step: the stamp is there already
        silo.add_stamp(
            ctx.uow,
            workspace_id=ctx.job.workspace_id,
            entry_id=entry.id,
            prv=prv,
            val=val,
            source=source,
            now=ctx.now,
        )
    put_file(
        ctx.uow,
        ctx.resources.get(Storage),  # type: ignore[type-abstract]
        workspace_id=ctx.job.workspace_id,
        entry_id=entry.id,
        spec=NewFile(
            name=f"verifactu-{stored.num_serie}-{stored.position}.xml",
            data=stored.xml,
            key="verifactu-request",
            category="request",
            mime="application/xml",
        ),
        max_bytes=MAX_FILE_BYTES,
        now=ctx.now,
    )
    return StepResult.ok(
        args={"verifactu-record-id": str(stored.id), "verifactu-issuer": stored.issuer_nif}
    )


def _qr_url(
    stored: ledger.StoredRecord, environment: qr.Environment, service_root: str | None = None
) -> str:
    """The cotejo URL from the stored record's own strings (ImporteTotal exactly as sent).

    Read back from the stored XML so a rerun that found the record made before gives the same
    URL as the run that made it.
    """
    importe = parse_untrusted(stored.xml).findtext("{*}ImporteTotal")
    if importe is None:
        raise ValueError("the stored record is not an alta")
    return qr.url(
        stored.issuer_nif,
        stored.num_serie,
        stored.fecha_expedicion,
        importe,
        environment=environment,
        service_root=service_root,
    )
