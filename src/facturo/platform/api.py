"""Platform endpoints: health, metrics, Invopop's ``/utils/v1`` and the workspace's tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field

from facturo.errors import Invalid, Unavailable
from facturo.platform import workspaces
from facturo.platform.auth import Caller, UoW, runtime
from facturo.platform.ids import uuid7
from facturo.platform.migrate import current_head
from facturo.platform.models import ApiToken
from facturo.platform.runtime import Runtime

health = APIRouter(tags=["health"])
utils = APIRouter(prefix="/utils/v1", tags=["utils"])
platform = APIRouter(prefix="/platform/v1", tags=["platform"])


class Status(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ok"] = "ok"
    database: str
    revision: str


@health.get("/healthz", response_model=Status, summary="Liveness: the process answers")
def healthz() -> Status:
    return Status()


@health.get("/readyz", response_model=Readiness, summary="Readiness: database up and migrated")
def readyz(rt: Annotated[Runtime, Depends(runtime)]) -> Readiness:
    try:
        revision = rt.ping()
    except Exception as exc:
        raise Unavailable("The database does not answer.") from exc
    head = current_head()
    if revision != head:
        raise Unavailable(f"The database is at revision {revision}, not {head}; run migrate.")
    return Readiness(database=rt.engine.dialect.name, revision=revision or "")


@health.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )


class Ping(BaseModel):
    ping: str = "pong"


class UuidOut(BaseModel):
    uuid: str
    version: str


@utils.get("/ping", response_model=Ping, summary="Check a token")
def ping(_caller: Caller) -> Ping:
    return Ping()


@utils.get("/uuid", response_model=UuidOut, summary="Generate a UUID")
def make_uuid(
    _caller: Caller,
    v: Annotated[str, Query(description="UUID version: 1, 3, 4, 5 or 7")] = "7",
    base: Annotated[str | None, Query(description="Namespace UUID for v3 and v5")] = None,
    key: Annotated[str | None, Query(description="Name for v3 and v5")] = None,
) -> UuidOut:
    if v == "7":
        value = uuid7()
    elif v == "1":
        value = uuid.uuid1()
    elif v == "4":
        value = uuid.uuid4()
    elif v in ("3", "5"):
        try:
            namespace = uuid.UUID(base or "")
        except ValueError as exc:
            raise Invalid("`base` must be a UUID for versions 3 and 5.") from exc
        if not key:
            raise Invalid("`key` is required for versions 3 and 5.")
        value = uuid.uuid3(namespace, key) if v == "3" else uuid.uuid5(namespace, key)
    else:
        raise Invalid("`v` must be one of 1, 3, 4, 5, 7.")
    return UuidOut(uuid=str(value), version=v)


class WorkspaceOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    created_at: datetime


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            revoked_at=token.revoked_at,
        )


class TokenCreated(TokenOut):
    secret: str = Field(description="The token. It is shown this once and never again.")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class TokenList(BaseModel):
    list: list[TokenOut]


@platform.get("/workspace", response_model=WorkspaceOut, summary="The caller's workspace")
def current_workspace(caller: Caller, uow: UoW) -> WorkspaceOut:
    ws = workspaces.get_workspace(uow, ref=caller.workspace_id)
    return WorkspaceOut(id=ws.id, slug=ws.slug, name=ws.name, created_at=ws.created_at)


@platform.get("/tokens", response_model=TokenList, summary="API tokens of the workspace")
def list_tokens(caller: Caller, uow: UoW) -> TokenList:
    tokens = workspaces.list_tokens(uow, workspace_id=caller.workspace_id)
    return TokenList(list=[TokenOut.of(t) for t in tokens])


@platform.post("/tokens", response_model=TokenCreated, status_code=201, summary="Create a token")
def create_token(body: TokenIn, caller: Caller, uow: UoW) -> TokenCreated:
    issued = workspaces.create_token(uow, workspace_id=caller.workspace_id, name=body.name)
    return TokenCreated(**TokenOut.of(issued.token).model_dump(), secret=issued.secret)


@platform.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke a token")
def revoke_token(token_id: uuid.UUID, caller: Caller, uow: UoW) -> TokenOut:
    token = workspaces.revoke_token(uow, workspace_id=caller.workspace_id, token_id=token_id)
    return TokenOut.of(token)
