"""``/silo/v1`` states and meta rows of an entry (contract §2.5, §2.6).

Meta rows written through the API have ``src="api"``; rows other sources wrote (a VERI*FACTU
step writes ``src="verifactu"``) are read by naming the source in ``?src=``. Invopop keeps meta
endpoints for enrolled apps; a Facturo token owns its workspace, so it may use them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from facturo.platform.auth import Caller, ReadUoW, UoW
from facturo.silo import service_meta, states
from facturo.silo.service_meta import MetaFields
from facturo.silo.wire import meta_json, state_json

router = APIRouter()

API_SRC = "api"


class CreateState(BaseModel):
    """``SiloCreateState``."""

    model_config = ConfigDict(extra="ignore")

    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    notes: str | None = Field(default=None, max_length=10_000)
    meta: dict[str, str] | None = None


@router.get("/entries/{entry_id}/states", summary="An entry's states, newest first")
def list_states(entry_id: uuid.UUID, caller: Caller, uow: ReadUoW) -> dict[str, Any]:
    found = states.list_states(uow, workspace_id=caller.workspace_id, entry_id=entry_id)
    return {"list": [state_json(s) for s in found]}


def _add(
    entry_id: uuid.UUID, body: CreateState, caller: Caller, uow: UoW, at: datetime | None
) -> dict[str, Any]:
    state = states.set_state(
        uow,
        workspace_id=caller.workspace_id,
        entry_id=entry_id,
        key=body.key,
        notes=body.notes,
        meta=body.meta,
        src="api-key",
        src_id=str(caller.token_id),
        at=at,
    )
    uow.commit()
    return state_json(state)


@router.post("/entries/{entry_id}/states", summary="Add a state to an entry, now")
def post_state(entry_id: uuid.UUID, body: CreateState, caller: Caller, uow: UoW) -> dict[str, Any]:
    return _add(entry_id, body, caller, uow, None)


@router.put("/entries/{entry_id}/states/{at}", summary="Add a state at a time (idempotent)")
def put_state(
    entry_id: uuid.UUID, at: str, body: CreateState, caller: Caller, uow: UoW
) -> dict[str, Any]:
    return _add(entry_id, body, caller, uow, states.parse_at(at))


class UpdateMeta(BaseModel):
    """The Go client's ``UpdateSiloMeta``; ``url``, ``scope`` are answered as ``link_*``."""

    model_config = ConfigDict(extra="ignore")

    ref: str | None = Field(default=None, max_length=255)
    value: Any = None
    url: str | None = Field(default=None, max_length=2048)
    scope: str | None = Field(default=None, max_length=32)
    indexed: bool = False
    owned: bool = False
    secure: bool = False
    shared: bool = False


MetaKey = Annotated[str, Path(min_length=1, max_length=128)]
Src = Annotated[str, Query(min_length=1, max_length=64, description="Source of the row")]


@router.put("/entries/{entry_id}/meta/{key}", summary="Create or replace a meta row")
def put_meta(
    entry_id: uuid.UUID, key: MetaKey, body: UpdateMeta, caller: Caller, uow: UoW
) -> dict[str, Any]:
    meta = service_meta.upsert_meta(
        uow,
        workspace_id=caller.workspace_id,
        entry_id=entry_id,
        src=API_SRC,
        key=key,
        fields=MetaFields(
            ref=body.ref,
            value=body.value,
            link_url=body.url,
            link_scope=body.scope,
            indexed=body.indexed,
            owned=body.owned,
            secure=body.secure,
            shared=body.shared,
        ),
    )
    uow.commit()
    return meta_json(meta)


@router.get("/entries/meta/{key}/{ref}", summary="Find a meta row by its ref")
def find_meta(
    key: MetaKey, ref: str, caller: Caller, uow: ReadUoW, owned: bool = False
) -> dict[str, Any]:
    """Always within the caller's workspace, so ``owned`` changes nothing."""
    meta = service_meta.find_meta_by_ref(uow, workspace_id=caller.workspace_id, key=key, ref=ref)
    return meta_json(meta)


@router.get("/entries/{entry_id}/meta/{key}", summary="Fetch a meta row")
def get_meta(
    entry_id: uuid.UUID, key: MetaKey, caller: Caller, uow: ReadUoW, src: Src = API_SRC
) -> dict[str, Any]:
    meta = service_meta.get_meta(
        uow, workspace_id=caller.workspace_id, entry_id=entry_id, src=src, key=key
    )
    return meta_json(meta)


@router.delete("/entries/{entry_id}/meta/{key}", summary="Delete a meta row, returning it")
def delete_meta(
    entry_id: uuid.UUID, key: MetaKey, caller: Caller, uow: UoW, src: Src = API_SRC
) -> dict[str, Any]:
    meta = service_meta.delete_meta(
        uow, workspace_id=caller.workspace_id, entry_id=entry_id, src=src, key=key
    )
    uow.commit()
    return meta_json(meta)
