"""Supplier onboarding for VERI*FACTU: ``verifactu.register``, ``verifactu.wait.upload``,
``verifactu.wait.approval`` and ``verifactu.unregister`` (seed 002 "Supplier Registration").

Self-hosted semantics (:mod:`facturo.verifactu.registrations` says why): registering an issuer
means collecting its signed representation document and having the operator approve it; the
operator works through ``/verifactu/v1/registrations`` (:mod:`facturo.verifactu.registrations_api`).

- ``verifactu.register`` creates (or reuses) the registration of the party entry's Spanish tax ID
  and adds the meta row ``src=verifactu, key=registration`` whose value is the status, ``ref``
  the registration id and link the operator API's URL for it (spec §5.2: "adds a registration
  link in meta"). KO ``invalid`` when the party has no valid Spanish NIF.
- ``verifactu.wait.upload`` answers QUEUED until the document is on file: uploaded through the
  API, marked by the operator, or a file with key ``verifactu-representation`` added to the party
  entry through Silo. ``verifactu.wait.approval`` answers QUEUED until the operator decides: OK
  when approved, KO ``rejected`` (with the reason) when not. Both poll every ``wait`` seconds
  (config, Invopop's key, e.g. ``"604800"``; the job arg ``verifactu-wait`` wins; 1 h by
  default) and end KO ``expired`` 100 days after the registration was requested (spec §5.2, "the
  100-day job limit"), which their retry policy's ``max_total`` also enforces.
- ``verifactu.unregister`` ends the registration (idempotent); SKIP when the party never
  registered, so a workflow's rescue can always run it.

All of it is writes inside the step's unit of work: every provider here is PURE.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from facturo.errors import NotFound
from facturo.silo import service as silo
from facturo.silo.service_meta import MetaFields, upsert_meta
from facturo.transform.engine.retry import Jitter, RetryPolicy
from facturo.transform.steps.base import StepContext, StepResult, provider
from facturo.transform.steps.gov_es_lookup import Party, party_of
from facturo.verifactu import registrations
from facturo.verifactu.registrations import DOCUMENT_KEY, Registration, RegistrationStatus

PROVIDER: Final = "verifactu"
META_KEY: Final = "registration"
REGISTRATION_ARG: Final = "verifactu-registration-id"
WAIT_ARG: Final = "verifactu-wait"
DEFAULT_WAIT: Final = 3600.0
LIMIT: Final = timedelta(days=100)
NOT_REGISTERED: Final = "party is not registered"

WAIT_RETRY = RetryPolicy(
    max_attempts=None,
    base=1.0,
    cap=DEFAULT_WAIT,
    jitter=Jitter.NONE,
    max_total=LIMIT.total_seconds(),
)
"""Polling waits: as often as the step asks (``retry_in``), for at most 100 days."""


@dataclass(frozen=True, slots=True)
class RegistrationLinks:
    """Where the operator API is reached, for the link in the entry's meta (a step resource).

    Built from ``FACTURO_PUBLIC_URL``; without it the link is the API path alone.
    """

    base_url: str = ""

    def url(self, registration_id: uuid.UUID) -> str:
        return f"{self.base_url.rstrip('/')}/verifactu/v1/registrations/{registration_id}"


class RegisterConfig(BaseModel):
    """The step takes no settings."""

    model_config = ConfigDict(extra="forbid")


class WaitConfig(BaseModel):
    """``wait``: seconds between checks (Invopop's historical config sends it as a string)."""

    model_config = ConfigDict(extra="forbid")

    wait: int | None = Field(default=None, ge=1, le=30 * 24 * 3600)


def _leave_meta(ctx: StepContext, registration: Registration) -> None:
    entry_id = registration.silo_entry_id or ctx.job.silo_entry_id
    if entry_id is None:
        return
    links = ctx.resources.find(RegistrationLinks) or RegistrationLinks()
    try:
        upsert_meta(
            ctx.uow,
            workspace_id=ctx.job.workspace_id,
            entry_id=entry_id,
            src=PROVIDER,
            key=META_KEY,
            fields=MetaFields(
                value=registration.status.value,
                ref=str(registration.id),
                link_url=links.url(registration.id),
            ),
            now=ctx.now,
        )
    except NotFound:
        return  # the party entry is gone; the registration still stands on its own


def _locate(ctx: StepContext, party: Party | None) -> Registration | None:
    """The job's registration: by the arg ``register`` left, else by the party's NIF."""
    raw = ctx.arg(REGISTRATION_ARG)
    if raw:
        try:
            return registrations.get(
                ctx.uow, workspace_id=ctx.job.workspace_id, registration_id=uuid.UUID(raw)
            )
        except (ValueError, registrations.RegistrationNotFound):
            pass
    if party is None or party.country not in ("ES", "") or not party.code:
        return None
    return registrations.find_for_issuer(
        ctx.uow, workspace_id=ctx.job.workspace_id, issuer_nif=party.code
    )


def _wait_seconds(ctx: StepContext, config: WaitConfig) -> float:
    raw = ctx.arg(WAIT_ARG)
    if raw:
        try:
            return max(1.0, float(raw))
        except ValueError:
            pass
    return float(config.wait) if config.wait is not None else DEFAULT_WAIT


def _expired(ctx: StepContext, registration: Registration) -> bool:
    return ctx.now - registration.requested_at > LIMIT


def _ended(registration: Registration) -> StepResult | None:
    """The KO of a registration that was refused or ended while a job waited for it."""
    if registration.status is RegistrationStatus.REJECTED:
        reason = registration.note or "the registration was rejected"
        return StepResult.ko("rejected", reason, args=_args(registration))
    if registration.status is RegistrationStatus.UNREGISTERED:
        return StepResult.ko("unregistered", "the registration was withdrawn")
    return None


def _args(registration: Registration) -> dict[str, str]:
    return {REGISTRATION_ARG: str(registration.id)}


def _not_registered() -> StepResult:
    return StepResult.ko("not-registered", NOT_REGISTERED)


@provider("verifactu.register", config=RegisterConfig)
def register(ctx: StepContext, config: RegisterConfig) -> StepResult:
    """Create or reuse the registration of the party's NIF and link it from the entry."""
    del config
    party = party_of(ctx)
    if party is None or party.country != "ES" or not party.code:
        path = party.code_path if party is not None else "$.doc.tax_id"
        return StepResult.ko("invalid", "the party has no Spanish tax ID", paths=(path,))
    try:
        registration = registrations.register(
            ctx.uow,
            workspace_id=ctx.job.workspace_id,
            issuer_nif=party.code,
            name=party.name,
            silo_entry_id=ctx.job.silo_entry_id,
            now=ctx.now,
        )
    except registrations.InvalidIssuer as exc:
        return StepResult.ko("invalid", exc.detail, paths=(party.code_path,))
    _leave_meta(ctx, registration)
    return StepResult.ok(
        registration.status.value, f"registration {registration.id}", args=_args(registration)
    )


def _upload_from_entry(ctx: StepContext, registration: Registration) -> Registration:
    """Take a representation document added to the party entry through Silo as the upload."""
    entry_id = registration.silo_entry_id
    if entry_id is None:
        return registration
    try:
        entry = silo.get_entry(ctx.uow, workspace_id=ctx.job.workspace_id, entry_id=entry_id)
    except NotFound:
        return registration
    for file in entry.attachments:
        if file.key == DOCUMENT_KEY and file.stored:
            return registrations.mark_uploaded(
                ctx.uow,
                workspace_id=ctx.job.workspace_id,
                registration_id=registration.id,
                file_id=file.id,
                now=ctx.now,
            )
    return registration


@provider("verifactu.wait.upload", config=WaitConfig, retry=WAIT_RETRY)
def wait_upload(ctx: StepContext, config: WaitConfig) -> StepResult:
    """OK once the representation document is on file; QUEUED until then."""
    registration = _locate(ctx, party_of(ctx))
    if registration is None:
        return _not_registered()
    if registration.status is RegistrationStatus.PENDING_UPLOAD:
        registration = _upload_from_entry(ctx, registration)
        if registration.status is RegistrationStatus.UPLOADED:
            _leave_meta(ctx, registration)
    if registration.status in (RegistrationStatus.UPLOADED, RegistrationStatus.APPROVED):
        return StepResult.ok(registration.status.value, args=_args(registration))
    ended = _ended(registration)
    if ended is not None:
        return ended
    if _expired(ctx, registration):
        return StepResult.ko("expired", "the representation document never arrived (100 days)")
    return StepResult.queued(
        _wait_seconds(ctx, config),
        "verifactu.pending_upload",
        "waiting for the representation document",
    )


@provider("verifactu.wait.approval", config=WaitConfig, retry=WAIT_RETRY)
def wait_approval(ctx: StepContext, config: WaitConfig) -> StepResult:
    """OK once the operator approved the registration, KO ``rejected`` if refused."""
    registration = _locate(ctx, party_of(ctx))
    if registration is None:
        return _not_registered()
    if registration.status is RegistrationStatus.APPROVED:
        _leave_meta(ctx, registration)
        return StepResult.ok(registration.status.value, args=_args(registration))
    ended = _ended(registration)
    if ended is not None:
        _leave_meta(ctx, registration)
        return ended
    if _expired(ctx, registration):
        return StepResult.ko("expired", "the registration was not approved within 100 days")
    return StepResult.queued(
        _wait_seconds(ctx, config),
        f"verifactu.{registration.status.value}",
        "waiting for the operator's approval",
    )


@provider("verifactu.unregister", config=RegisterConfig)
def unregister(ctx: StepContext, config: RegisterConfig) -> StepResult:
    """End the party's registration; SKIP when it never registered."""
    del config
    registration = _locate(ctx, party_of(ctx))
    if registration is None:
        return StepResult.skip("not-registered", NOT_REGISTERED)
    registration = registrations.unregister(
        ctx.uow,
        workspace_id=ctx.job.workspace_id,
        registration_id=registration.id,
        now=ctx.now,
    )
    _leave_meta(ctx, registration)
    return StepResult.ok(registration.status.value, args=_args(registration))
