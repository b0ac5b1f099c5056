"""``silo.close`` (Sign envelope): sign the job's entry with this installation's key.

An entry that is already signed is OK: after a PATCH the old signature stays (stale), and
Invopop answers such a resubmission with "already signed" and carries on (seed 002). An
envelope that cannot be signed is KO with gobl's fault code and path, e.g. ``GOBL-ENVELOPE-13``
for an invoice with no ``code`` yet (spec §5.1), so a rescue flow can say why. The key is the
step's resource (:class:`~facturo.gobl.dsig.PrivateKey`), filled at start-up from
``facturo.platform.secrets.signing_key``. The signature is written in the step's transaction,
so the effect is PURE.
"""

from __future__ import annotations

from facturo.errors import Fault
from facturo.gobl import GoblError
from facturo.gobl.dsig import PrivateKey
from facturo.silo import service as silo_service
from facturo.silo.errors import AlreadySigned, EntryNotFound
from facturo.silo.service import Source
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider

NO_ENTRY = "entry.not_found"
ALREADY_SIGNED = "already signed"


@provider("silo.close", effect=Effect.PURE)
def silo_close(ctx: StepContext, config: None) -> StepResult:
    """OK (signed now, or "already signed"); KO with gobl's first fault otherwise."""
    if ctx.job.silo_entry_id is None:
        return StepResult.ko(NO_ENTRY, "the job has no silo entry to sign")
    try:
        silo_service.sign_entry(
            ctx.uow,
            workspace_id=ctx.job.workspace_id,
            entry_id=ctx.job.silo_entry_id,
            key=ctx.resources.get(PrivateKey),
            source=Source("transform", str(ctx.job.id)),
            now=ctx.now,
        )
    except AlreadySigned:
        return StepResult.ok(message=ALREADY_SIGNED)
    except EntryNotFound as exc:
        return StepResult.ko(NO_ENTRY, exc.detail)
    except GoblError as exc:
        faults = list(exc.faults) or [Fault(exc.key.value, exc.message)]
        first = faults[0]
        return StepResult.ko(first.code, first.message, paths=first.paths, faults=tuple(faults[1:]))
    return StepResult.ok()
