"""Writer units of work open nothing until used, and a session made after Core statements
writes in the same transaction as them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from facturo.platform import workspaces
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.platform.tables import WorkspaceRow
from facturo.platform.uow import UnitOfWork


def _slugs(runtime: Runtime) -> list[str]:
    with runtime.uow().reader() as reader:
        return list(reader.session.scalars(select(WorkspaceRow.slug).order_by(WorkspaceRow.slug)))


def _core_insert(uow: UnitOfWork, slug: str) -> None:
    row = {"id": uuid7(), "slug": slug, "name": slug, "created_at": datetime.now(UTC)}
    uow.connection().execute(insert(WorkspaceRow), row)


def test_a_writer_that_touches_nothing_opens_nothing(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        assert not uow.opened
        assert not uow.in_transaction()
        assert not uow.has_pending_changes()
        uow.commit()  # nothing to commit: no error, still nothing open
        assert not uow.opened


def test_core_writes_commit_without_a_session(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        _core_insert(uow, "core")
        assert uow.in_transaction()
        uow.commit()
        assert not uow.in_transaction()
    assert _slugs(runtime) == ["core"]


def test_a_session_made_after_core_writes_commits_them_with_its_own(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        _core_insert(uow, "by-core")
        # The session joins the transaction the connection began: it says so at once.
        assert uow.session.in_transaction()
        uow.session.add(
            WorkspaceRow(id=uuid7(), slug="by-orm", name="o", created_at=datetime.now(UTC))
        )
        assert uow.has_pending_changes()
        uow.session.flush()
        # Both are seen through the connection: one transaction.
        assert uow.connection().scalar(select(func.count()).select_from(WorkspaceRow)) == 2
        uow.commit()
    assert _slugs(runtime) == ["by-core", "by-orm"]


def test_leaving_without_commit_rolls_back_core_and_session_writes(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        _core_insert(uow, "by-core")
        uow.session.add(
            WorkspaceRow(id=uuid7(), slug="by-orm", name="o", created_at=datetime.now(UTC))
        )
        uow.session.flush()
    with runtime.uow() as uow:
        _core_insert(uow, "rolled-back")
        uow.rollback()
        _core_insert(uow, "kept")  # a new transaction on the same connection
        uow.commit()
    assert _slugs(runtime) == ["kept"]


def test_after_a_commit_the_session_begins_a_new_transaction_on_the_connection(
    runtime: Runtime,
) -> None:
    with runtime.uow() as uow:
        _core_insert(uow, "first")
        uow.commit()
        workspaces.create_workspace(uow, slug="second")
        uow.commit()
        _core_insert(uow, "third")  # not committed
    assert _slugs(runtime) == ["first", "second"]
