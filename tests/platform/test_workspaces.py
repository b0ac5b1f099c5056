from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from facturo.platform import workspaces
from facturo.platform.errors import (
    InvalidSlug,
    InvalidToken,
    TokenNotFound,
    WorkspaceExists,
    WorkspaceNotFound,
)
from facturo.platform.runtime import Runtime
from facturo.platform.tables import WorkspaceRow


def _count_workspaces(rt: Runtime) -> int:
    with rt.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(WorkspaceRow)) or 0


def test_created_workspace_is_found_by_slug_and_id(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        ws = workspaces.create_workspace(uow, slug="acme", name="Acme SL")
    with runtime.uow() as uow:
        assert workspaces.get_workspace(uow, ref="acme") == ws
        assert workspaces.get_workspace(uow, ref=str(ws.id)) == ws
        assert workspaces.get_workspace(uow, ref=ws.id) == ws
    assert ws.created_at.tzinfo is not None


def test_duplicate_slug_is_refused_and_nothing_is_written(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        workspaces.create_workspace(uow, slug="acme")
    with runtime.uow() as uow, pytest.raises(WorkspaceExists):
        workspaces.create_workspace(uow, slug="acme")
    assert _count_workspaces(runtime) == 1


@pytest.mark.parametrize("slug", ["", "Acme", "-x", "a b", "a" * 65, "ñ"])
def test_invalid_slug_is_refused(runtime: Runtime, slug: str) -> None:
    with runtime.uow() as uow, pytest.raises(InvalidSlug):
        workspaces.create_workspace(uow, slug=slug)
    assert _count_workspaces(runtime) == 0


def test_unknown_workspace_is_not_found(runtime: Runtime) -> None:
    with runtime.uow() as uow, pytest.raises(WorkspaceNotFound):
        workspaces.get_workspace(uow, ref="nope")
    with runtime.uow() as uow, pytest.raises(WorkspaceNotFound):
        workspaces.create_token(uow, workspace_id=uuid.uuid4())  # type: ignore[arg-type]


def test_token_authenticates_until_revoked(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        ws = workspaces.create_workspace(uow, slug="acme")
        issued = workspaces.create_token(uow, workspace_id=ws.id, name="erp")
    assert issued.secret.startswith("fct_")
    assert issued.secret.startswith(issued.token.prefix)
    with runtime.uow() as uow:
        principal = workspaces.authenticate(uow, secret=issued.secret)
    assert principal.workspace_id == ws.id
    assert principal.token_id == issued.token.id
    with runtime.uow() as uow:
        first = workspaces.revoke_token(uow, workspace_id=ws.id, token_id=issued.token.id)
        again = workspaces.revoke_token(uow, workspace_id=ws.id, token_id=issued.token.id)
    assert first.revoked_at is not None
    assert again.revoked_at == first.revoked_at
    with runtime.uow() as uow, pytest.raises(InvalidToken):
        workspaces.authenticate(uow, secret=issued.secret)


def test_secret_is_not_stored(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        ws = workspaces.create_workspace(uow, slug="acme")
        issued = workspaces.create_token(uow, workspace_id=ws.id)
    with runtime.engine.connect() as conn:
        dump = repr(conn.exec_driver_sql("SELECT * FROM platform_api_token").fetchall())
    assert issued.secret not in dump
    assert issued.secret[10:] not in dump


@pytest.mark.parametrize("secret", ["", "fct_", "fct_nope", "Bearer x", "x" * 500])
def test_unknown_secret_is_refused(runtime: Runtime, secret: str) -> None:
    with runtime.uow() as uow, pytest.raises(InvalidToken):
        workspaces.authenticate(uow, secret=secret)


def test_revoking_another_workspaces_token_is_not_found(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        a = workspaces.create_workspace(uow, slug="a")
        b = workspaces.create_workspace(uow, slug="b")
        issued = workspaces.create_token(uow, workspace_id=a.id)
    with runtime.uow() as uow, pytest.raises(TokenNotFound):
        workspaces.revoke_token(uow, workspace_id=b.id, token_id=issued.token.id)
    with runtime.uow() as uow:
        assert workspaces.authenticate(uow, secret=issued.secret).workspace_id == a.id


def test_unit_of_work_rolls_back_uncommitted_work(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        uow.session.add(WorkspaceRow(id=uuid.uuid4(), slug="x", name="x", created_at=_now()))
        uow.session.flush()
    assert _count_workspaces(runtime) == 0


def test_unit_of_work_rolls_back_on_error(runtime: Runtime) -> None:
    def fail_half_way() -> None:
        with runtime.uow() as uow:
            uow.session.add(WorkspaceRow(id=uuid.uuid4(), slug="x", name="x", created_at=_now()))
            uow.session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert _count_workspaces(runtime) == 0


def test_concurrent_creates_of_one_slug_have_exactly_one_winner(runtime: Runtime) -> None:
    """The database's unique constraint decides, not a check-then-insert race."""
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def create() -> None:
        barrier.wait()
        try:
            with runtime.uow() as uow:
                workspaces.create_workspace(uow, slug="race")
            outcomes.append("created")
        except WorkspaceExists:
            outcomes.append("exists")

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "exists", "exists", "exists"]
    assert _count_workspaces(runtime) == 1


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)
