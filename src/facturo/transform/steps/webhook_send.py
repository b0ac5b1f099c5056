"""The ``webhook`` step ("Send Webhook", spec §4): post the job's outcome so far to a URL.

Each run of the step makes one attempt and lets the job engine schedule the next one:

- ``200``/``204``: OK;
- anything else, or no answer: QUEUED with ``retry_in`` from the contract's schedule (5 s
  doubling to 1,280 s, then every 30 min) or the receiver's own ``retry_in``;
- once the schedule ends (12 h after the first attempt, or the receiver's 33rd ``retry_in``):
  KO with code ``webhook.failed``, which a workflow can match.

The step is ``IDEMPOTENT``: its ``webhook-id`` is derived from ``ctx.idempotency_key``, so every
retry and every re-run after a crash sends the same id (and, once stored, the same body), and
receivers drop duplicates. Requests are signed per the Standard Webhooks specification with the
workspace's step secret (``GET /transform/v1/webhooks/secret``), and carry the configured
``auth_token`` as ``Authorization: Bearer`` and the configured ``headers``.
"""

from __future__ import annotations

import hashlib
import uuid

from pydantic import BaseModel, ConfigDict, Field, field_validator

from facturo.platform.ids import timestamp_of
from facturo.platform.secrets import Cipher
from facturo.transform.engine.retry import Jitter, RetryPolicy
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider
from facturo.transform.webhooks import payload, service, signing
from facturo.transform.webhooks.models import (
    DeliveryStatus,
    Outcome,
    check_callback_url,
    check_headers,
)
from facturo.transform.webhooks.schedule import DEADLINE
from facturo.transform.webhooks.sender import Reply, Sender

FAILED = "webhook.failed"
RETRYING = "webhook.retry"

STEP_RETRY = RetryPolicy(
    max_attempts=None,
    base=5.0,
    cap=1800.0,
    jitter=Jitter.NONE,
    max_total=DEADLINE.total_seconds() + 3600.0,
)
"""The engine's bound for this step: the step itself answers KO at the schedule's end, so the
engine only needs a safety net, an hour beyond the 12 h, for time the engine adds between runs."""


class WebhookConfig(BaseModel):
    """The step's config (spec §4; only ``callback_url`` is a documented key, the rest are ours)."""

    model_config = ConfigDict(extra="forbid")

    callback_url: str = Field(description="Where to POST (http or https).")
    event: str = Field(default="", max_length=200, description="Custom event name, e.g. `sent`.")
    auth_token: str | None = Field(
        default=None, description="Sent as `Authorization: Bearer <token>`."
    )
    headers: dict[str, str] = Field(default_factory=dict, description="Extra request headers.")

    @field_validator("callback_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_callback_url(value)

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        if "authorization" in (name.lower() for name in value):
            raise ValueError("set `auth_token` rather than an Authorization header")
        return check_headers(value)


def webhook_id(job_id: uuid.UUID, idempotency_key: str) -> uuid.UUID:
    """A UUID v7 that is a function of the step run: the job's time, then a hash of the key.

    Derived rather than stored, so even a run that crashed before its checkpoint (whose writes
    were rolled back) sends the same id when it runs again.
    """
    made = timestamp_of(job_id)
    digest = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:16], "big")
    ms = int(made.timestamp() * 1000) if made else digest >> 80
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((digest >> 64) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= digest & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def _body(ctx: StepContext, delivery_id: uuid.UUID, event: str) -> dict[str, object]:
    job = ctx.job
    result = {
        "status": None,
        "completed_at": None,
        "workflow_id": str(job.workflow_id),
        **payload.entry_result(ctx.uow, workspace_id=job.workspace_id, entry_id=job.silo_entry_id),
    }
    return payload.build(
        webhook_id=delivery_id,
        event=event,
        job_id=job.id,
        silo_entry_id=job.silo_entry_id,
        owner_id=job.workspace_id,
        key=job.key,
        args=job.args,
        faults=job.faults,
        result=result,
    )


def _describe(reply: Reply) -> str:
    if reply.status_code is not None:
        return f"the receiver answered HTTP {reply.status_code}"
    return f"no answer: {reply.error}"


# timeout: one attempt is at most a few 30 s network phases; declaring it lets the engine hold
# the job's lease that long, so no other worker takes the step over mid-request.
@provider(
    "webhook", config=WebhookConfig, effect=Effect.IDEMPOTENT, retry=STEP_RETRY, timeout=120.0
)
def send_webhook(ctx: StepContext, config: WebhookConfig) -> StepResult:
    """One attempt; the engine re-runs the step after the ``retry_in`` of a QUEUED answer."""
    workspace_id = ctx.job.workspace_id
    delivery_id = webhook_id(ctx.job.id, ctx.idempotency_key)
    delivery = service.open_step_delivery(
        ctx.uow,
        delivery_id=delivery_id,
        workspace_id=workspace_id,
        job_id=ctx.job.id,
        url=config.callback_url,
        event=config.event,
        body=lambda: _body(ctx, delivery_id, config.event),
        now=ctx.now,
    )
    if delivery.status is DeliveryStatus.DELIVERED:
        return StepResult.ok(message="delivered before")
    if delivery.status is DeliveryStatus.FAILED:
        return StepResult.ko(code=FAILED, message="the webhook could not be delivered")
    secret = service.step_secret(
        ctx.uow, workspace_id=workspace_id, cipher=ctx.resources.get(Cipher), now=ctx.now
    )
    body = payload.encode(delivery.payload)
    headers = dict(config.headers)
    if config.auth_token:
        headers["Authorization"] = f"Bearer {config.auth_token}"
    headers.update(
        signing.headers(secret=secret, webhook_id=str(delivery_id), at=ctx.now, body=body)
    )
    shared = ctx.resources.find(Sender)
    sender = shared or Sender()
    try:
        reply = sender.post(config.callback_url, body, headers)
    finally:
        if shared is None:
            sender.close()
    recorded = service.record_attempt(
        ctx.uow,
        delivery_id=delivery_id,
        url=config.callback_url,
        reply=reply,
        at=ctx.now,
        dispatch=False,
    )
    ctx.log.info(
        "webhook.attempt",
        extra={"delivery_id": str(delivery_id), "outcome": recorded.attempt.outcome.value},
    )
    if recorded.attempt.outcome is Outcome.DELIVERED:
        return StepResult.ok(message=f"delivered: HTTP {reply.status_code}")
    if recorded.attempt.outcome is Outcome.RETRY and recorded.delay is not None:
        return StepResult.queued(
            retry_in=recorded.delay, code=RETRYING, message=f"{_describe(reply)}; retrying"
        )
    return StepResult.ko(
        code=FAILED, message=f"{_describe(reply)}; no retry left ({recorded.stop_reason})"
    )
