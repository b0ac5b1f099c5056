"""Rows of webhooks to domain types and back; every lookup is scoped to a workspace."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from facturo.platform.uow import UnitOfWork
from facturo.transform.webhooks.errors import SubscriptionNotFound
from facturo.transform.webhooks.models import (
    Attempt,
    Delivery,
    DeliveryId,
    DeliveryStatus,
    Origin,
    Outcome,
    Subscription,
    SubscriptionId,
)
from facturo.transform.webhooks.tables import AttemptRow, DeliveryRow, SubscriptionRow


def subscription_of(row: SubscriptionRow) -> Subscription:
    return Subscription(
        id=SubscriptionId(row.id),
        workspace_id=row.workspace_id,
        url=row.url,
        description=row.description,
        enabled=row.enabled,
        statuses=tuple(row.statuses),
        workflow_ids=tuple(uuid.UUID(w) for w in row.workflow_ids),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def get_subscription_row(
    uow: UnitOfWork, workspace_id: uuid.UUID, subscription_id: uuid.UUID
) -> SubscriptionRow:
    row = uow.session.get(SubscriptionRow, subscription_id)
    if row is None or row.workspace_id != workspace_id:
        raise SubscriptionNotFound()
    return row


def attempt_of(row: AttemptRow) -> Attempt:
    return Attempt(
        number=row.number,
        at=row.at,
        url=row.url,
        outcome=Outcome(row.outcome),
        status_code=row.status_code,
        response=row.response,
        error=row.error,
        retry_in=row.retry_in,
    )


def delivery_of(row: DeliveryRow, log: Iterable[AttemptRow] = ()) -> Delivery:
    return Delivery(
        id=DeliveryId(row.id),
        workspace_id=row.workspace_id,
        origin=Origin(row.origin),
        subscription_id=SubscriptionId(row.subscription_id) if row.subscription_id else None,
        job_id=row.job_id,
        url=row.url,
        event=row.event,
        payload=row.payload,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code,
        last_response=row.last_response,
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        log=tuple(attempt_of(a) for a in log),
    )


def new_delivery(
    *,
    delivery_id: uuid.UUID,
    workspace_id: uuid.UUID,
    origin: Origin,
    subscription_id: uuid.UUID | None,
    job_id: uuid.UUID,
    url: str,
    event: str,
    body: dict[str, Any],
    next_attempt_at: datetime | None,
    now: datetime,
) -> DeliveryRow:
    return DeliveryRow(
        id=delivery_id,
        workspace_id=workspace_id,
        origin=origin.value,
        subscription_id=subscription_id,
        job_id=job_id,
        url=url,
        event=event,
        payload=body,
        status=DeliveryStatus.PENDING.value,
        attempts=0,
        schedule_started_at=None,
        schedule_attempts=0,
        retry_in_used=0,
        next_attempt_at=next_attempt_at,
        created_at=now,
        updated_at=now,
    )
