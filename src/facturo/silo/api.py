"""``/silo/v1`` entry endpoints, shaped as Invopop's OpenAPI (``silo_v1.yaml``).

States and meta (``api_states``), files and the spool (``api_files``) have routers of their
own; :func:`mount` puts all three on the app.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from facturo import gobl
from facturo.errors import Fault, Invalid
from facturo.gobl.dsig import PrivateKey
from facturo.gobl.envelope import is_envelope
from facturo.platform import secrets
from facturo.platform.auth import Caller, runtime
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.platform.uow import UnitOfWork
from facturo.silo import api_files, api_states, service
from facturo.silo.api_files import base_url
from facturo.silo.build import (
    build_envelope,
    corrected_envelope,
    correction_of,
    rerooted,
    sign_envelope,
)
from facturo.silo.errors import EntryNotFound
from facturo.silo.models import Entry
from facturo.silo.service import Source
from facturo.silo.wire import (
    driver_text,
    entry_json,
    json_response,
    listed_json,
    listed_row_json,
    shown_rows_json,
    timestamp,
)

router = APIRouter(prefix="/silo/v1", tags=["silo"])
"""Entry endpoints are plain functions that open their unit of work themselves and answer
with encoded JSON (``json_response``): the whole request's blocking work (queries, closing the
session, encoding) then runs in one hand-off to the thread pool, where the ``UoW`` dependency
costs a second one to close the session, and FastAPI's own encoding a third."""

__all__ = ["entry_json", "mount", "router", "timestamp"]


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


def _signing_key(rt: Runtime, wanted: bool) -> PrivateKey | None:
    return secrets.signing_key(rt.settings) if wanted else None


def _runtime(request: Request) -> Runtime:
    """The app's runtime, read directly: a dependency for it would cost a request more."""
    rt: Runtime = request.app.state.runtime
    return rt


def _base_url(request: Request, entry: Entry) -> str:
    """The server's URL for the entry's file links; only worked out when it has files."""
    return base_url(request) if entry.attachments else ""


def _reader(request: Request, *, one_statement: bool = False) -> UnitOfWork:
    return UnitOfWork(_runtime(request).sessions, read_only=True, one_statement=one_statement)


def _entry_data(body: CreateEntry, caller: Caller, uow: UnitOfWork) -> Any:
    """``data``, or with ``previous_id`` + ``correct`` the correction of that entry.

    ``previous_id`` alone (a copy or patch of the previous entry) is not served yet and is
    refused, never ignored.
    """
    if body.previous_id is None and body.correct is None:
        return body.data
    problems = [
        Fault(code, message, (path,))
        for wrong, code, message, path in (
            (
                body.previous_id is None,
                "required",
                "`correct` needs `previous_id`",
                "$.previous_id",
            ),
            (body.correct is None, "unsupported", "`previous_id` needs `correct`", "$.correct"),
            (body.data is not None, "conflict", "`data` cannot be given with `correct`", "$.data"),
        )
        if wrong
    ]
    if problems or body.previous_id is None:
        raise Invalid("Corrections take `previous_id` and `correct`, no `data`.", faults=problems)
    previous = service.get_entry(uow, workspace_id=caller.workspace_id, entry_id=body.previous_id)
    return correction_of(previous.data, body.correct, now=datetime.now(UTC))


Rt = Annotated[Runtime, Depends(runtime)]


def _create(
    request: Request,
    body: CreateEntry,
    caller: Caller,
    rt: Runtime,
    entry_id: uuid.UUID | None,
) -> Response:
    with rt.uow() as uow:
        entry = service.create_entry(
            uow,
            workspace_id=caller.workspace_id,
            entry_id=entry_id,
            data=_entry_data(body, caller, uow),
            key=body.key,
            folder=body.folder,
            allow_invalid=body.allow_invalid,
            signing_key=_signing_key(rt, body.sign),
            source=_source(caller),
        )
    return json_response(entry_json(entry, base_url=_base_url(request, entry)))


@router.post("/entries", summary="Create an entry (server-chosen id)")
def create_entry(request: Request, body: CreateEntry, caller: Caller) -> Response:
    return _create(request, body, caller, _runtime(request), None)


@router.put("/entries/{entry_id}", summary="Create an entry with the caller's id (create-only)")
def put_entry(request: Request, entry_id: uuid.UUID, body: CreateEntry, caller: Caller) -> Response:
    return _create(request, body, caller, _runtime(request), entry_id)


def _parse_created_at(created_at: datetime | None) -> datetime | None:
    if created_at is not None and created_at.tzinfo is None:
        return created_at.replace(tzinfo=UTC)
    return created_at


