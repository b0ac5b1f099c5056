"""HTTP conventions: auth, problem details, size limits, health, metrics, isolation."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from facturo.platform import workspaces
from facturo.platform.runtime import Runtime
from facturo.platform.tables import ApiTokenRow

PROBLEM = "application/problem+json"


def _token_count(rt: Runtime) -> int:
    with rt.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(ApiTokenRow)) or 0


def test_ping_answers_pong_with_a_valid_token(client: TestClient, auth: dict[str, str]) -> None:
    res = client.get("/utils/v1/ping", headers=auth)
    assert res.status_code == 200
    assert res.json() == {"ping": "pong"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer fct_unknown"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "fct_no_scheme"},
    ],
)
def test_missing_or_invalid_token_is_401_problem(
    client: TestClient, headers: dict[str, str]
) -> None:
    res = client.get("/utils/v1/ping", headers=headers)
    assert res.status_code == 401
    assert res.headers["content-type"] == PROBLEM
    assert res.headers["www-authenticate"] == "Bearer"
    body = res.json()
    assert body["status"] == 401
    assert body["key"] == body["code"] == "unauthorized"
    assert body["type"] == "/problems/unauthorized"
    assert body["instance"] == "/utils/v1/ping"


def test_revoked_token_is_refused(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    listed = client.get("/platform/v1/tokens", headers=auth).json()["list"]
    assert len(listed) == 1
    res = client.delete(f"/platform/v1/tokens/{listed[0]['id']}", headers=auth)
    assert res.status_code == 200
    assert res.json()["revoked_at"] is not None
    assert client.get("/utils/v1/ping", headers=auth).status_code == 401


def test_token_created_over_http_works_and_is_shown_once(
    client: TestClient, auth: dict[str, str]
) -> None:
    res = client.post("/platform/v1/tokens", json={"name": "erp"}, headers=auth)
    assert res.status_code == 201
    secret = res.json()["secret"]
    assert client.get("/utils/v1/ping", headers={"Authorization": f"Bearer {secret}"}).is_success
    listed = client.get("/platform/v1/tokens", headers=auth).json()["list"]
    assert all("secret" not in t for t in listed)


def test_malformed_json_is_400_and_writes_nothing(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    before = _token_count(runtime)
    res = client.post(
        "/platform/v1/tokens",
        content=b'{"name": ',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert res.status_code == 400
    assert res.headers["content-type"] == PROBLEM
    assert res.json()["errors"][0]["code"] == "json_invalid"
    assert _token_count(runtime) == before


@pytest.mark.parametrize(
    ("body", "pointer", "code"),
    [
        ({"name": 5}, "#/name", "string_type"),
        ({}, "#/name", "missing"),
        ({"name": ""}, "#/name", "string_too_short"),
        ({"name": "x", "colour": "red"}, "#/colour", "extra_forbidden"),
    ],
)
def test_invalid_body_is_422_with_pointer_and_writes_nothing(
    client: TestClient,
    runtime: Runtime,
    auth: dict[str, str],
    body: dict[str, object],
    pointer: str,
    code: str,
) -> None:
    before = _token_count(runtime)
    res = client.post("/platform/v1/tokens", json=body, headers=auth)
    assert res.status_code == 422
    problem = res.json()
    assert problem["key"] == "validation"
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [(pointer, code)]
    segment = pointer.removeprefix("#/")
    assert segment in problem["fields"]
    assert _token_count(runtime) == before


def test_bad_path_parameter_is_422_naming_the_parameter(
    client: TestClient, auth: dict[str, str]
) -> None:
    res = client.delete("/platform/v1/tokens/not-a-uuid", headers=auth)
    assert res.status_code == 422
    assert res.json()["errors"][0]["pointer"] == "#/path/token_id"


def test_unknown_route_and_method_are_problems(client: TestClient, auth: dict[str, str]) -> None:
    res = client.get("/nope", headers=auth)
    assert res.status_code == 404
    assert res.headers["content-type"] == PROBLEM
    assert res.json()["key"] == "not_found"
    res = client.put("/utils/v1/ping", headers=auth)
    assert res.status_code == 405
    assert res.headers["content-type"] == PROBLEM


def test_declared_oversized_body_is_413(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    limit = runtime.settings.max_body_bytes
    res = client.post(
        "/platform/v1/tokens",
        content=b"x" * (limit + 1),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert res.status_code == 413
    assert res.json()["key"] == "too_large"


def test_streamed_oversized_body_is_413(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    limit = runtime.settings.max_body_bytes
    chunk = b" " * 65536

    def chunks() -> Iterator[bytes]:
        for _ in range(limit // len(chunk) + 2):
            yield chunk

    res = client.post(
        "/platform/v1/tokens",
        content=chunks(),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert res.status_code == 413
    assert _token_count(runtime) == 1


def test_unexpected_error_is_500_problem_with_request_id(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise ZeroDivisionError("hidden detail")

    with TestClient(app, raise_server_exceptions=False) as c:
        res = c.get("/boom", headers={"X-Request-ID": "req-123"})
    assert res.status_code == 500
    body = res.json()
    assert body["key"] == "internal"
    assert body["request_id"] == "req-123"
    assert "hidden detail" not in json.dumps(body)


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-1"}).headers["x-request-id"] == "abc-1"
    )
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id\n"}).headers["x-request-id"]
    assert generated
    assert generated != "bad id\n"


def test_health_ready_metrics_and_openapi(client: TestClient, runtime: Runtime) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["database"] == runtime.engine.dialect.name
    assert ready["revision"]
    text = client.get("/metrics").text
    assert 'facturo_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    spec = client.get("/openapi.json").json()
    assert {"/utils/v1/ping", "/utils/v1/uuid", "/platform/v1/tokens"} <= set(spec["paths"])


def test_readyz_is_503_on_an_unmigrated_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from facturo.platform.app import create_app
    from facturo.platform.settings import Settings

    rt = Runtime.from_settings(
        Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.db")
    )
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        res = c.get("/readyz")
    rt.close()
    assert res.status_code == 503
    assert res.json()["key"] == "unavailable"


@pytest.mark.parametrize("version", ["1", "3", "4", "5", "7"])
def test_uuid_generator_makes_the_version_asked(
    client: TestClient, auth: dict[str, str], version: str
) -> None:
    import uuid

    params = {"v": version}
    if version in ("3", "5"):
        params |= {"base": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "key": "1001"}
    res = client.get("/utils/v1/uuid", params=params, headers=auth)
    assert res.status_code == 200
    assert uuid.UUID(res.json()["uuid"]).version == int(version)
    assert res.json()["version"] == version


def test_uuid_v5_is_deterministic_and_bad_version_is_422(
    client: TestClient, auth: dict[str, str]
) -> None:
    params = {"v": "5", "base": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "key": "1001"}
    first = client.get("/utils/v1/uuid", params=params, headers=auth).json()["uuid"]
    assert client.get("/utils/v1/uuid", params=params, headers=auth).json()["uuid"] == first
    assert client.get("/utils/v1/uuid", params={"v": "9"}, headers=auth).status_code == 422
    assert client.get("/utils/v1/uuid", params={"v": "5"}, headers=auth).status_code == 422


def test_one_workspace_cannot_see_or_change_anothers_data(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    with runtime.uow() as uow:
        other = workspaces.create_workspace(uow, slug="other")
        other_secret = workspaces.create_token(uow, workspace_id=other.id).secret
    other_auth = {"Authorization": f"Bearer {other_secret}"}
    mine = client.get("/platform/v1/tokens", headers=auth).json()["list"]
    theirs = client.get("/platform/v1/tokens", headers=other_auth).json()["list"]
    assert {t["id"] for t in mine}.isdisjoint({t["id"] for t in theirs})
    assert client.get("/platform/v1/workspace", headers=other_auth).json()["slug"] == "other"
    res = client.delete(f"/platform/v1/tokens/{mine[0]['id']}", headers=other_auth)
    assert res.status_code == 404
    assert client.get("/utils/v1/ping", headers=auth).status_code == 200


def test_every_route_requires_a_token_except_health(app: FastAPI, client: TestClient) -> None:
    """A new router that forgets authentication fails here."""
    public = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect"}
    for route in app.routes:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", set()) or set()
        if path in public:
            continue
        for method in methods - {"HEAD", "OPTIONS"}:
            concrete = path.replace("{token_id}", "0190f3a0-0000-7000-8000-000000000000")
            res = client.request(method, concrete)
            assert res.status_code == 401, (method, path, res.status_code)
