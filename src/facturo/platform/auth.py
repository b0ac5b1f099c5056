"""Bearer-token authentication as FastAPI dependencies.

``Caller`` is what an endpoint declares to require a token; the principal it yields carries the
workspace every query must be scoped to. Basic auth is refused outright: the contract only uses
it for OAuth app endpoints, which Facturo does not serve.

The dependencies are ``async`` where they do no blocking work, because FastAPI runs every plain
``def`` dependency in its thread pool, and each hand-off to it and back costs more than a token
check or a session's creation. What does touch the database (a token not seen lately, closing a
session) still runs in the thread pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPBearer

from facturo.platform import workspaces
from facturo.platform.errors import MissingToken
from facturo.platform.models import Principal
from facturo.platform.runtime import Runtime
from facturo.platform.uow import UnitOfWork


def token_cache(rt: Runtime) -> workspaces.TokenCache:
    """The token cache of the runtime's database."""
    return workspaces.token_cache(rt.engine)


def authenticate(rt: Runtime, cache: workspaces.TokenCache, secret: str) -> Principal:
    """The caller behind ``secret``: from ``cache`` if checked lately, else from the database."""
    found = cache.get(secret)
    if found is not None:
        return found
    with UnitOfWork(rt.sessions, read_only=True) as uow:
        principal = workspaces.authenticate(uow, secret=secret)
    cache.put(secret, principal)
    return principal


async def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


async def unit_of_work(rt: Annotated[Runtime, Depends(runtime)]) -> AsyncIterator[UnitOfWork]:
    with UnitOfWork(rt.sessions) as uow:
        try:
            yield uow
        finally:
            await _release(uow)


async def read_unit_of_work(
    rt: Annotated[Runtime, Depends(runtime)],
) -> AsyncIterator[UnitOfWork]:
    """For endpoints that only read: a deferred transaction that never waits for writers."""
    with UnitOfWork(rt.sessions, read_only=True) as uow:
        try:
            yield uow
        finally:
            await _release(uow)


async def _release(uow: UnitOfWork) -> None:
    """Roll back and return the connection, in the thread pool as it does I/O.

    Entering a unit of work does none (the session connects at its first statement), so it
    happens on the event loop, and one that never connected has nothing to give back.
    Shielded, so a client that goes away cannot leave the connection checked out; the
    ``with`` block's own exit then finds nothing left to do.
    """
    if not uow.opened:
        return
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(uow.rollback)


class _BearerPrincipal(HTTPBearer):
    """The bearer scheme (for the OpenAPI document) and the check of its token, as one
    dependency: every authenticated request solves it, and a sub-dependency for the scheme
    alone cost each request a second round of FastAPI's dependency solving."""

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise MissingToken()
        # The runtime is read off the app rather than through the ``runtime`` dependency, for
        # the same reason.
        rt: Runtime = request.app.state.runtime
        cache = token_cache(rt)
        found = cache.get(credentials.credentials)
        if found is not None:
            return found
        return await run_in_threadpool(authenticate, rt, cache, credentials.credentials)


principal = _BearerPrincipal(
    auto_error=False, description="An API token of the workspace.", scheme_name="HTTPBearer"
)
"""The caller behind the request's bearer token (401 without one)."""

Caller = Annotated[Principal, Depends(principal)]
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]
ReadUoW = Annotated[UnitOfWork, Depends(read_unit_of_work)]
"""The unit of work of an endpoint that only reads (GET): read-only, refuses to commit."""
