"""``/transform/v1/webhooks`` over real HTTP on loopback, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from facturo.platform import workspaces
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.transform.events import JobFinished
from facturo.transform.webhooks import api, service
from facturo.transform.webhooks.dispatcher import deliver_due

BASE = "/transform/v1/webhooks"


@pytest.fixture
def other_auth(runtime: Runtime, other_workspace: Workspace) -> dict[str, str]:
    with runtime.uow() as uow:
        secret = workspaces.create_token(uow, workspace_id=other_workspace.id).secret
    return {"Authorization": f"Bearer {secret}"}


def _finish(rt: Runtime, workspace_id: uuid.UUID) -> None:
    event = JobFinished(
        workspace_id=workspace_id,
        job_id=uuid7(),
        workflow_id=uuid7(),
        key=None,
        silo_entry_id=None,
        status="OK",
        args={},
        faults=(),
        completed_at=datetime.now(UTC),
    )
    with rt.uow() as uow:
        service.on_job_finished(uow, event)
        uow.commit()


def test_every_route_needs_a_token(http: httpx.Client) -> None:
    some_id = str(uuid7())
    for route in api.router.routes:
        assert isinstance(route, APIRoute)
        path = route.path.replace("{subscription_id}", some_id).replace("{delivery_id}", some_id)
        for method in route.methods:
            reply = http.request(method, path, json={})
            assert reply.status_code == 401, (method, path)


def test_subscription_lifecycle(http: httpx.Client, auth: dict[str, str]) -> None:
    created = http.post(
        f"{BASE}/subscriptions",
        json={"url": "https://hooks.example/facturo", "statuses": ["KO"], "description": "ops"},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    sub_id = body["id"]
    assert body["statuses"] == ["KO"]
    assert body["enabled"] is True

    fetched = http.get(f"{BASE}/subscriptions/{sub_id}", headers=auth).json()
    assert "secret" not in fetched
    assert fetched["url"] == "https://hooks.example/facturo"
    listed = http.get(f"{BASE}/subscriptions", headers=auth).json()["list"]
    assert [s["id"] for s in listed] == [sub_id]
    assert all("secret" not in s for s in listed)

    patched = http.patch(
        f"{BASE}/subscriptions/{sub_id}", json={"enabled": False, "statuses": []}, headers=auth
    )
    assert patched.status_code == 200
    assert patched.json()["enabled"] is False
    assert patched.json()["statuses"] == []
    assert patched.json()["description"] == "ops"

    rotated = http.post(f"{BASE}/subscriptions/{sub_id}/secret", headers=auth).json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != body["secret"]

    assert http.delete(f"{BASE}/subscriptions/{sub_id}", headers=auth).status_code == 204
    gone = http.get(f"{BASE}/subscriptions/{sub_id}", headers=auth)
    assert gone.status_code == 404
    assert gone.json()["key"] == "not_found"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"url": "ftp://hooks.example/x"}, "#/url"),
        ({"url": "https://"}, "#/url"),
        ({"url": "https://h.example", "statuses": ["MAYBE"]}, "#/statuses/0"),
        ({"url": "https://h.example", "workflow_ids": ["nope"]}, "#/workflow_ids/0"),
        ({"url": "https://h.example", "secret": "whsec_mine"}, "#/secret"),
        ({}, "#/url"),
    ],
)
def test_a_bad_subscription_is_refused_with_its_pointer_and_nothing_is_stored(
    http: httpx.Client, auth: dict[str, str], body: dict[str, object], pointer: str
) -> None:
    reply = http.post(f"{BASE}/subscriptions", json=body, headers=auth)
    assert reply.status_code == 422
    assert [e["pointer"] for e in reply.json()["errors"]] == [pointer]
    assert http.get(f"{BASE}/subscriptions", headers=auth).json()["list"] == []


def test_a_patch_with_a_bad_url_changes_nothing(http: httpx.Client, auth: dict[str, str]) -> None:
    sub = http.post(f"{BASE}/subscriptions", json={"url": "https://a.example"}, headers=auth)
    sub_id = sub.json()["id"]
    bad = http.patch(f"{BASE}/subscriptions/{sub_id}", json={"url": "mailto:x"}, headers=auth)
    assert bad.status_code == 422
    assert [e["pointer"] for e in bad.json()["errors"]] == ["#/url"]
    assert http.get(f"{BASE}/subscriptions/{sub_id}", headers=auth).json()["url"] == (
        "https://a.example"
    )


def test_workspaces_never_see_each_others_subscriptions_or_deliveries(
    runtime: Runtime,
    http: httpx.Client,
    auth: dict[str, str],
    other_auth: dict[str, str],
    workspace: Workspace,
    dead_url: str,
) -> None:
    sub_id = http.post(f"{BASE}/subscriptions", json={"url": dead_url}, headers=auth).json()["id"]
    _finish(runtime, workspace.id)
    [delivery] = http.get(f"{BASE}/deliveries", headers=auth).json()["list"]

    assert http.get(f"{BASE}/subscriptions", headers=other_auth).json()["list"] == []
    assert http.get(f"{BASE}/deliveries", headers=other_auth).json()["list"] == []
    for method, path in [
        ("GET", f"{BASE}/subscriptions/{sub_id}"),
        ("PATCH", f"{BASE}/subscriptions/{sub_id}"),
        ("DELETE", f"{BASE}/subscriptions/{sub_id}"),
        ("POST", f"{BASE}/subscriptions/{sub_id}/secret"),
        ("GET", f"{BASE}/deliveries/{delivery['id']}"),
        ("POST", f"{BASE}/deliveries/{delivery['id']}/replay"),
    ]:
        reply = http.request(method, path, json={}, headers=other_auth)
        assert reply.status_code == 404, (method, path)
    assert http.get(f"{BASE}/subscriptions/{sub_id}", headers=auth).status_code == 200


def test_the_step_secret_is_made_once_per_workspace(
    http: httpx.Client, auth: dict[str, str], other_auth: dict[str, str]
) -> None:
    first = http.get(f"{BASE}/secret", headers=auth).json()["secret"]
    assert first.startswith("whsec_")
    assert http.get(f"{BASE}/secret", headers=auth).json()["secret"] == first
    assert http.get(f"{BASE}/secret", headers=other_auth).json()["secret"] != first


def test_deliveries_page_with_a_cursor_show_attempts_and_replay(
    runtime: Runtime,
    http: httpx.Client,
    auth: dict[str, str],
    workspace: Workspace,
    dead_url: str,
) -> None:
    http.post(f"{BASE}/subscriptions", json={"url": dead_url}, headers=auth)
    for _ in range(3):
        _finish(runtime, workspace.id)

    first = http.get(f"{BASE}/deliveries", params={"limit": 2}, headers=auth).json()
    assert len(first["list"]) == 2
    second = http.get(
        f"{BASE}/deliveries", params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth
    ).json()
    assert len(second["list"]) == 1
    assert "next_cursor" not in second
    ids = [d["id"] for d in first["list"] + second["list"]]
    assert len(set(ids)) == 3
    assert ids == sorted(ids, reverse=True)

    bad = http.get(f"{BASE}/deliveries", params={"cursor": "not-ours"}, headers=auth)
    assert bad.status_code == 400

    pending = http.post(f"{BASE}/deliveries/{ids[0]}/replay", headers=auth)
    assert pending.status_code == 409

    now = datetime.now(UTC)
    assert deliver_due(runtime, now) == 3
    one = http.get(f"{BASE}/deliveries/{ids[0]}", headers=auth).json()
    assert one["status"] == "pending"
    assert one["attempts"] == 1
    [attempt] = one["history"]
    assert attempt["outcome"] == "retry"
    assert attempt["error"].startswith("ConnectError")
    assert one["payload"]["id"] == ids[0]
    filtered = http.get(f"{BASE}/deliveries", params={"status": "failed"}, headers=auth).json()
    assert filtered["list"] == []


def test_replaying_a_failed_delivery_makes_it_due_again(
    runtime: Runtime,
    http: httpx.Client,
    auth: dict[str, str],
    workspace: Workspace,
    receiver: Any,
) -> None:
    http.post(f"{BASE}/subscriptions", json={"url": receiver.url}, headers=auth)
    _finish(runtime, workspace.id)
    deliver_due(runtime, datetime.now(UTC))
    [delivery] = http.get(f"{BASE}/deliveries", headers=auth).json()["list"]
    assert delivery["status"] == "delivered"

    replay = http.post(f"{BASE}/deliveries/{delivery['id']}/replay", headers=auth)
    assert replay.status_code == 202
    assert replay.json()["status"] == "pending"
    assert replay.json()["next_attempt_at"] is not None
    assert deliver_due(runtime, datetime.now(UTC)) == 1
    again = http.get(f"{BASE}/deliveries/{delivery['id']}", headers=auth).json()
    assert again["status"] == "delivered"
    assert again["attempts"] == 2
    assert len(receiver.received) == 2
