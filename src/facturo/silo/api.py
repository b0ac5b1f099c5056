"""``/silo/v1`` entry endpoints, shaped as Invopop's OpenAPI (``silo_v1.yaml``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from facturo.platform.auth import Caller, UoW
from facturo.silo import service
from facturo.silo.errors import EntryNotFound
from facturo.silo.models import Entry
from facturo.silo.service import Source

router = APIRouter(prefix="/silo/v1", tags=["silo"])


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and ``Z``, as the contract's examples."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def entry_json(entry: Entry, *, with_data: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(entry.id),
        "created_at": timestamp(entry.created_at),
        "updated_at": timestamp(entry.updated_at),
        "folder": entry.folder,
        "signed": entry.signed,
        "invalid": entry.invalid,
        "draft": not entry.signed,
        "env_schema": entry.env_schema,
        "doc_schema": entry.doc_schema,
        "version": entry.version,
    }
    if entry.key:
        out["key"] = entry.key
    if entry.state:
        out["state"] = entry.state
    if entry.digest:
        out["digest"] = entry.digest
    if entry.tags:
        out["tags"] = entry.tags
    if entry.versions:
        out["versions"] = [
            {
                "version": v.version,
                "at": timestamp(v.at),
                "src": v.src,
                "src_id": v.src_id,
                "signed": v.signed,
                "invalid": v.invalid,
            }
            for v in entry.versions
        ]
    if with_data:
        out["data"] = entry.data
    return out


class CreateEntry(BaseModel):
    """``SiloCreateEntry``. Options not served yet are refused, never ignored."""

    model_config = ConfigDict(extra="allow")

    data: dict[str, Any] | None = Field(default=None, description="GOBL envelope or document.")
    folder: str | None = Field(default=None, max_length=64)
    key: str | None = Field(default=None, max_length=255)
    content_type: str | None = None
    allow_invalid: bool = False
    sign: bool = False
    previous_id: uuid.UUID | None = None
    correct: dict[str, Any] | None = None


class UpdateEntry(BaseModel):
    """``SiloUpdateEntry``."""

    model_config = ConfigDict(extra="allow")

    data: Any = None
    folder: str | None = Field(default=None, max_length=64)
    content_type: str | None = None
    allow_invalid: bool = False
    sign: bool = False


def _source(caller: Caller) -> Source:
    return Source(src="api", src_id=str(caller.token_id))


def _refuse_unserved(body: CreateEntry | UpdateEntry) -> None:
    from facturo.errors import Fault, Invalid

    unserved: list[tuple[str, object]] = [("sign", body.sign)]
    if isinstance(body, CreateEntry):
        unserved += [("previous_id", body.previous_id), ("correct", body.correct)]
    names = [name for name, value in unserved if value]
    if names:
        raise Invalid(
            "These options are not available in this version.",
            faults=[
                Fault("unsupported", f"`{n}` is not supported yet", (f"$.{n}",)) for n in names
            ],
        )


def _create(
    body: CreateEntry, caller: Caller, uow: UoW, entry_id: uuid.UUID | None
) -> dict[str, Any]:
    _refuse_unserved(body)
    entry = service.create_entry(
        uow,
        workspace_id=caller.workspace_id,
        entry_id=entry_id,
        data=body.data,
        key=body.key,
        folder=body.folder,
        allow_invalid=body.allow_invalid,
        source=_source(caller),
    )
    return entry_json(entry)


@router.post("/entries", summary="Create an entry (server-chosen id)")
def create_entry(body: CreateEntry, caller: Caller, uow: UoW) -> dict[str, Any]:
    return _create(body, caller, uow, None)


@router.put("/entries/{entry_id}", summary="Create an entry with the caller's id (create-only)")
def put_entry(entry_id: uuid.UUID, body: CreateEntry, caller: Caller, uow: UoW) -> dict[str, Any]:
    return _create(body, caller, uow, entry_id)


@router.get("/entries", summary="List entries, newest first")
def list_entries(
    caller: Caller,
    uow: UoW,
    folder: str | None = None,
    created_at: datetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ascending: bool = False,
) -> dict[str, Any]:
    if created_at is not None and created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    page = service.list_entries(
        uow,
        workspace_id=caller.workspace_id,
        folder=folder,
        created_at=created_at,
        cursor=cursor,
        limit=limit,
        ascending=ascending,
    )
    out: dict[str, Any] = {
        "list": [entry_json(e, with_data=False) for e in page.entries],
        "limit": limit,
    }
    if folder:
        out["folder"] = folder
    if cursor:
        out["cursor"] = cursor
    if created_at:
        out["created_at"] = timestamp(created_at)
    if page.next_cursor:
        out["next_cursor"] = page.next_cursor
    return out


@router.get("/entries/key/{key}", summary="Fetch an entry by its key")
def get_entry_by_key(key: str, caller: Caller, uow: UoW) -> dict[str, Any]:
    return entry_json(service.get_entry_by_key(uow, workspace_id=caller.workspace_id, key=key))


@router.get("/entries/{entry_id}", summary="Fetch an entry")
def get_entry(entry_id: uuid.UUID, caller: Caller, uow: UoW) -> dict[str, Any]:
    return entry_json(service.get_entry(uow, workspace_id=caller.workspace_id, entry_id=entry_id))


@router.patch("/entries/{entry_id}", summary="Update an entry's data or folder")
def patch_entry(entry_id: uuid.UUID, body: UpdateEntry, caller: Caller, uow: UoW) -> dict[str, Any]:
    _refuse_unserved(body)
    entry = service.update_entry(
        uow,
        workspace_id=caller.workspace_id,
        entry_id=entry_id,
        data=body.data,
        folder=body.folder,
        content_type=body.content_type,
        allow_invalid=body.allow_invalid,
        source=_source(caller),
    )
    return entry_json(entry)


@router.delete("/entries/{entry_id}", summary="Entries cannot be deleted (404, as the contract)")
def delete_entry(entry_id: uuid.UUID, caller: Caller) -> None:
    raise EntryNotFound("Entries cannot be deleted.")
