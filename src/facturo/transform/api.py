"""``/transform/v1`` workflow and job endpoints, shaped as Invopop's ``transform_v1.yaml``.

Bodies are read as JSON objects and checked by the use cases (``workflow_store``, ``jobs``), not
by strict request models: the contract keeps unknown workflow keys, and bad job input must come
back as the contract's error body with the path of each bad field (``$.args.total``), which the
use cases build. ``POST /jobs/{id}/cancel`` is an extension (the contract has no cancel);
``POST /jobs/intents`` is the contract's way for an app to poke or cancel a waiting step.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from facturo.errors import Fault, Invalid
from facturo.platform.auth import Caller, ReadUoW, UoW, runtime
from facturo.platform.runtime import Runtime
from facturo.transform import job_intents, jobs, workflow_store
from facturo.transform.workflow_store import Author

router = APIRouter(prefix="/transform/v1", tags=["transform"])

Rt = Annotated[Runtime, Depends(runtime)]
JsonObject = Annotated[dict[str, Any], Body()]


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# -- workflows ------------------------------------------------------------------------------


@router.get("/workflows", summary="List workflows, newest first")
def list_workflows(
    caller: Caller,
    uow: ReadUoW,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    created_at: datetime | None = None,
    schema: str | None = None,
) -> dict[str, Any]:
    return workflow_store.list_workflows(
        uow,
        workspace_id=caller.workspace_id,
        limit=limit,
        created_at=_utc(created_at),
        schema=schema,
    )


@router.get("/workflows/{workflow_id}", summary="Fetch a workflow with its versions")
def get_workflow(workflow_id: uuid.UUID, caller: Caller, uow: ReadUoW) -> dict[str, Any]:
    return workflow_store.get_workflow(
        uow, workspace_id=caller.workspace_id, workflow_id=workflow_id
    )


@router.put("/workflows/{workflow_id}", summary="Create a workflow with the caller's id")
def put_workflow(
    workflow_id: uuid.UUID, body: JsonObject, caller: Caller, uow: UoW, rt: Rt
) -> dict[str, Any]:
    return workflow_store.create_workflow(
        uow,
        workspace_id=caller.workspace_id,
        workflow_id=workflow_id,
        document=body,
        registry=rt.registry,
        author=Author("api", str(caller.token_id)),
    )


@router.patch("/workflows/{workflow_id}", summary="Update a workflow (publishes unless draft)")
def patch_workflow(
    workflow_id: uuid.UUID, body: JsonObject, caller: Caller, uow: UoW, rt: Rt
) -> dict[str, Any]:
    return workflow_store.update_workflow(
        uow,
        workspace_id=caller.workspace_id,
        workflow_id=workflow_id,
        changes=body,
        registry=rt.registry,
        author=Author("api", str(caller.token_id)),
    )


# -- jobs -----------------------------------------------------------------------------------


def _uuid_field(body: dict[str, Any], name: str, *, required: bool = False) -> uuid.UUID | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise Invalid(faults=[Fault("required", f"{name} is required", (f"$.{name}",))])
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Invalid(faults=[Fault("uuid", "must be a UUID", (f"$.{name}",))]) from exc


def _tags(body: dict[str, Any]) -> list[str]:
    tags = body.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise Invalid(faults=[Fault("type", "tags must be strings", ("$.tags",))])
    return tags


def _key(body: dict[str, Any]) -> str | None:
    key = body.get("key")
    if key is not None and (not isinstance(key, str) or len(key) > 255):
        raise Invalid(faults=[Fault("type", "key must be a string of 255 at most", ("$.key",))])
    return key or None


def _create_job(
    body: dict[str, Any],
    caller: Caller,
    uow: UoW,
    rt: Runtime,
    job_id: uuid.UUID | None,
    wait: str | None,
) -> JSONResponse:
    workflow_id = _uuid_field(body, "workflow_id", required=True)
    assert workflow_id is not None
    new_id = jobs.submit(
        rt,
        uow,
        workspace_id=caller.workspace_id,
        job_id=job_id,
        workflow_id=workflow_id,
        silo_entry_id=_uuid_field(body, "silo_entry_id"),
        data=body.get("data"),
        key=_key(body),
        args=body.get("args"),
        tags=_tags(body),
        src_id=str(caller.token_id),
    )
    seconds = jobs.parse_wait(wait)
    if seconds > 0:
        jobs.wait_for(rt, workspace_id=caller.workspace_id, job_id=new_id, seconds=seconds)
    with rt.uow() as fresh:
        document = jobs.get(fresh, workspace_id=caller.workspace_id, job_id=new_id)
    return JSONResponse(document, status_code=202)


@router.post("/jobs", status_code=202, summary="Create a job (server-chosen id)")
def create_job(
    body: JsonObject, caller: Caller, uow: UoW, rt: Rt, wait: str | None = None
) -> JSONResponse:
    return _create_job(body, caller, uow, rt, None, wait)


@router.put("/jobs/{job_id}", status_code=202, summary="Create a job with the caller's v7/v1 id")
def put_job(
    job_id: uuid.UUID, body: JsonObject, caller: Caller, uow: UoW, rt: Rt, wait: str | None = None
) -> JSONResponse:
    return _create_job(body, caller, uow, rt, job_id, wait)


@router.get("/jobs", summary="List jobs, newest first")
def list_jobs(
    caller: Caller,
    uow: ReadUoW,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    created_at: datetime | None = None,
    cursor: str | None = None,
) -> dict[str, Any]:
    return jobs.list_jobs(
        uow,
        workspace_id=caller.workspace_id,
        limit=limit,
        created_at=_utc(created_at),
        cursor=cursor,
    )


@router.get("/jobs/key/{key}", summary="Fetch a job by its key")
def get_job_by_key(key: str, caller: Caller, uow: ReadUoW) -> dict[str, Any]:
    return jobs.get_by_key(uow, workspace_id=caller.workspace_id, key=key)


@router.get("/jobs/{job_id}", summary="Fetch a job")
def get_job(job_id: uuid.UUID, caller: Caller, uow: ReadUoW) -> dict[str, Any]:
    return jobs.get(uow, workspace_id=caller.workspace_id, job_id=job_id)


@router.post("/jobs/{job_id}/cancel", status_code=202, summary="Cancel a job (extension)")
def cancel_job(job_id: uuid.UUID, caller: Caller, uow: UoW, rt: Rt) -> JSONResponse:
    jobs.cancel(rt, uow, workspace_id=caller.workspace_id, job_id=job_id)
    with rt.uow() as fresh:
        document = jobs.get(fresh, workspace_id=caller.workspace_id, job_id=job_id)
    return JSONResponse(document, status_code=202)


@router.post("/jobs/intents", summary="Add POKE or CANCEL to a job's waiting intent")
def update_intent(body: JsonObject, caller: Caller, uow: UoW, rt: Rt) -> dict[str, Any]:
    intent = job_intents.update_intent(
        uow,
        workspace_id=caller.workspace_id,
        request=job_intents.IntentUpdate.from_body(body),
    )
    uow.commit()
    job_intents.wake(rt)
    return intent
