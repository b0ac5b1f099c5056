"""Use cases of webhooks, for the API, the dispatcher, the ``webhook`` step and the job engine.

This module holds subscriptions and the step secret, and re-exports the delivery use cases of
``service_deliveries`` so other parts import one module. Nothing here touches the network:
enqueueing (``on_job_finished``) and recording an attempt (``record_attempt``) are database
writes in the caller's transaction; the request itself is made by ``dispatcher`` or the step
between two transactions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from facturo.platform.ids import uuid7
from facturo.platform.secrets import Cipher
from facturo.platform.uow import UnitOfWork
from facturo.transform.webhooks import repository, signing
from facturo.transform.webhooks.models import DeliveryStatus, IssuedSubscription, Subscription
from facturo.transform.webhooks.service_deliveries import (
    DeliveryPage,
    Recorded,
    get_delivery,
    list_deliveries,
    on_job_finished,
    open_step_delivery,
    record_attempt,
    replay_delivery,
)
from facturo.transform.webhooks.tables import DeliveryRow, StepSecretRow, SubscriptionRow

__all__ = [
    "DeliveryPage",
    "Recorded",
    "create_subscription",
    "delete_subscription",
    "get_delivery",
    "get_subscription",
    "list_deliveries",
    "list_subscriptions",
    "on_job_finished",
    "open_step_delivery",
    "record_attempt",
    "replay_delivery",
    "rotate_subscription_secret",
    "step_secret",
    "update_subscription",
]


def _now() -> datetime:
    return datetime.now(UTC)


def create_subscription(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    url: str,
    cipher: Cipher,
    description: str = "",
    enabled: bool = True,
    statuses: Iterable[str] = (),
    workflow_ids: Iterable[uuid.UUID] = (),
    now: datetime | None = None,
) -> IssuedSubscription:
    """A new subscription and its signing secret, which is shown only now."""
    now = now or _now()
    secret = signing.new_secret()
    row = SubscriptionRow(
        id=uuid7(),
        workspace_id=workspace_id,
        url=url,
        description=description,
        enabled=enabled,
        statuses=sorted(set(statuses)),
        workflow_ids=[str(w) for w in dict.fromkeys(workflow_ids)],
        secret_encrypted=cipher.encrypt(secret),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(row)
    uow.commit()
    return IssuedSubscription(repository.subscription_of(row), secret)


def list_subscriptions(uow: UnitOfWork, *, workspace_id: uuid.UUID) -> list[Subscription]:
    rows = uow.session.scalars(
        select(SubscriptionRow)
        .where(SubscriptionRow.workspace_id == workspace_id)
        .order_by(SubscriptionRow.created_at, SubscriptionRow.id)
    )
    return [repository.subscription_of(r) for r in rows]


def get_subscription(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, subscription_id: uuid.UUID
) -> Subscription:
    return repository.subscription_of(
        repository.get_subscription_row(uow, workspace_id, subscription_id)
    )


def update_subscription(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    subscription_id: uuid.UUID,
    url: str | None = None,
    description: str | None = None,
    enabled: bool | None = None,
    statuses: Iterable[str] | None = None,
    workflow_ids: Iterable[uuid.UUID] | None = None,
    now: datetime | None = None,
) -> Subscription:
    """Change what is given; ``None`` leaves a field as it is.

    Pending deliveries follow a new URL. Disabling stops new deliveries; those already queued
    are still sent, since they describe jobs that finished while the subscription was enabled.
    """
    row = repository.get_subscription_row(uow, workspace_id, subscription_id)
    if url is not None:
        row.url = url
    if description is not None:
        row.description = description
    if enabled is not None:
        row.enabled = enabled
    if statuses is not None:
        row.statuses = sorted(set(statuses))
    if workflow_ids is not None:
        row.workflow_ids = [str(w) for w in dict.fromkeys(workflow_ids)]
    row.updated_at = now or _now()
    uow.commit()
    return repository.subscription_of(row)


def rotate_subscription_secret(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    subscription_id: uuid.UUID,
    cipher: Cipher,
    now: datetime | None = None,
) -> IssuedSubscription:
    """A new secret for the subscription; the old one stops signing at once, retries included."""
    row = repository.get_subscription_row(uow, workspace_id, subscription_id)
    secret = signing.new_secret()
    row.secret_encrypted = cipher.encrypt(secret)
    row.updated_at = now or _now()
    uow.commit()
    return IssuedSubscription(repository.subscription_of(row), secret)


def delete_subscription(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    subscription_id: uuid.UUID,
    now: datetime | None = None,
) -> None:
    """Delete it; its pending deliveries fail (nothing could sign them), its log stays."""
    now = now or _now()
    row = repository.get_subscription_row(uow, workspace_id, subscription_id)
    pending = uow.session.scalars(
        select(DeliveryRow).where(
            DeliveryRow.subscription_id == row.id,
            DeliveryRow.status == DeliveryStatus.PENDING.value,
        )
    )
    for delivery in pending:
        delivery.status = DeliveryStatus.FAILED.value
        delivery.next_attempt_at = None
        delivery.last_error = "the subscription was deleted"
        delivery.updated_at = now
    uow.session.delete(row)
    uow.commit()


def step_secret(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, cipher: Cipher, now: datetime | None = None
) -> str:
    """The secret signing the workspace's ``webhook`` steps, made on first use.

    Written in the caller's transaction (a step's, or the API's, which commits). Two first uses
    at once both insert; the loser's savepoint rolls back and it reads the winner's secret.
    """
    row = uow.session.get(StepSecretRow, workspace_id)
    if row is None:
        candidate = StepSecretRow(
            workspace_id=workspace_id,
            secret_encrypted=cipher.encrypt(signing.new_secret()),
            created_at=now or _now(),
        )
        try:
            with uow.session.begin_nested():
                uow.session.add(candidate)
            row = candidate
        except IntegrityError:
            row = uow.session.get(StepSecretRow, workspace_id, populate_existing=True)
            if row is None:  # pragma: no cover - the conflicting row cannot vanish
                raise
    return cipher.decrypt(row.secret_encrypted)
