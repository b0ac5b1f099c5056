"""Bearer-token authentication as FastAPI dependencies.

``Caller`` is what an endpoint declares to require a token; the principal it yields carries the
workspace every query must be scoped to. Basic auth is refused outright: the contract only uses
it for OAuth app endpoints, which Facturo does not serve.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from facturo.platform import workspaces
from facturo.platform.errors import MissingToken
from facturo.platform.models import Principal
from facturo.platform.runtime import Runtime
from facturo.platform.uow import UnitOfWork

_bearer = HTTPBearer(auto_error=False, description="An API token of the workspace.")


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def unit_of_work(rt: Annotated[Runtime, Depends(runtime)]) -> Iterator[UnitOfWork]:
    with rt.uow() as uow:
        yield uow


def principal(
    rt: Annotated[Runtime, Depends(runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise MissingToken()
    with rt.uow() as uow:
        return workspaces.authenticate(uow, secret=credentials.credentials)


Caller = Annotated[Principal, Depends(principal)]
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]
