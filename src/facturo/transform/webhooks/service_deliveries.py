"""Use cases of deliveries: queue, record attempts, list, fetch and replay (spec §4).

No function here makes a request: the dispatcher and the ``webhook`` step post between two
transactions and hand the reply to :func:`record_attempt`.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select

from facturo.platform.ids import uuid7
from facturo.platform.uow import UnitOfWork
from facturo.transform.events import JobFinished
from facturo.transform.webhooks import payload, repository, schedule
from facturo.transform.webhooks.errors import (
    DeliveryNotFound,
    DeliveryPending,
    InvalidCursor,
    SubscriptionNotFound,
)
from facturo.transform.webhooks.models import (
    SUBSCRIPTION_EVENT,
    Attempt,
    Delivery,
    DeliveryStatus,
    Origin,
    Outcome,
)
from facturo.transform.webhooks.sender import Reply
from facturo.transform.webhooks.tables import AttemptRow, DeliveryRow, SubscriptionRow


def _now() -> datetime:
    return datetime.now(UTC)


def on_job_finished(uow: UnitOfWork, event: JobFinished) -> None:
    """Queue one delivery per enabled subscription matching the job (a ``JobFinishedHook``).

    Runs inside the job's final transaction, so the deliveries exist if and only if the job's
    completion committed; no request is made here. The deliveries are due at once.
    """
    rows = uow.session.scalars(
        select(SubscriptionRow).where(
            SubscriptionRow.workspace_id == event.workspace_id,
            SubscriptionRow.enabled.is_(True),
        )
    )
    matching = [
        r
        for r in rows
        if repository.subscription_of(r).matches(status=event.status, workflow_id=event.workflow_id)
    ]
    if not matching:
        return
    result = {
        "status": event.status,
        "completed_at": payload.timestamp(event.completed_at),
        "workflow_id": str(event.workflow_id),
        **payload.entry_result(uow, workspace_id=event.workspace_id, entry_id=event.silo_entry_id),
    }
    for sub in matching:
        delivery_id = uuid7()
        body = payload.build(
            webhook_id=delivery_id,
            event=SUBSCRIPTION_EVENT,
            job_id=event.job_id,
            silo_entry_id=event.silo_entry_id,
            owner_id=event.workspace_id,
            key=event.key,
            args=event.args,
            faults=event.faults,
            result=result,
        )
        uow.session.add(
            repository.new_delivery(
                delivery_id=delivery_id,
                workspace_id=event.workspace_id,
                origin=Origin.SUBSCRIPTION,
                subscription_id=sub.id,
                job_id=event.job_id,
                url=sub.url,
                event=SUBSCRIPTION_EVENT,
                body=body,
                next_attempt_at=event.completed_at,
                now=event.completed_at,
            )
        )
    uow.session.flush()


def open_step_delivery(
    uow: UnitOfWork,
    *,
    delivery_id: uuid.UUID,
    workspace_id: uuid.UUID,
    job_id: uuid.UUID,
    url: str,
    event: str,
    body: Callable[[], dict[str, Any]],
    now: datetime,
) -> Delivery:
    """The step's delivery: made on its first run, the same one (id and body) on every re-run.

    The step drives its own retries through the job engine, so ``next_attempt_at`` stays empty
    and the dispatcher leaves the delivery alone.
    """
    row = uow.session.get(DeliveryRow, delivery_id)
    if row is None:
        row = repository.new_delivery(
            delivery_id=delivery_id,
            workspace_id=workspace_id,
            origin=Origin.STEP,
            subscription_id=None,
            job_id=job_id,
            url=url,
            event=event,
            body=body(),
            next_attempt_at=None,
            now=now,
        )
        uow.session.add(row)
        uow.session.flush()
    elif row.workspace_id != workspace_id:  # pragma: no cover - ids are derived per job
        raise DeliveryNotFound()
    return repository.delivery_of(row)


@dataclass(frozen=True, slots=True)
class Recorded:
    """An attempt as logged, and when the next one is due (``delay`` seconds after it)."""

    attempt: Attempt
    next_at: datetime | None
    delay: float | None
    stop_reason: str | None


def record_attempt(
    uow: UnitOfWork,
    *,
    delivery_id: uuid.UUID,
    url: str,
    reply: Reply,
    at: datetime,
    dispatch: bool,
) -> Recorded:
    """Log one attempt made at ``at`` and move the delivery along its schedule (spec §4).

    ``dispatch`` says who retries: the dispatcher (``next_attempt_at`` is set) or the job
    engine (it stays empty; the step answers QUEUED with the delay). A delivery that stopped
    being pending meanwhile (its subscription was deleted) keeps its status unless this attempt
    delivered it.
    """
    row = uow.session.scalars(
        select(DeliveryRow).where(DeliveryRow.id == delivery_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise DeliveryNotFound()
    pending = row.status == DeliveryStatus.PENDING.value
    if row.schedule_started_at is None:
        row.schedule_started_at = at
        row.schedule_attempts = 0
        row.retry_in_used = 0
    row.attempts += 1
    row.schedule_attempts += 1
    row.url = url
    row.last_status_code = reply.status_code
    row.last_response = reply.response
    row.last_error = reply.error
    row.updated_at = at
    next_at: datetime | None = None
    delay: float | None = None
    stop_reason: str | None = None
    if reply.delivered:
        outcome = Outcome.DELIVERED
        row.status = DeliveryStatus.DELIVERED.value
    elif not pending:
        outcome = Outcome.FAILED
    else:
        decision = schedule.after_failure(
            started_at=row.schedule_started_at,
            attempts=row.schedule_attempts,
            retry_in_used=row.retry_in_used,
            now=at,
            retry_in=reply.retry_in,
        )
        if isinstance(decision, schedule.Next):
            outcome = Outcome.RETRY
            next_at, delay = decision.at, decision.delay
            if decision.by_retry_in:
                row.retry_in_used += 1
        else:
            outcome = Outcome.FAILED
            stop_reason = decision.reason
            row.status = DeliveryStatus.FAILED.value
    row.next_attempt_at = next_at if dispatch else None
    attempt = AttemptRow(
        id=uuid7(),
        delivery_id=row.id,
        number=row.attempts,
        at=at,
        url=url,
        outcome=outcome.value,
        status_code=reply.status_code,
        response=reply.response,
        error=reply.error,
        retry_in=reply.retry_in,
    )
    uow.session.add(attempt)
    uow.session.flush()
    return Recorded(repository.attempt_of(attempt), next_at, delay, stop_reason)


def get_delivery(uow: UnitOfWork, *, workspace_id: uuid.UUID, delivery_id: uuid.UUID) -> Delivery:
    """A delivery with every attempt, oldest first."""
    row = uow.session.get(DeliveryRow, delivery_id)
    if row is None or row.workspace_id != workspace_id:
        raise DeliveryNotFound()
    log = uow.session.scalars(
        select(AttemptRow).where(AttemptRow.delivery_id == row.id).order_by(AttemptRow.number)
    )
    return repository.delivery_of(row, log)


def replay_delivery(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, delivery_id: uuid.UUID, now: datetime | None = None
) -> Delivery:
    """Send a delivered or failed delivery again: same id, same body, a fresh schedule.

    The dispatcher makes the attempt (now due), whatever made the delivery first: a finished
    step is never run again. A pending delivery is refused, so two schedules never race.
    """
    now = now or _now()
    row = uow.session.get(DeliveryRow, delivery_id)
    if row is None or row.workspace_id != workspace_id:
        raise DeliveryNotFound()
    if row.status == DeliveryStatus.PENDING.value:
        raise DeliveryPending()
    if row.origin == Origin.SUBSCRIPTION.value:
        if row.subscription_id is None:  # pragma: no cover - always set for this origin
            raise SubscriptionNotFound()
        repository.get_subscription_row(uow, workspace_id, row.subscription_id)
    row.status = DeliveryStatus.PENDING.value
    row.next_attempt_at = now
    row.schedule_started_at = None
    row.schedule_attempts = 0
    row.retry_in_used = 0
    row.updated_at = now
    uow.commit()
    return get_delivery(uow, workspace_id=workspace_id, delivery_id=delivery_id)


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    deliveries: list[Delivery]
    next_cursor: str | None


def list_deliveries(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    cursor: str | None = None,
    limit: int = 20,
    subscription_id: uuid.UUID | None = None,
    status: DeliveryStatus | None = None,
) -> DeliveryPage:
    """Newest first, keyset-paginated on ``(created_at, id)`` with an opaque cursor."""
    query = select(DeliveryRow).where(DeliveryRow.workspace_id == workspace_id)
    if subscription_id is not None:
        query = query.where(DeliveryRow.subscription_id == subscription_id)
    if status is not None:
        query = query.where(DeliveryRow.status == status.value)
    if cursor:
        at, last = _decode_cursor(cursor)
        query = query.where(
            or_(
                DeliveryRow.created_at < at,
                and_(DeliveryRow.created_at == at, DeliveryRow.id < last),
            )
        )
    rows = list(
        uow.session.scalars(
            query.order_by(DeliveryRow.created_at.desc(), DeliveryRow.id.desc()).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor(rows[-1]) if more and rows else None
    return DeliveryPage([repository.delivery_of(r) for r in rows], next_cursor)


def _encode_cursor(row: DeliveryRow) -> str:
    raw = json.dumps({"cat": row.created_at.isoformat(), "id": str(row.id)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at = datetime.fromisoformat(data["cat"])
        last = uuid.UUID(data["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor() from exc
    if at.tzinfo is None:
        raise InvalidCursor()
    return at, last
