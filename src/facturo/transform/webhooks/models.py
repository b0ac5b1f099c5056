"""Domain types of webhooks: subscriptions, deliveries and their attempts."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NewType
from urllib.parse import urlsplit

SubscriptionId = NewType("SubscriptionId", uuid.UUID)
DeliveryId = NewType("DeliveryId", uuid.UUID)
"""A delivery's id is also its ``webhook-id`` header and the body's ``id``: one value, so a
receiver de-duplicates by whichever it reads."""

SUBSCRIPTION_EVENT = "job.finished"
"""The ``event`` of deliveries made by subscriptions; the job's status is in ``result.status``."""

MAX_URL_LENGTH = 2048


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"  # not delivered yet; an attempt is due or being retried
    DELIVERED = "delivered"  # the receiver answered 200 or 204
    FAILED = "failed"  # the schedule ran out (spec §4), or its subscription was deleted


class Origin(StrEnum):
    """What made a delivery."""

    SUBSCRIPTION = "subscription"  # a subscription matched a finished job; the dispatcher sends
    STEP = "step"  # a ``webhook`` step; the job engine re-runs the step to retry


class Outcome(StrEnum):
    """What one attempt led to."""

    DELIVERED = "delivered"  # 200 or 204
    RETRY = "retry"  # another attempt is scheduled
    FAILED = "failed"  # no attempt is left


_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
RESERVED_HEADERS = frozenset(
    {"webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "content-length"}
)


def check_callback_url(value: str) -> str:
    """An absolute ``http`` or ``https`` URL with a host; raises ``ValueError`` otherwise.

    Checked when a workflow or a subscription is saved, so a job never meets a URL it cannot
    post to. Private and loopback hosts are allowed: a self-hosted server often notifies a
    neighbour on the same network.
    """
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() for ch in value):
        raise ValueError("the URL contains white space")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError("the URL must start with http:// or https://")
    if not parts.hostname:
        raise ValueError("the URL has no host")
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number in range)
    except ValueError as exc:
        raise ValueError("the URL's port is not valid") from exc
    return value


def check_headers(headers: dict[str, str]) -> dict[str, str]:
    """Custom headers: RFC 9110 token names, no line breaks in values, none of ours.

    The signature and content headers are refused rather than silently overwritten, so a
    workflow author learns at save time that they cannot be set.
    """
    for name, value in headers.items():
        if not _TOKEN.match(name):
            raise ValueError(f"{name!r} is not a valid header name")
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"{name!r} is set by the server and cannot be configured")
        if "\r" in value or "\n" in value:
            raise ValueError(f"the value of {name!r} contains a line break")
    return headers


@dataclass(frozen=True, slots=True)
class Subscription:
    """A workspace's request to be told when its jobs finish.

    ``statuses`` (``OK``, ``KO``) and ``workflow_ids`` filter the jobs; empty means all.
    The signing secret is not here: it is shown once, when created or rotated.
    """

    id: SubscriptionId
    workspace_id: uuid.UUID
    url: str
    description: str
    enabled: bool
    statuses: tuple[str, ...]
    workflow_ids: tuple[uuid.UUID, ...]
    created_at: datetime
    updated_at: datetime

    def matches(self, *, status: str, workflow_id: uuid.UUID) -> bool:
        if not self.enabled:
            return False
        if self.statuses and status not in self.statuses:
            return False
        return not self.workflow_ids or workflow_id in self.workflow_ids


@dataclass(frozen=True, slots=True)
class IssuedSubscription:
    """A subscription just created (or its secret just rotated), with its ``whsec_`` secret."""

    subscription: Subscription
    secret: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at a delivery, as logged (append-only)."""

    number: int
    at: datetime
    url: str
    outcome: Outcome
    status_code: int | None
    response: str | None
    error: str | None
    retry_in: float | None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A webhook to deliver, its schedule and what happened so far."""

    id: DeliveryId
    workspace_id: uuid.UUID
    origin: Origin
    subscription_id: SubscriptionId | None
    job_id: uuid.UUID | None
    url: str
    event: str
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_response: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    log: tuple[Attempt, ...] = field(default_factory=tuple)
