"""``/transform/v1/webhooks``: subscriptions, the step secret and the delivery log.

An extension of the contract (Invopop configures webhooks only as a workflow step), shaped like
its other resources: JSON, RFC 3339 times with milliseconds, cursor lists with ``list``,
``limit``, ``cursor`` and ``next_cursor``. Every route needs a token and sees only its
workspace.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from facturo.platform.auth import Caller, ReadUoW, UoW, runtime
from facturo.platform.runtime import Runtime
from facturo.platform.secrets import Cipher, encryption_key
from facturo.transform.webhooks import service
from facturo.transform.webhooks.models import (
    Attempt,
    Delivery,
    DeliveryStatus,
    Subscription,
    check_callback_url,
)
from facturo.transform.webhooks.payload import timestamp

router = APIRouter(prefix="/transform/v1/webhooks", tags=["webhooks"])


def _cipher(rt: Annotated[Runtime, Depends(runtime)]) -> Cipher:
    return Cipher(encryption_key(rt.settings))


CipherDep = Annotated[Cipher, Depends(_cipher)]


class JobStatus(StrEnum):
    """The final statuses a subscription can filter on."""

    OK = "OK"
    KO = "KO"


class CreateSubscription(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="Where to POST (http or https).")
    description: str = Field(default="", max_length=500)
    enabled: bool = True
    statuses: list[JobStatus] = Field(default_factory=list, description="Empty: every job.")
    workflow_ids: list[uuid.UUID] = Field(default_factory=list, description="Empty: all.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_callback_url(value)


class UpdateSubscription(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None
    statuses: list[JobStatus] | None = None
    workflow_ids: list[uuid.UUID] | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_callback_url(value)


def subscription_json(sub: Subscription) -> dict[str, Any]:
    return {
        "id": str(sub.id),
        "url": sub.url,
        "description": sub.description,
        "enabled": sub.enabled,
        "statuses": list(sub.statuses),
        "workflow_ids": [str(w) for w in sub.workflow_ids],
        "created_at": timestamp(sub.created_at),
        "updated_at": timestamp(sub.updated_at),
    }


def attempt_json(attempt: Attempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "at": timestamp(attempt.at),
        "url": attempt.url,
        "outcome": attempt.outcome.value,
        "status_code": attempt.status_code,
        "response": attempt.response,
        "error": attempt.error,
        "retry_in": attempt.retry_in,
    }


def delivery_json(delivery: Delivery, *, with_history: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(delivery.id),
        "origin": delivery.origin.value,
        "subscription_id": str(delivery.subscription_id) if delivery.subscription_id else None,
        "transform_job_id": str(delivery.job_id) if delivery.job_id else None,
        "url": delivery.url,
        "event": delivery.event,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "next_attempt_at": timestamp(delivery.next_attempt_at)
        if delivery.next_attempt_at
        else None,
        "last_status_code": delivery.last_status_code,
        "last_response": delivery.last_response,
        "last_error": delivery.last_error,
        "created_at": timestamp(delivery.created_at),
        "updated_at": timestamp(delivery.updated_at),
        "payload": delivery.payload,
    }
    if with_history:
        out["history"] = [attempt_json(a) for a in delivery.log]
    return out


@router.post("/subscriptions", status_code=201, summary="Subscribe a URL to finished jobs")
def create_subscription(
    body: CreateSubscription, caller: Caller, uow: UoW, cipher: CipherDep
) -> dict[str, Any]:
    issued = service.create_subscription(
        uow,
        workspace_id=caller.workspace_id,
        url=body.url,
        cipher=cipher,
        description=body.description,
        enabled=body.enabled,
        statuses=[s.value for s in body.statuses],
        workflow_ids=body.workflow_ids,
    )
    return {**subscription_json(issued.subscription), "secret": issued.secret}


@router.get("/subscriptions", summary="List the workspace's subscriptions")
def list_subscriptions(caller: Caller, uow: ReadUoW) -> dict[str, Any]:
    subs = service.list_subscriptions(uow, workspace_id=caller.workspace_id)
    return {"list": [subscription_json(s) for s in subs]}


@router.get("/subscriptions/{subscription_id}", summary="Fetch a subscription")
def get_subscription(subscription_id: uuid.UUID, caller: Caller, uow: ReadUoW) -> dict[str, Any]:
    return subscription_json(
        service.get_subscription(
            uow, workspace_id=caller.workspace_id, subscription_id=subscription_id
        )
    )


@router.patch("/subscriptions/{subscription_id}", summary="Change a subscription")
def update_subscription(
    subscription_id: uuid.UUID, body: UpdateSubscription, caller: Caller, uow: UoW
) -> dict[str, Any]:
    sub = service.update_subscription(
        uow,
        workspace_id=caller.workspace_id,
        subscription_id=subscription_id,
        url=body.url,
        description=body.description,
        enabled=body.enabled,
        statuses=None if body.statuses is None else [s.value for s in body.statuses],
        workflow_ids=body.workflow_ids,
    )
    return subscription_json(sub)


@router.delete("/subscriptions/{subscription_id}", status_code=204, summary="Delete a subscription")
def delete_subscription(subscription_id: uuid.UUID, caller: Caller, uow: UoW) -> Response:
    service.delete_subscription(
        uow, workspace_id=caller.workspace_id, subscription_id=subscription_id
    )
    return Response(status_code=204)


@router.post(
    "/subscriptions/{subscription_id}/secret",
    summary="Rotate a subscription's signing secret (the new one is shown once)",
)
def rotate_secret(
    subscription_id: uuid.UUID, caller: Caller, uow: UoW, cipher: CipherDep
) -> dict[str, Any]:
    issued = service.rotate_subscription_secret(
        uow, workspace_id=caller.workspace_id, subscription_id=subscription_id, cipher=cipher
    )
    return {**subscription_json(issued.subscription), "secret": issued.secret}


@router.get("/secret", summary="The secret that signs this workspace's webhook steps")
def get_step_secret(caller: Caller, uow: UoW, cipher: CipherDep) -> dict[str, Any]:
    secret = service.step_secret(uow, workspace_id=caller.workspace_id, cipher=cipher)
    uow.commit()
    return {"secret": secret}


@router.get("/deliveries", summary="List deliveries, newest first")
def list_deliveries(
    caller: Caller,
    uow: ReadUoW,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    subscription_id: uuid.UUID | None = None,
    status: DeliveryStatus | None = None,
) -> dict[str, Any]:
    page = service.list_deliveries(
        uow,
        workspace_id=caller.workspace_id,
        cursor=cursor,
        limit=limit,
        subscription_id=subscription_id,
        status=status,
    )
    out: dict[str, Any] = {"list": [delivery_json(d) for d in page.deliveries], "limit": limit}
    if cursor:
        out["cursor"] = cursor
    if page.next_cursor:
        out["next_cursor"] = page.next_cursor
    return out


@router.get("/deliveries/{delivery_id}", summary="Fetch a delivery with every attempt")
def get_delivery(delivery_id: uuid.UUID, caller: Caller, uow: ReadUoW) -> dict[str, Any]:
    delivery = service.get_delivery(uow, workspace_id=caller.workspace_id, delivery_id=delivery_id)
    return delivery_json(delivery, with_history=True)


@router.post(
    "/deliveries/{delivery_id}/replay",
    status_code=202,
    summary="Send a delivered or failed delivery again (same id and body)",
)
def replay_delivery(delivery_id: uuid.UUID, caller: Caller, uow: UoW) -> dict[str, Any]:
    delivery = service.replay_delivery(
        uow, workspace_id=caller.workspace_id, delivery_id=delivery_id
    )
    return delivery_json(delivery, with_history=True)
