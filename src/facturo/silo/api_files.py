"""``/silo/v1`` files of entries and the spool (contract §2.4, §2.7).

A declared file's bytes are PUT raw to ``…/files/{id}/data`` (the Go client's ``UploadData``).
Downloads answer the raw bytes with the stored content type and a ``Content-Disposition`` that
names the file (the Go client reads ``filename`` from it). Public files also have a link that
needs no token: ``/silo/v1/public/files/<token>``, the token being random and per file.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from facturo.platform.auth import Caller, UoW
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.platform.uow import UnitOfWork
from facturo.silo import service_files, spool
from facturo.silo.service_files import FileBytes, NewFile
from facturo.silo.storage import Storage, for_settings
from facturo.silo.wire import file_json

router = APIRouter()


def _runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def _storage(request: Request) -> Storage:
    return for_settings(_runtime(request).settings)


def base_url(request: Request) -> str:
    """The URL clients reach this server at: ``FACTURO_PUBLIC_URL``, else the request's own."""
    rt = _runtime(request)
    return rt.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")


class NewFileBody(BaseModel):
    """The body of a file upload (``silo_v1.yaml`` files POST/PUT)."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=255)
    desc: str | None = Field(default=None, max_length=10_000)
    key: str | None = Field(default=None, max_length=255)
    category: str | None = Field(default=None, max_length=32)
    data: str | None = None
    mime: str | None = Field(default=None, max_length=255)
    sha256: str | None = Field(default=None, max_length=64)
    size: int | None = Field(default=None, ge=0)
    embeddable: bool = False
    private: bool = False
    meta: dict[str, str] | None = None


def _put(
    request: Request,
    entry_id: uuid.UUID,
    file_id: uuid.UUID | None,
    body: NewFileBody,
    caller: Caller,
    uow: UnitOfWork,
) -> dict[str, Any]:
    max_bytes = _runtime(request).settings.max_file_bytes
    data = service_files.decode_base64(body.data, max_bytes) if body.data is not None else None
    spec = NewFile(
        name=body.name,
        data=data,
        desc=body.desc,
        key=body.key,
        category=body.category or "",
        mime=body.mime,
        sha256=body.sha256,
        size=body.size,
        embeddable=body.embeddable,
        private=body.private,
        meta=dict(body.meta or {}),
    )
    file = service_files.put_file(
        uow,
        _storage(request),
        workspace_id=caller.workspace_id,
        entry_id=entry_id,
        file_id=file_id,
        spec=spec,
        max_bytes=max_bytes,
    )
    uow.commit()
    return file_json(file, base_url=base_url(request))


@router.post("/entries/{entry_id}/files", summary="Add a file to an entry")
def post_file(
    request: Request, entry_id: uuid.UUID, body: NewFileBody, caller: Caller, uow: UoW
) -> dict[str, Any]:
    return _put(request, entry_id, uuid7(), body, caller, uow)


@router.put("/entries/{entry_id}/files/{file_id}", summary="Add a file with the caller's id")
def put_file(
    request: Request,
    entry_id: uuid.UUID,
    file_id: uuid.UUID,
    body: NewFileBody,
    caller: Caller,
    uow: UoW,
) -> dict[str, Any]:
    return _put(request, entry_id, file_id, body, caller, uow)


@router.put(
    "/entries/{entry_id}/files/{file_id}/data",
    summary="Upload the bytes of a declared file",
    openapi_extra={"requestBody": {"content": {"*/*": {}}}},
)
async def upload_file(
    request: Request, entry_id: uuid.UUID, file_id: uuid.UUID, caller: Caller, uow: UoW
) -> dict[str, Any]:
    """The raw bytes, in any content type (the Go client sends the file's MIME type)."""
    data = await request.body()
    return await run_in_threadpool(_store_bytes, request, entry_id, file_id, data, caller, uow)


def _store_bytes(
    request: Request,
    entry_id: uuid.UUID,
    file_id: uuid.UUID,
    data: bytes,
    caller: Caller,
    uow: UnitOfWork,
) -> dict[str, Any]:
    file = service_files.upload_file_bytes(
        uow,
        _storage(request),
        workspace_id=caller.workspace_id,
        entry_id=entry_id,
        file_id=file_id,
        data=data,
        max_bytes=_runtime(request).settings.max_file_bytes,
    )
    uow.commit()
    return file_json(file, base_url=base_url(request))


def _download(found: FileBytes) -> Response:
    # The plain form for old clients: ASCII, no quotes, backslashes or control characters
    # (a name is the caller's text, and must not break out of the header).
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in found.name)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.name)}"
    return Response(found.data, media_type=found.mime, headers={"Content-Disposition": disposition})


@router.get(
    "/entries/{entry_id}/files/{file_id}",
    summary="Download a file (or one of its previous versions)",
    response_class=Response,
)
def download_file(
    request: Request, entry_id: uuid.UUID, file_id: uuid.UUID, caller: Caller, uow: UoW
) -> Response:
    found = service_files.get_file_bytes(
        uow,
        _storage(request),
        workspace_id=caller.workspace_id,
        entry_id=entry_id,
        file_id=file_id,
    )
    return _download(found)


@router.get(
    "/public/files/{token}", summary="Download a public file by its link", response_class=Response
)
def download_public_file(request: Request, token: str, uow: UoW) -> Response:
    return _download(service_files.get_public_file_bytes(uow, _storage(request), token=token))


class SpoolBody(BaseModel):
    """A file to spool: ``data`` in base64."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, max_length=255)
    type: str | None = Field(default=None, max_length=255)
    data: str


@router.post("/spool", summary="Spool a file; answers the key to read it back")
def post_spool(request: Request, body: SpoolBody, caller: Caller, uow: UoW) -> dict[str, Any]:
    max_bytes = _runtime(request).settings.max_file_bytes
    found = spool.put_spool(
        uow,
        _storage(request),
        workspace_id=caller.workspace_id,
        name=body.name or "file",
        mime=body.type or "application/octet-stream",
        data=service_files.decode_base64(body.data, max_bytes),
        max_bytes=max_bytes,
    )
    uow.commit()
    return {"key": found.key}


@router.get("/spool/{key}", summary="Download a spooled file", response_class=Response)
def get_spool(request: Request, key: str, caller: Caller, uow: UoW) -> Response:
    found, data = spool.get_spool(uow, _storage(request), workspace_id=caller.workspace_id, key=key)
    return _download(FileBytes(found.name, found.mime, data))


@router.delete("/spool/{key}", summary="Delete a spooled file", status_code=204)
def delete_spool(key: str, caller: Caller, uow: UoW) -> Response:
    spool.delete_spool(uow, workspace_id=caller.workspace_id, key=key)
    uow.commit()
    return Response(status_code=204)
