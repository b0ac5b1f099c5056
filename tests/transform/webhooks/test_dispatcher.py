"""Subscriptions, ``on_job_finished`` and the dispatcher against a real receiver on loopback.

Every schedule assertion derives from the ``now`` handed to ``deliver_due``; nothing waits.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from facturo.errors import Fault
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.platform.secrets import Cipher, signing_key
from facturo.silo import service as silo_service
from facturo.silo.service import MetaFields, Source
from facturo.transform.events import JobFinished
from facturo.transform.webhooks import service
from facturo.transform.webhooks.dispatcher import deliver_due, start_dispatcher_thread
from facturo.transform.webhooks.models import DeliveryStatus, IssuedSubscription, Outcome
from facturo.transform.webhooks.tables import DeliveryRow

WORKFLOW = uuid.UUID("46e84a39-72cc-40ba-9b32-ac0feefa4833")
PARTY = {
    "$schema": "https://gobl.org/draft-0/org/party",
    "name": "Provide One S.L.",
    "tax_id": {"country": "ES", "code": "B98602642"},
}


def _subscribe(
    rt: Runtime, workspace: Workspace, cipher: Cipher, url: str, **kw: Any
) -> IssuedSubscription:
    with rt.uow() as uow:
        return service.create_subscription(
            uow, workspace_id=workspace.id, url=url, cipher=cipher, **kw
        )


def _finish(
    rt: Runtime,
    workspace: Workspace,
    *,
    at: datetime,
    status: str = "OK",
    workflow_id: uuid.UUID = WORKFLOW,
    entry_id: uuid.UUID | None = None,
    faults: tuple[Fault, ...] = (),
) -> JobFinished:
    event = JobFinished(
        workspace_id=workspace.id,
        job_id=uuid7(),
        workflow_id=workflow_id,
        key="invoice-SAMPLE-001",
        silo_entry_id=entry_id,
        status=status,
        args={"payment_link": "https://pay.example/1"},
        faults=faults,
        completed_at=at,
    )
    with rt.uow() as uow:
        service.on_job_finished(uow, event)
        uow.commit()
    return event


def _deliveries(rt: Runtime) -> list[DeliveryRow]:
    with rt.uow() as uow:
        rows = list(uow.session.scalars(select(DeliveryRow).order_by(DeliveryRow.created_at)))
        uow.session.expunge_all()  # keep the loaded values past the block's rollback
        return rows


def test_a_finished_job_is_delivered_signed_with_the_contract_body_and_result(
    runtime: Runtime, workspace: Workspace, cipher: Cipher, receiver: Any
) -> None:
    issued = _subscribe(runtime, workspace, cipher, receiver.url)
    receiver.secret = issued.secret
    source = Source("test", "t")
    with runtime.uow() as uow:
        entry = silo_service.create_entry(
            uow,
            workspace_id=workspace.id,
            data=PARTY,
            source=source,
            signing_key=signing_key(runtime.settings),
        )
        silo_service.set_state(
            uow, workspace_id=workspace.id, entry_id=entry.id, key="sent", src="test", src_id="t"
        )
        silo_service.add_stamp(
            uow,
            workspace_id=workspace.id,
            entry_id=entry.id,
            prv="verifactu-qr",
            val="https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=B98602642",
            source=source,
        )
        for key, secure in (("aeat", False), ("token", True)):
            silo_service.upsert_meta(
                uow,
                workspace_id=workspace.id,
                entry_id=entry.id,
                src="verifactu",
                key=key,
                fields=MetaFields(ref=f"{key}-ref", value={"estado": "Correcto"}, secure=secure),
            )
        uow.commit()
    now = datetime.now(UTC)
    fault = Fault("4107", "El NIF no está identificado", (), "verifactu")
    event = _finish(runtime, workspace, at=now, status="KO", entry_id=entry.id, faults=(fault,))

    assert deliver_due(runtime, now) == 1

    [got] = receiver.received
    assert got.verified is True
    assert got.headers["content-type"] == "application/json"
    body = got.json
    assert got.headers["webhook-id"] == body["id"]
    assert body["event"] == "job.finished"
    assert body["transform_job_id"] == str(event.job_id)
    assert body["silo_entry_id"] == str(entry.id)
    assert body["owner_id"] == str(workspace.id)
    assert body["key"] == "invoice-SAMPLE-001"
    assert body["args"] == body["meta"] == {"payment_link": "https://pay.example/1"}
    assert body["faults"] == [
        {"provider": "verifactu", "code": "4107", "message": "El NIF no está identificado"}
    ]
    result = body["result"]
    assert result["status"] == "KO"
    assert result["workflow_id"] == str(WORKFLOW)
    assert result["completed_at"].endswith("Z")
    assert result["state"] == "sent"
    assert result["stamps"] == [
        {
            "prv": "verifactu-qr",
            "val": "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=B98602642",
        }
    ]
    assert result["meta"] == [
        {
            "src": "verifactu",
            "key": "aeat",
            "ref": "aeat-ref",
            "value": {"estado": "Correcto"},
            "link_url": None,
            "link_scope": None,
        }
    ]
    [row] = _deliveries(runtime)
    assert row.status == DeliveryStatus.DELIVERED
    assert row.attempts == 1
    assert row.next_attempt_at is None
    assert deliver_due(runtime, now + timedelta(hours=1)) == 0


def test_subscriptions_filter_on_status_and_workflow_and_skip_disabled_ones(
    runtime: Runtime, workspace: Workspace, cipher: Cipher, receiver: Any
) -> None:
    other_flow = uuid7()
    _subscribe(runtime, workspace, cipher, receiver.url + "?ko", statuses=["KO"])
    _subscribe(runtime, workspace, cipher, receiver.url + "?flow", workflow_ids=[other_flow])
    _subscribe(runtime, workspace, cipher, receiver.url + "?all")
    _subscribe(runtime, workspace, cipher, receiver.url + "?off", enabled=False)
    now = datetime.now(UTC)
    _finish(runtime, workspace, at=now, status="OK")
    _finish(runtime, workspace, at=now, status="KO", workflow_id=other_flow)

    assert deliver_due(runtime, now) == 4
    paths = sorted(r.path.split("?")[1] for r in receiver.received)
    assert paths == ["all", "all", "flow", "ko"]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 4


def test_a_subscription_only_hears_of_its_own_workspace(
    runtime: Runtime,
    workspace: Workspace,
    other_workspace: Workspace,
    cipher: Cipher,
    receiver: Any,
) -> None:
    _subscribe(runtime, other_workspace, cipher, receiver.url)
    now = datetime.now(UTC)
    _finish(runtime, workspace, at=now)
    assert deliver_due(runtime, now) == 0
    assert receiver.received == []


def test_failed_attempts_are_retried_at_5_10_20_s_and_logged(
    runtime: Runtime, workspace: Workspace, cipher: Cipher, receiver: Any
) -> None:
    _subscribe(runtime, workspace, cipher, receiver.url)
    receiver.always(500, {"message": "down"})
    t0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    _finish(runtime, workspace, at=t0)

    expected = t0
    for delay in (5, 10, 20, 40):
        assert deliver_due(runtime, expected - timedelta(seconds=1)) == 0
        assert deliver_due(runtime, expected) == 1
        expected += timedelta(seconds=delay)
        [row] = _deliveries(runtime)
        assert row.status == DeliveryStatus.PENDING
        assert row.next_attempt_at == expected
    assert row.last_status_code == 500
    assert row.last_response == '{"message": "down"}'
    with runtime.uow() as uow:
        delivery = service.get_delivery(uow, workspace_id=workspace.id, delivery_id=row.id)
    assert [a.number for a in delivery.log] == [1, 2, 3, 4]
    assert {a.outcome for a in delivery.log} == {Outcome.RETRY}
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


def test_the_delivery_fails_after_12_hours(
    runtime: Runtime, workspace: Workspace, cipher: Cipher, dead_url: str
) -> None:
    _subscribe(runtime, workspace, cipher, dead_url)
    t0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    _finish(runtime, workspace, at=t0)

    times = []
    now = t0
    while True:
        assert deliver_due(runtime, now) == 1
        times.append(now)
        [row] = _deliveries(runtime)
        if row.status != DeliveryStatus.PENDING:
            break
        assert row.next_attempt_at is not None
        now = row.next_attempt_at

    assert row.status == DeliveryStatus.FAILED
    assert row.last_error
    assert row.last_error.startswith("ConnectError")
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps[:9] == [5, 10, 20, 40, 80, 160, 320, 640, 1280]
    assert set(gaps[9:]) == {1800}
    assert times[-1] <= t0 + timedelta(hours=12) < times[-1] + timedelta(seconds=1800)
    assert len(times) == 32


def test_retry_in_from_the_receiver_is_honoured_at_most_32_times(
    runtime: Runtime, workspace: Workspace, cipher: Cipher, receiver: Any
) -> None:
    _subscribe(runtime, workspace, cipher, receiver.url)
    receiver.always(503, {"code": "503", "message": "Service Unavailable", "retry_in": 20})
    t0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    _finish(runtime, workspace, at=t0)

    now = t0
    for _ in range(32):
        assert deliver_due(runtime, now) == 1
        [row] = _deliveries(runtime)
        assert row.next_attempt_at == now + timedelta(seconds=20)
        now += timedelta(seconds=20)
    assert deliver_due(runtime, now) == 1
    [row] = _deliveries(runtime)
    assert row.status == DeliveryStatus.FAILED
    assert row.next_attempt_at is None
    assert len(receiver.received) == 33


def test_replay_resends_the_same_id_and_body(
    runtime: Runtime, workspace: Workspace, cipher: Cipher, receiver: Any
) -> None:
    issued = _subscribe(runtime, workspace, cipher, receiver.url)
    receiver.secret = issued.secret
    now = datetime.now(UTC)
    _finish(runtime, workspace, at=now)
    deliver_due(runtime, now)
    [row] = _deliveries(runtime)

    with runtime.uow() as uow:
        replayed = service.replay_delivery(uow, workspace_id=workspace.id, delivery_id=row.id)
    assert replayed.status == DeliveryStatus.PENDING
    assert deliver_due(runtime, datetime.now(UTC)) == 1

    first, second = receiver.received
    assert second.headers["webhook-id"] == first.headers["webhook-id"] == str(row.id)
    assert second.body == first.body
    assert second.verified is True
    with runtime.uow() as uow:
        delivery = service.get_delivery(uow, workspace_id=workspace.id, delivery_id=row.id)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2


def test_deleting_a_subscription_fails_its_pending_deliveries(
    runtime: Runtime, workspace: Workspace, cipher: Cipher, receiver: Any
) -> None:
    issued = _subscribe(runtime, workspace, cipher, receiver.url)
    now = datetime.now(UTC)
    _finish(runtime, workspace, at=now)
    with runtime.uow() as uow:
        service.delete_subscription(
            uow, workspace_id=workspace.id, subscription_id=issued.subscription.id
        )
    assert deliver_due(runtime, now) == 0
    [row] = _deliveries(runtime)
    assert row.status == DeliveryStatus.FAILED
    assert receiver.received == []


def test_a_rotated_secret_signs_the_next_attempts(
    runtime: Runtime, workspace: Workspace, cipher: Cipher, receiver: Any
) -> None:
    issued = _subscribe(runtime, workspace, cipher, receiver.url)
    with runtime.uow() as uow:
        rotated = service.rotate_subscription_secret(
            uow, workspace_id=workspace.id, subscription_id=issued.subscription.id, cipher=cipher
        )
    assert rotated.secret != issued.secret
    receiver.secret = rotated.secret
    now = datetime.now(UTC)
    _finish(runtime, workspace, at=now)
    deliver_due(runtime, now)
    assert [r.verified for r in receiver.received] == [True]


def test_the_dispatcher_thread_delivers_and_stops(
    runtime: Runtime, workspace: Workspace, cipher: Cipher, receiver: Any
) -> None:
    _subscribe(runtime, workspace, cipher, receiver.url)
    _finish(runtime, workspace, at=datetime.now(UTC))
    handle = start_dispatcher_thread(runtime, interval=0.05)
    pause = threading.Event()
    try:
        for _ in range(400):
            if _deliveries(runtime)[0].status == DeliveryStatus.DELIVERED:
                break
            pause.wait(0.05)
    finally:
        handle.stop()
    assert not handle.alive
    assert _deliveries(runtime)[0].status == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 1


def test_two_dispatchers_at_once_send_each_delivery_once(
    runtime: Runtime, workspace: Workspace, cipher: Cipher, receiver: Any
) -> None:
    _subscribe(runtime, workspace, cipher, receiver.url)
    now = datetime.now(UTC)
    for _ in range(20):
        _finish(runtime, workspace, at=now)
    start = threading.Barrier(2)
    counts: list[int] = []

    def run() -> None:
        start.wait()
        while attempted := deliver_due(runtime, now, limit=4):
            counts.append(attempted)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert sum(counts) == 20
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 20
    assert {row.status for row in _deliveries(runtime)} == {DeliveryStatus.DELIVERED}


def test_deliveries_are_queued_only_if_the_jobs_transaction_commits(
    runtime: Runtime, workspace: Workspace, cipher: Cipher, receiver: Any
) -> None:
    _subscribe(runtime, workspace, cipher, receiver.url)
    event = JobFinished(
        workspace_id=workspace.id,
        job_id=uuid7(),
        workflow_id=WORKFLOW,
        key=None,
        silo_entry_id=None,
        status="OK",
        args={},
        faults=(),
        completed_at=datetime.now(UTC),
    )
    with runtime.uow() as uow:
        service.on_job_finished(uow, event)  # the checkpoint fails: no commit
    assert _deliveries(runtime) == []
    assert deliver_due(runtime, event.completed_at) == 0