def _related_items(page: service.Page, contexts: dict[uuid.UUID, str]) -> list[dict[str, Any]]:
    items = []
    for e in page.entries:
        item = listed_json(e)
        if e.id in contexts:
            item["context"] = contexts[e.id]
        items.append(item)
    return items


def _collection(
    items: list[dict[str, Any]],
    next_cursor: str | None,
    *,
    limit: int,
    folder: str | None = None,
    cursor: str | None = None,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"list": items, "limit": limit}
    if folder:
        out["folder"] = folder
    if cursor:
        out["cursor"] = cursor
    if created_at:
        out["created_at"] = timestamp(created_at)
    if next_cursor:
        out["next_cursor"] = next_cursor
    return out


@router.get("/entries", summary="List entries, newest first")
def list_entries(
    request: Request,
    caller: Caller,
    folder: str | None = None,
    created_at: datetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ascending: bool = False,
) -> Response:
    created_at = _parse_created_at(created_at)
    with _reader(request, one_statement=True) as uow:  # a page is one statement
        page = service.list_entries(
            uow,
            workspace_id=caller.workspace_id,
            folder=folder,
            created_at=created_at,
            cursor=cursor,
            limit=limit,
            ascending=ascending,
        )
    text = driver_text(page.dialect)
    items = [listed_row_json(row, text) for row in page.rows]
    return json_response(
        _collection(
            items,
            page.next_cursor,
            limit=limit,
            folder=folder,
            cursor=cursor,
            created_at=created_at,
        )
    )


