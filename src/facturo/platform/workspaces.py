"""Use cases for workspaces and API tokens, shared by the CLI and the HTTP API.

Tokens are ``fct_`` followed by 43 url-safe characters (256 random bits). Only their SHA-256 is
stored, so a leaked database does not leak working tokens, and the secret is shown once.

Requests check their token through a :class:`TokenCache` so a client's requests do not each
look it up: revoking a token in this process evicts it at once, and a revocation made elsewhere
(the CLI, another server process) takes effect within :data:`TOKEN_TTL_SECONDS`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from facturo.platform.errors import (
    InvalidSlug,
    InvalidToken,
    TokenNotFound,
    WorkspaceExists,
    WorkspaceNotFound,
)
from facturo.platform.ids import uuid7
from facturo.platform.models import (
    ApiToken,
    IssuedToken,
    Principal,
    TokenId,
    Workspace,
    WorkspaceId,
)
from facturo.platform.tables import ApiTokenRow, WorkspaceRow
from facturo.platform.uow import UnitOfWork

TOKEN_PREFIX = "fct_"  # noqa: S105 (a prefix, not a secret)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


TOKEN_TTL_SECONDS = 5.0
"""How long a checked token is trusted without asking the database again."""
TOKEN_CACHE_SIZE = 1024


class TokenCache:
    """Principals of recently checked tokens, keyed by the token's SHA-256, for ``ttl`` seconds.

    Only successful checks are kept, so a new token works at once and a wrong one is always
    looked up. :func:`revoke_token` evicts the token from every cache of the process; other
    processes cannot reach it, hence the time bound.
    """

    def __init__(
        self,
        *,
        ttl: float = TOKEN_TTL_SECONDS,
        size: int = TOKEN_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        _live_caches.add(self)

    def get(self, secret: str) -> Principal | None:
        key = _hash(secret)
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] <= self._clock():
                del self._entries[key]
                return None
            return found[1]

    def put(self, secret: str, principal: Principal) -> None:
        key = _hash(secret)
        with self._lock:
            self._entries[key] = (self._clock() + self.ttl, principal)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, secret_hash: str) -> None:
        with self._lock:
            self._entries.pop(secret_hash, None)

    def __len__(self) -> int:
        return len(self._entries)


_live_caches: weakref.WeakSet[TokenCache] = weakref.WeakSet()
_engine_caches: weakref.WeakKeyDictionary[Engine, TokenCache] = weakref.WeakKeyDictionary()
_engine_caches_lock = threading.Lock()


def token_cache(engine: Engine) -> TokenCache:
    """The token cache of a database (one per engine, so two apps on two databases share none)."""
    with _engine_caches_lock:
        cache = _engine_caches.get(engine)
        if cache is None:
            cache = _engine_caches[engine] = TokenCache()
        return cache


def _workspace(row: WorkspaceRow) -> Workspace:
    return Workspace(WorkspaceId(row.id), row.slug, row.name, row.created_at)


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        TokenId(row.id),
        WorkspaceId(row.workspace_id),
        row.name,
        row.prefix,
        row.created_at,
        row.revoked_at,
    )


def create_workspace(
    uow: UnitOfWork, *, slug: str, name: str | None = None, now: Clock = _now
) -> Workspace:
    if not _SLUG.match(slug):
        raise InvalidSlug()
    row = WorkspaceRow(id=uuid7(), slug=slug, name=name or slug, created_at=now())
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:
        raise WorkspaceExists() from exc
    uow.commit()
    return _workspace(row)


def list_workspaces(uow: UnitOfWork) -> list[Workspace]:
    rows = uow.session.scalars(select(WorkspaceRow).order_by(WorkspaceRow.created_at))
    return [_workspace(r) for r in rows]


def get_workspace(uow: UnitOfWork, *, ref: str | uuid.UUID) -> Workspace:
    """Find a workspace by slug or id."""
    query = select(WorkspaceRow)
    if isinstance(ref, uuid.UUID):
        query = query.where(WorkspaceRow.id == ref)
    else:
        try:
            query = query.where(WorkspaceRow.id == uuid.UUID(ref))
        except ValueError:
            query = query.where(WorkspaceRow.slug == ref)
    row = uow.session.scalars(query).one_or_none()
    if row is None:
        raise WorkspaceNotFound()
    return _workspace(row)


def create_token(
    uow: UnitOfWork, *, workspace_id: WorkspaceId, name: str = "default", now: Clock = _now
) -> IssuedToken:
    if uow.session.get(WorkspaceRow, workspace_id) is None:
        raise WorkspaceNotFound()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiTokenRow(
        id=uuid7(),
        workspace_id=workspace_id,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        secret_hash=_hash(secret),
        created_at=now(),
        revoked_at=None,
    )
    uow.session.add(row)
    uow.commit()
    return IssuedToken(_token(row), secret)


def list_tokens(uow: UnitOfWork, *, workspace_id: WorkspaceId) -> list[ApiToken]:
    rows = uow.session.scalars(
        select(ApiTokenRow)
        .where(ApiTokenRow.workspace_id == workspace_id)
        .order_by(ApiTokenRow.created_at)
    )
    return [_token(r) for r in rows]


def revoke_token(
    uow: UnitOfWork, *, workspace_id: WorkspaceId, token_id: uuid.UUID, now: Clock = _now
) -> ApiToken:
    """Revoke a token of this workspace; revoking twice keeps the first revocation time."""
    row = uow.session.scalars(
        select(ApiTokenRow).where(
            ApiTokenRow.id == token_id, ApiTokenRow.workspace_id == workspace_id
        )
    ).one_or_none()
    if row is None:
        raise TokenNotFound()
    if row.revoked_at is None:
        row.revoked_at = now()
        uow.commit()
    for cache in list(_live_caches):
        cache.forget(row.secret_hash)
    return _token(row)


def authenticate(uow: UnitOfWork, *, secret: str) -> Principal:
    """The caller behind a bearer token, or :class:`InvalidToken`."""
    if not secret.startswith(TOKEN_PREFIX):
        raise InvalidToken()
    row = uow.session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.secret_hash == _hash(secret))
    ).one_or_none()
    if row is None or row.revoked_at is not None:
        raise InvalidToken()
    return Principal(WorkspaceId(row.workspace_id), TokenId(row.id))
