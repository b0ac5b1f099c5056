"""``/sequence/v1``: series and their entries, shaped as Invopop's ``sequence_v1.yaml``.

PUT creates, idempotently on the caller's UUID (any version): the same body again returns the
same series, or for an entry the code it was given the first time. The create-series body takes
``start`` (OpenAPI) or, as the series guide's example sends it, ``last_index`` as the start.
``sig``/``sigs`` (JSON Web Signatures over a series or entry) are not produced or checked yet, so
a body with ``sig`` is refused rather than silently stored unsigned.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from facturo.errors import Fault, Invalid
from facturo.platform.auth import Caller, ReadUoW, UoW
from facturo.sequence import service
from facturo.sequence.models import DEFAULT_PADDING, SequenceEntry, Series

router = APIRouter(prefix="/sequence/v1", tags=["sequence"])


class CreateSeries(BaseModel):
    """``SequenceCreateSeries``."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(default="", max_length=200)
    code: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=2000)
    prefix: str = Field(default="", max_length=100)
    suffix: str = Field(default="", max_length=100)
    padding: int = Field(default=DEFAULT_PADDING, ge=0, le=32)
    start: int | None = Field(default=None, ge=0, le=10**15)
    last_index: int | None = Field(default=None, ge=0, le=10**15)
    sig: str | None = None


class CreateEntry(BaseModel):
    """``SequenceCreateEntry``."""

    model_config = ConfigDict(extra="allow")

    meta: dict[str, Annotated[str, Field(max_length=1000)]] = Field(
        default_factory=dict, max_length=50
    )
    sig: str | None = None


class SignaturesUnsupported(Invalid):
    """Signed series and entries (`sig`) are not supported yet; send the body without `sig`."""


def _refuse_sig(sig: str | None) -> None:
    if sig:
        raise SignaturesUnsupported(
            faults=[Fault("unsupported", "`sig` is not supported", ("$.sig",))]
        )


def _timestamp(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def series_json(series: Series) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(series.id),
        "created_at": _timestamp(series.created_at),
        "updated_at": _timestamp(series.updated_at),
        "name": series.name,
        "code": series.code,
        "description": series.description,
        "prefix": series.prefix,
        "suffix": series.suffix,
        "padding": series.padding,
        "start": series.start,
        "last_index": series.last_index,
    }
    if series.last_entry_id:
        out["last_entry_id"] = str(series.last_entry_id)
    return out


def entry_json(entry: SequenceEntry) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "created_at": _timestamp(entry.created_at),
        "updated_at": _timestamp(entry.created_at),
        "series_id": str(entry.series_id),
        "code": entry.code,
        "meta": entry.meta,
        "previous_id": str(entry.previous_id) if entry.previous_id else None,
        "sigs": [],
    }


@router.get("/series", summary="Fetch all the series in the workspace")
def list_series(caller: Caller, uow: ReadUoW) -> dict[str, Any]:
    found = service.list_series(uow, workspace_id=caller.workspace_id)
    return {"list": [series_json(s) for s in found]}


@router.get("/series/{series_id}", summary="Fetch a series")
def get_series(series_id: uuid.UUID, caller: Caller, uow: ReadUoW) -> dict[str, Any]:
    return series_json(
        service.get_series(uow, workspace_id=caller.workspace_id, series_id=series_id)
    )


@router.put("/series/{series_id}", summary="Create a series idempotently with the given UUID")
def put_series(
    series_id: uuid.UUID, body: CreateSeries, caller: Caller, uow: UoW
) -> dict[str, Any]:
    _refuse_sig(body.sig)
    start = body.start if body.start is not None else body.last_index
    settings = service.SeriesSettings(
        name=body.name,
        code=body.code,
        description=body.description,
        prefix=body.prefix,
        suffix=body.suffix,
        padding=body.padding,
        start=1 if start is None else start,
    )
    return series_json(
        service.create_series(
            uow, workspace_id=caller.workspace_id, series_id=series_id, settings=settings
        )
    )


@router.get("/series/{series_id}/entries", summary="Fetch the entries of a series")
def list_entries(
    series_id: uuid.UUID,
    caller: Caller,
    uow: ReadUoW,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    page = service.list_entries(
        uow, workspace_id=caller.workspace_id, series_id=series_id, cursor=cursor, limit=limit
    )
    out: dict[str, Any] = {"list": [entry_json(e) for e in page.entries], "limit": limit}
    if page.cursor:
        out["cursor"] = page.cursor
    return out


@router.get("/series/{series_id}/entries/{entry_id}", summary="Fetch an entry of a series")
def get_entry(
    series_id: uuid.UUID, entry_id: uuid.UUID, caller: Caller, uow: ReadUoW
) -> dict[str, Any]:
    entry = service.get_entry(
        uow, workspace_id=caller.workspace_id, series_id=series_id, entry_id=entry_id
    )
    return entry_json(entry)


@router.put("/series/{series_id}/entries/{entry_id}", summary="Take the next code of a series")
def put_entry(
    series_id: uuid.UUID, entry_id: uuid.UUID, body: CreateEntry, caller: Caller, uow: UoW
) -> dict[str, Any]:
    _refuse_sig(body.sig)
    entry = service.put_entry(
        uow,
        workspace_id=caller.workspace_id,
        series_id=series_id,
        entry_id=entry_id,
        meta=body.meta,
    )
    return entry_json(entry)
