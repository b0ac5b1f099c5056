"""The ``webhook`` step run the way the engine runs it: a StepContext on a real unit of work.

Each run is its own transaction, committed as the engine's checkpoint would; ``now`` moves by
the ``retry_in`` the step answered, as the engine would schedule it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from facturo.errors import Fault
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.platform.secrets import Cipher
from facturo.transform.statuses import EventStatus
from facturo.transform.steps import webhook_send
from facturo.transform.steps.base import JobInfo, Resources, StepContext, StepResult
from facturo.transform.steps.testing import step_context
from facturo.transform.steps.webhook_send import WebhookConfig, send_webhook, webhook_id
from facturo.transform.webhooks import service
from facturo.transform.webhooks.dispatcher import deliver_due
from facturo.transform.webhooks.models import DeliveryStatus, Outcome
from facturo.transform.webhooks.sender import Sender


@pytest.fixture
def sender() -> Iterator[Sender]:
    s = Sender()
    yield s
    s.close()


@pytest.fixture
def job(workspace: Workspace) -> JobInfo:
    return JobInfo(
        id=uuid7(),
        workspace_id=workspace.id,
        workflow_id=uuid7(),
        key="invoice-SAMPLE-002",
        args={"payment_link": "https://pay.example/2"},
        silo_entry_id=None,
        faults=(Fault("3002", "Ya existe", (), "verifactu"),),
    )


@contextmanager
def _context(
    rt: Runtime, job: JobInfo, now: datetime, resources: Resources, attempt: int = 1
) -> Iterator[StepContext]:
    with rt.uow() as uow:
        ctx = step_context(
            uow,
            workspace_id=job.workspace_id,
            action="webhook",
            now=now,
            resources=resources,
            step_id="notify",
            attempt=attempt,
        )
        yield replace(ctx, job=job)  # the job's key, args and faults go into the payload
        uow.commit()


def _run(
    rt: Runtime, job: JobInfo, now: datetime, resources: Resources, **config: Any
) -> StepResult:
    parsed = send_webhook.parse_config(config)
    with _context(rt, job, now, resources) as ctx:
        result = send_webhook.run(ctx, parsed)
    assert isinstance(result, StepResult)
    return result


def test_delivered_is_ok_with_signature_bearer_token_and_headers(
    runtime: Runtime, job: JobInfo, cipher: Cipher, sender: Sender, receiver: Any
) -> None:
    resources = Resources(cipher, sender)
    with runtime.uow() as uow:
        receiver.secret = service.step_secret(uow, workspace_id=job.workspace_id, cipher=cipher)
        uow.commit()
    result = _run(
        runtime,
        job,
        datetime.now(UTC),
        resources,
        callback_url=receiver.url,
        event="invoice_sent",
        auth_token="tok-123",
        headers={"X-API-Key": "k-1"},
    )

    assert result.status == EventStatus.OK
    [got] = receiver.received
    assert got.verified is True
    assert got.headers["authorization"] == "Bearer tok-123"
    assert got.headers["x-api-key"] == "k-1"
    body = got.json
    assert body["id"] == got.headers["webhook-id"] == str(webhook_id(job.id, f"{job.id}:notify"))
    assert uuid.UUID(body["id"]).version == 7
    assert body["event"] == "invoice_sent"
    assert body["transform_job_id"] == str(job.id)
    assert body["silo_entry_id"] == ""
    assert body["owner_id"] == str(job.workspace_id)
    assert body["key"] == "invoice-SAMPLE-002"
    assert body["args"] == body["meta"] == {"payment_link": "https://pay.example/2"}
    assert body["faults"] == [{"provider": "verifactu", "code": "3002", "message": "Ya existe"}]
    assert body["result"]["status"] is None
    assert body["result"]["workflow_id"] == str(job.workflow_id)


def test_failures_answer_queued_on_the_schedule_with_one_id_then_ok(
    runtime: Runtime, job: JobInfo, cipher: Cipher, sender: Sender, receiver: Any
) -> None:
    resources = Resources(cipher, sender)
    receiver.answer(500, times=3)
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    delays = []
    while True:
        result = _run(runtime, job, now, resources, callback_url=receiver.url)
        if result.status != EventStatus.QUEUED:
            break
        assert result.code == "webhook.retry"
        assert result.retry_in is not None
        delays.append(result.retry_in)
        now += timedelta(seconds=result.retry_in)

    assert result.status == EventStatus.OK
    assert delays == [5, 10, 20]
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {str(webhook_id(job.id, f"{job.id}:notify"))}
    assert len({r.body for r in receiver.received}) == 1
    with runtime.uow() as uow:
        delivery = service.get_delivery(
            uow, workspace_id=job.workspace_id, delivery_id=uuid.UUID(ids.pop())
        )
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [a.outcome for a in delivery.log] == [Outcome.RETRY] * 3 + [Outcome.DELIVERED]
    assert delivery.next_attempt_at is None


def test_the_receivers_retry_in_is_the_queued_delay(
    runtime: Runtime, job: JobInfo, cipher: Cipher, sender: Sender, receiver: Any
) -> None:
    receiver.answer(503, {"code": "503", "message": "Service Unavailable", "retry_in": 120})
    result = _run(
        runtime, job, datetime.now(UTC), Resources(cipher, sender), callback_url=receiver.url
    )
    assert result.status == EventStatus.QUEUED
    assert result.retry_in == 120


def test_ko_webhook_failed_once_the_12_hours_are_over(
    runtime: Runtime, job: JobInfo, cipher: Cipher, sender: Sender, dead_url: str
) -> None:
    resources = Resources(cipher, sender)
    t0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    now = t0
    runs = 0
    while True:
        result = _run(runtime, job, now, resources, callback_url=dead_url)
        runs += 1
        if result.status != EventStatus.QUEUED:
            break
        assert result.retry_in is not None
        now += timedelta(seconds=result.retry_in)

    assert result.status == EventStatus.KO
    assert result.code == "webhook.failed"
    assert runs == 32
    assert now <= t0 + timedelta(hours=12)
    again = _run(runtime, job, now + timedelta(hours=1), resources, callback_url=dead_url)
    assert again.status == EventStatus.KO


def test_a_rerun_after_a_crash_sends_the_same_id(
    runtime: Runtime, job: JobInfo, cipher: Cipher, sender: Sender, receiver: Any
) -> None:
    resources = Resources(cipher, sender)
    config = send_webhook.parse_config({"callback_url": receiver.url})
    now = datetime.now(UTC)
    with runtime.uow() as uow:  # the step ran, the checkpoint never committed
        ctx = StepContext(
            job=job,
            step_id="notify",
            step_name="Send webhook",
            action="webhook",
            pointer="#/steps/0",
            attempt=1,
            resumed=False,
            uow=uow,
            now=now,
            resources=resources,
            log=logging.LoggerAdapter(logging.getLogger("test.webhook"), {}),
        )
        send_webhook.run(ctx, config)
    assert _run(runtime, job, now, resources, callback_url=receiver.url).status == EventStatus.OK
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


def test_a_step_delivery_is_in_the_log_and_replays_through_the_dispatcher(
    runtime: Runtime, job: JobInfo, cipher: Cipher, sender: Sender, receiver: Any
) -> None:
    now = datetime.now(UTC)
    _run(runtime, job, now, Resources(cipher, sender), callback_url=receiver.url)
    delivery_id = webhook_id(job.id, f"{job.id}:notify")
    with runtime.uow() as uow:
        service.replay_delivery(uow, workspace_id=job.workspace_id, delivery_id=delivery_id)
    assert deliver_due(runtime, datetime.now(UTC)) == 1
    first, second = receiver.received
    assert second.headers["webhook-id"] == first.headers["webhook-id"] == str(delivery_id)
    assert second.body == first.body


def test_the_webhook_id_is_a_v7_uuid_fixed_by_the_step_run() -> None:
    job_id = uuid7()
    a = webhook_id(job_id, f"{job_id}:notify")
    assert a == webhook_id(job_id, f"{job_id}:notify")
    assert a != webhook_id(job_id, f"{job_id}:other")
    assert a.version == 7
    assert (a.int >> 80) == (job_id.int >> 80)  # the job's millisecond


@pytest.mark.parametrize(
    ("config", "location"),
    [
        ({}, ("callback_url",)),
        ({"callback_url": "ftp://example.com/x"}, ("callback_url",)),
        ({"callback_url": "https:///nohost"}, ("callback_url",)),
        ({"callback_url": "https://example.com/a b"}, ("callback_url",)),
        ({"callback_url": "https://e.com", "headers": {"Bad Name": "x"}}, ("headers",)),
        ({"callback_url": "https://e.com", "headers": {"X-A": "a\r\nb"}}, ("headers",)),
        ({"callback_url": "https://e.com", "headers": {"webhook-id": "x"}}, ("headers",)),
        ({"callback_url": "https://e.com", "headers": {"Authorization": "x"}}, ("headers",)),
        ({"callback_url": "https://e.com", "surprise": 1}, ("surprise",)),
    ],
)
def test_bad_config_is_refused_with_its_path(config: dict[str, Any], location: tuple[str]) -> None:
    with pytest.raises(ValidationError) as caught:
        WebhookConfig.model_validate(config)
    assert [e["loc"][: len(location)] for e in caught.value.errors()] == [location]


def test_the_provider_is_declared_idempotent_for_the_webhook_action() -> None:
    provider = webhook_send.send_webhook
    assert provider.id == "webhook"
    assert provider.effect.value == "idempotent"
    assert provider.config is WebhookConfig
    assert provider.retry is not None
    assert provider.retry.max_total is not None
    assert provider.retry.max_total > 12 * 3600
