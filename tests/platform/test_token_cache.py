"""The token cache: repeated checks skip the database, revocation still takes effect."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from facturo.platform import auth as platform_auth
from facturo.platform import workspaces
from facturo.platform.errors import InvalidToken
from facturo.platform.models import Principal
from facturo.platform.runtime import Runtime


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _issue(runtime: Runtime) -> tuple[workspaces.IssuedToken, Principal]:
    with runtime.uow() as uow:
        ws = workspaces.create_workspace(uow, slug="acme")
    with runtime.uow() as uow:
        issued = workspaces.create_token(uow, workspace_id=ws.id)
    return issued, Principal(ws.id, issued.token.id)


def _revoke_in_the_database_only(runtime: Runtime, issued: workspaces.IssuedToken) -> None:
    """As the CLI or another server process does: this process's caches are not told."""
    from datetime import UTC, datetime

    from facturo.platform.tables import ApiTokenRow

    with runtime.uow() as uow:
        row = uow.session.get(ApiTokenRow, issued.token.id)
        assert row is not None
        row.revoked_at = datetime.now(UTC)
        uow.commit()


def test_a_token_revoked_elsewhere_stops_working_within_the_ttl(runtime: Runtime) -> None:
    issued, who = _issue(runtime)
    clock = Clock()
    cache = workspaces.TokenCache(ttl=5.0, clock=clock)
    assert platform_auth.authenticate(runtime, cache, issued.secret) == who
    _revoke_in_the_database_only(runtime, issued)
    clock.now += 4.9
    # Trusted still: within the bound.
    assert platform_auth.authenticate(runtime, cache, issued.secret) == who
    clock.now += 0.2
    with pytest.raises(InvalidToken):
        platform_auth.authenticate(runtime, cache, issued.secret)
    assert cache.get(issued.secret) is None


def test_revoking_in_this_process_evicts_the_token_at_once(runtime: Runtime) -> None:
    issued, who = _issue(runtime)
    cache = workspaces.TokenCache(ttl=3600.0)
    assert platform_auth.authenticate(runtime, cache, issued.secret) == who
    with runtime.uow() as uow:
        workspaces.revoke_token(uow, workspace_id=who.workspace_id, token_id=issued.token.id)
    with pytest.raises(InvalidToken):
        platform_auth.authenticate(runtime, cache, issued.secret)


def test_wrong_tokens_are_not_cached_and_the_cache_is_bounded(runtime: Runtime) -> None:
    _, who = _issue(runtime)
    cache = workspaces.TokenCache(ttl=60.0, size=2)
    with pytest.raises(InvalidToken):
        platform_auth.authenticate(runtime, cache, workspaces.TOKEN_PREFIX + "nope")
    assert len(cache) == 0
    for n in range(3):
        cache.put(f"secret-{n}", who)
    assert len(cache) == 2
    assert cache.get("secret-0") is None
    assert cache.get("secret-2") == who


def test_a_token_revoked_over_http_is_refused_on_the_next_request(
    client: TestClient, auth: dict[str, str]
) -> None:
    assert client.get("/utils/v1/ping", headers=auth).status_code == 200
    token_id = client.get("/platform/v1/tokens", headers=auth).json()["list"][0]["id"]
    assert client.delete(f"/platform/v1/tokens/{token_id}", headers=auth).status_code == 200
    assert client.get("/utils/v1/ping", headers=auth).status_code == 401
