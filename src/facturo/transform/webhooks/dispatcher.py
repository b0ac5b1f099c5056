"""The dispatcher: posts due subscription deliveries (and replays) and records each attempt.

``deliver_due`` works in three steps so that no transaction stays open during a request:

1. **claim**: in one short transaction, take the due pending deliveries (``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, so any number of processes share the work; SQLite's single writer
   serialises the claim) and push their ``next_attempt_at`` out by a lease, so nobody else
   picks them while they are in flight;
2. **send**: post each one (several at once, each bounded by the 30 s timeout);
3. **record**: one transaction per attempt logs it and schedules the next (spec §4).

A process that dies between 1 and 3 leaves its deliveries due again when the lease ends: a
webhook may then arrive twice, with the same ``webhook-id``, which is what receivers
de-duplicate on. It is never lost.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from facturo.platform.runtime import Runtime
from facturo.platform.secrets import Cipher, encryption_key
from facturo.transform.webhooks import payload, service, signing
from facturo.transform.webhooks.models import DeliveryStatus, Origin
from facturo.transform.webhooks.sender import TIMEOUT, Reply, Sender
from facturo.transform.webhooks.tables import DeliveryRow, SubscriptionRow

log = logging.getLogger("facturo.transform.webhooks")

BATCH = 16
PARALLEL = 8
LEASE = timedelta(seconds=TIMEOUT * 2 + 30)
"""Longer than a batch takes (two rounds of ``PARALLEL`` requests at the 30 s timeout)."""


@dataclass(frozen=True, slots=True)
class _Claimed:
    delivery_id: uuid.UUID
    url: str
    body: bytes
    secret: str


def _claim(runtime: Runtime, now: datetime, cipher: Cipher, limit: int) -> list[_Claimed]:
    claimed: list[_Claimed] = []
    with runtime.uow() as uow:
        rows = uow.session.scalars(
            select(DeliveryRow)
            .where(
                DeliveryRow.status == DeliveryStatus.PENDING.value,
                DeliveryRow.next_attempt_at.is_not(None),
                DeliveryRow.next_attempt_at <= now,
            )
            .order_by(DeliveryRow.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            url = row.url
            if row.origin == Origin.SUBSCRIPTION.value:
                sub = (
                    uow.session.get(SubscriptionRow, row.subscription_id)
                    if row.subscription_id
                    else None
                )
                if sub is None:  # deleted meanwhile: nothing can sign it any more
                    row.status = DeliveryStatus.FAILED.value
                    row.next_attempt_at = None
                    row.last_error = "the subscription was deleted"
                    row.updated_at = now
                    continue
                url = sub.url
                secret = cipher.decrypt(sub.secret_encrypted)
            else:
                secret = service.step_secret(
                    uow, workspace_id=row.workspace_id, cipher=cipher, now=now
                )
            row.next_attempt_at = now + LEASE
            claimed.append(_Claimed(row.id, url, payload.encode(row.payload), secret))
        uow.commit()
    return claimed


def _send(sender: Sender, item: _Claimed, now: datetime) -> Reply:
    headers = signing.headers(
        secret=item.secret, webhook_id=str(item.delivery_id), at=now, body=item.body
    )
    return sender.post(item.url, item.body, headers)


def deliver_due(
    runtime: Runtime, now: datetime, *, sender: Sender | None = None, limit: int = BATCH
) -> int:
    """Attempt every delivery due at ``now`` (up to ``limit``); answers how many were attempted.

    ``now`` is the one clock used: the claim, the signature's timestamp and the next attempt's
    time all derive from it, so tests drive the schedule without waiting.
    """
    cipher = Cipher(encryption_key(runtime.settings))
    claimed = _claim(runtime, now, cipher, limit)
    if not claimed:
        return 0
    own = sender is None
    post = sender or Sender()
    try:
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(claimed))) as pool:
            replies = list(pool.map(lambda item: _send(post, item, now), claimed))
    finally:
        if own:
            post.close()
    for item, reply in zip(claimed, replies, strict=True):
        with runtime.uow() as uow:
            recorded = service.record_attempt(
                uow,
                delivery_id=item.delivery_id,
                url=item.url,
                reply=reply,
                at=now,
                dispatch=True,
            )
            uow.commit()
        log.info(
            "webhook.attempt",
            extra={
                "delivery_id": str(item.delivery_id),
                "outcome": recorded.attempt.outcome.value,
                "status_code": reply.status_code,
            },
        )
    return len(claimed)


class DispatcherHandle:
    """A running dispatcher thread; ``stop()`` ends it after the batch in flight."""

    def __init__(self, runtime: Runtime, *, interval: float = 1.0) -> None:
        self._runtime = runtime
        self._interval = interval
        self._stopping = threading.Event()
        self._sender = Sender()
        self._thread = threading.Thread(target=self._run, name="facturo-webhooks", daemon=True)

    def start(self) -> DispatcherHandle:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = deliver_due(self._runtime, datetime.now(UTC), sender=self._sender)
            except Exception:
                # A database restart must not end webhook delivery for the life of the process;
                # the error is logged with its traceback and the loop waits before trying again.
                log.exception("webhook.dispatcher.error")
                busy = 0
            if not busy:
                self._stopping.wait(self._interval)

    def stop(self, timeout: float = 60.0) -> None:
        self._stopping.set()
        self._thread.join(timeout)
        self._sender.close()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


def start_dispatcher_thread(runtime: Runtime, *, interval: float = 1.0) -> DispatcherHandle:
    """Start delivering in a background thread (``facturo serve`` and ``facturo worker``)."""
    return DispatcherHandle(runtime, interval=interval).start()