@router.get("/entries/related", summary="Entries whose documents mention a UUID")
def related_to_uuid(
    request: Request,
    caller: Caller,
    uuid_: Annotated[uuid.UUID, Query(alias="uuid")],
    context: str | None = None,
    created_at: datetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    with _reader(request) as uow:
        return _related(caller, uow, [uuid_], context, created_at, cursor, limit)


@router.get("/entries/key/{key}", summary="Fetch an entry by its key")
def get_entry_by_key(request: Request, key: str, caller: Caller) -> Response:
    return _shown_entry(request, caller, key=key)


@router.get("/entries/{entry_id}", summary="Fetch an entry")
def get_entry(request: Request, entry_id: uuid.UUID, caller: Caller) -> Response:
    return _shown_entry(request, caller, entry_id=entry_id)


def _shown_entry(
    request: Request, caller: Caller, *, entry_id: uuid.UUID | None = None, key: str = ""
) -> Response:
    """An entry's answer: one statement without a transaction for the common entry, the full
    read in one transaction for one with files or meta rows (``shown_rows``)."""
    workspace_id = caller.workspace_id
    with _reader(request, one_statement=True) as uow:
        shown = service.get_shown_rows(uow, workspace_id=workspace_id, entry_id=entry_id, key=key)
    if shown.complete:
        return json_response(shown_rows_json(shown.rows, driver_text(shown.dialect)))
    with _reader(request) as uow:
        if entry_id is not None:
            entry = service.get_entry(uow, workspace_id=workspace_id, entry_id=entry_id)
        else:
            entry = service.get_entry_by_key(uow, workspace_id=workspace_id, key=key)
    return json_response(entry_json(entry, base_url=_base_url(request, entry)))


@router.get("/entries/{entry_id}/related", summary="Entries whose documents mention this one")
def related_to_entry(
    request: Request,
    entry_id: uuid.UUID,
    caller: Caller,
    uuid_: Annotated[uuid.UUID | None, Query(alias="uuid")] = None,
    context: str | None = None,
    created_at: datetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Without ``uuid``, the UUIDs others use for this entry: its document's and header's."""
    with _reader(request) as uow:
        uuids = service.document_uuids(uow, workspace_id=caller.workspace_id, entry_id=entry_id)
        if uuid_ is not None:
            uuids = [uuid_]
        return _related(caller, uow, uuids, context, created_at, cursor, limit)


def _related(
    caller: Caller,
    uow: UnitOfWork,
    uuids: list[uuid.UUID],
    context: str | None,
    created_at: datetime | None,
    cursor: str | None,
    limit: int,
) -> Response:
    created_at = _parse_created_at(created_at)
    page, contexts = service.list_related(
        uow,
        workspace_id=caller.workspace_id,
        uuids=uuids,
        context=context,
        created_at=created_at,
        cursor=cursor,
        limit=limit,
    )
    return json_response(
        _collection(
            _related_items(page, contexts),
            page.next_cursor,
            limit=limit,
            cursor=cursor,
            created_at=created_at,
        )
    )


@router.get("/search", summary="Find entries by a code, name or any text in them")
def search(
    request: Request,
    caller: Caller,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    folder: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    with _reader(request) as uow:
        found = service.search_entries(
            uow, workspace_id=caller.workspace_id, q=q, folder=folder, limit=limit, offset=offset
        )
    out: dict[str, Any] = {
        "list": [listed_json(e) for e in found],
        "limit": limit,
        "offset": offset,
        "query": q,
    }
    if folder:
        out["folder"] = folder
    return json_response(out)


@router.get("/entries/{entry_id}/versions/{version}", summary="One version of an entry's data")
def get_version(request: Request, entry_id: uuid.UUID, version: str, caller: Caller) -> Response:
    with _reader(request) as uow:
        found, data = service.get_version(
            uow, workspace_id=caller.workspace_id, entry_id=entry_id, version=version
        )
    return json_response({"version": found, "data": data})


@router.patch("/entries/{entry_id}", summary="Update an entry's data, folder or signature")
def patch_entry(
    request: Request, entry_id: uuid.UUID, body: UpdateEntry, caller: Caller
) -> Response:
    rt = _runtime(request)
    with rt.uow() as uow:
        entry = service.update_entry(
            uow,
            workspace_id=caller.workspace_id,
            entry_id=entry_id,
            data=body.data,
            folder=body.folder,
            content_type=body.content_type,
            allow_invalid=body.allow_invalid,
            signing_key=_signing_key(rt, body.sign),
            source=_source(caller),
        )
    return json_response(entry_json(entry, base_url=_base_url(request, entry)))


@router.delete("/entries/{entry_id}", summary="Entries cannot be deleted (404, as the contract)")
def delete_entry(entry_id: uuid.UUID, caller: Caller) -> None:
    raise EntryNotFound("Entries cannot be deleted.")


class BuildGobl(BaseModel):
    """``SiloBuildGOBL``."""

    data: dict[str, Any] | None = None
    envelop: bool = False


class SignGobl(BaseModel):
    """``SiloSignGOBL``."""

    data: dict[str, Any] | None = None


class CorrectGobl(BaseModel):
    """``SiloCorrectGOBL``."""

    data: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    show_options: bool = False


@router.post("/gobl/build", summary="Calculate and validate GOBL data, storing nothing")
def gobl_build(body: BuildGobl, caller: Caller) -> dict[str, Any]:
    """A bare document comes back as a document unless ``envelop``; an envelope as one."""
    now = datetime.now(UTC)
    built = build_envelope(body.data, allow_invalid=False, uuid_factory=uuid7, now=now)
    data = body.data or {}
    if body.envelop or is_envelope(data):
        return {"data": built.envelope}
    return {"data": built.envelope["doc"]}


@router.post("/gobl/sign", summary="Build and sign a GOBL envelope, storing nothing")
def gobl_sign(body: SignGobl, caller: Caller, rt: Rt) -> dict[str, Any]:
    now = datetime.now(UTC)
    built = build_envelope(body.data, allow_invalid=False, uuid_factory=uuid7, now=now)
    try:
        signed = sign_envelope(built.envelope, key=secrets.signing_key(rt.settings), now=now)
    except gobl.GoblError as exc:
        raise rerooted(exc) from exc
    return {"data": signed}


@router.post("/gobl/correct", summary="Build a credit note or corrective from an envelope")
def gobl_correct(body: CorrectGobl, caller: Caller) -> dict[str, Any]:
    """With ``show_options``, the JSON Schema of the options that fit ``data`` instead."""
    if body.show_options:
        doc = (body.data or {}).get("doc") if is_envelope(body.data or {}) else body.data
        return {"data": gobl.correction_options_schema(doc if isinstance(doc, dict) else {})}
    envelope = corrected_envelope(
        body.data, body.options, uuid_factory=uuid7, now=datetime.now(UTC)
    )
    return {"data": envelope}


def mount(app: FastAPI) -> None:
    """Put the Silo's routes on ``app``: the entry routes on the app's own router, the states,
    meta, files and spool routers included under ``/silo/v1`` after them (the order they are
    tried in, as when they were all one router).

    The entry routes are the busiest of the app, and FastAPI matches an included router's
    routes twice per request (once to choose the router, once inside it): as routes of the
    app's router they are matched once.
    """
    app.router.routes.extend(router.routes)
    for sub in (api_states.router, api_files.router):
        app.include_router(sub, prefix=router.prefix, tags=list(router.tags))
