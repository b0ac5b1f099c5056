"""``/verifactu/v1/registrations``: the operator's side of VERI*FACTU supplier registration.

Not part of Invopop's contract (its registration happens inside Invopop's console); a
self-hosted installation needs a place where the operator collects each issuer's signed
representation document and decides on it, which is what the waiting workflow steps poll
(:mod:`facturo.transform.steps.verifactu_register`). Token-scoped like every other API: a
workspace sees and changes only its own registrations.

- ``GET /registrations`` (``?status=``), ``GET /registrations/{id}``;
- ``POST /registrations/{id}/document``: the document as base64 (``name``, ``mime``, ``data``),
  stored on the issuer's party entry as a file in the ``agreement`` category with key
  ``verifactu-representation``, and the registration marked ``uploaded``;
- ``POST /registrations/{id}/uploaded``: mark it uploaded (the document arrived on paper);
- ``POST /registrations/{id}/approve`` (``note`` optional), ``POST /registrations/{id}/reject``
  (``reason`` required).

Each change commits on its own; a refused change (wrong state: 409, bad body: 422) writes
nothing. A change that a waiting job polls for (upload, approval, rejection) also pokes the jobs
waiting on that registration in the same transaction (``POKE``, as an app would through
``POST /transform/v1/jobs/intents``), so their step checks again at once instead of at its next
poll.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from facturo.errors import Fault
from facturo.platform.auth import Caller, ReadUoW, UoW
from facturo.platform.runtime import Runtime
from facturo.platform.uow import UnitOfWork
from facturo.silo import service_files
from facturo.silo.service_files import NewFile
from facturo.silo.storage import for_settings
from facturo.transform import job_intents
from facturo.transform.steps.verifactu_register import REGISTRATION_ARG
from facturo.verifactu import registrations
from facturo.verifactu.registrations import (
    DOCUMENT_KEY,
    Registration,
    RegistrationStatus,
    TransitionRefused,
)

router = APIRouter(prefix="/verifactu/v1", tags=["verifactu"])


class DocumentBody(BaseModel):
    """The signed representation document."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    mime: str = Field(default="application/pdf", max_length=255)
    data: str = Field(min_length=1)


class ApproveBody(BaseModel):
    """An optional note for the record (e.g. where AEAT's register shows the grant)."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class RejectBody(BaseModel):
    """Why the registration is refused; the waiting job reports it."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat(timespec="milliseconds")


def _poke_waiting(uow: UnitOfWork, registration: Registration) -> None:
    """POKE the workspace's jobs waiting on this registration (their arg names it); no commit."""
    job_intents.poke_waiting(
        uow,
        workspace_id=registration.workspace_id,
        arg=REGISTRATION_ARG,
        value=str(registration.id),
        code=f"verifactu.{registration.status.value}",
        message="the registration changed",
    )


def registration_json(registration: Registration) -> dict[str, Any]:
    return {
        "id": str(registration.id),
        "tax_id": {"country": "ES", "code": registration.issuer_nif},
        "name": registration.name,
        "silo_entry_id": None
        if registration.silo_entry_id is None
        else str(registration.silo_entry_id),
        "status": registration.status.value,
        "document_file_id": None
        if registration.document_file_id is None
        else str(registration.document_file_id),
        "note": registration.note,
        "requested_at": _time(registration.requested_at),
        "uploaded_at": _time(registration.uploaded_at),
        "decided_at": _time(registration.decided_at),
        "created_at": _time(registration.created_at),
        "updated_at": _time(registration.updated_at),
    }


@router.get("/registrations", summary="List the workspace's supplier registrations")
def list_registrations(
    caller: Caller, uow: ReadUoW, status: RegistrationStatus | None = None
) -> dict[str, Any]:
    found = registrations.list_registrations(uow, workspace_id=caller.workspace_id, status=status)
    return {"list": [registration_json(r) for r in found]}


@router.get("/registrations/{registration_id}", summary="Fetch a supplier registration")
def get_registration(registration_id: uuid.UUID, caller: Caller, uow: ReadUoW) -> dict[str, Any]:
    return registration_json(
        registrations.get(uow, workspace_id=caller.workspace_id, registration_id=registration_id)
    )


@router.post(
    "/registrations/{registration_id}/document",
    summary="Upload the signed representation document",
)
def upload_document(
    registration_id: uuid.UUID, body: DocumentBody, request: Request, caller: Caller, uow: UoW
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    current = registrations.get(
        uow, workspace_id=caller.workspace_id, registration_id=registration_id
    )
    if not current.status.open:
        raise TransitionRefused(
            f"cannot upload a document to a registration that is {current.status}",
            faults=[Fault("state", f"the registration is {current.status}", ("$.status",))],
        )
    if current.silo_entry_id is None:
        raise TransitionRefused(
            "the registration has no party entry to keep the document on",
            faults=[Fault("entry", "no party entry", ("$.silo_entry_id",))],
        )
    mime = service_files.check_mime(body.mime)
    max_bytes = runtime.settings.max_file_bytes
    data = service_files.decode_base64(body.data, max_bytes)
    file = service_files.put_file(
        uow,
        for_settings(runtime.settings),
        workspace_id=caller.workspace_id,
        entry_id=current.silo_entry_id,
        spec=NewFile(
            name=body.name,
            data=data,
            key=DOCUMENT_KEY,
            category="agreement",
            mime=mime,
            private=True,
        ),
        max_bytes=max_bytes,
    )
    updated = registrations.mark_uploaded(
        uow, workspace_id=caller.workspace_id, registration_id=registration_id, file_id=file.id
    )
    _poke_waiting(uow, updated)
    uow.commit()
    job_intents.wake(runtime)
    return registration_json(updated)


@router.post(
    "/registrations/{registration_id}/uploaded",
    summary="Mark the representation document as received",
)
def mark_uploaded(
    registration_id: uuid.UUID, request: Request, caller: Caller, uow: UoW
) -> dict[str, Any]:
    updated = registrations.mark_uploaded(
        uow, workspace_id=caller.workspace_id, registration_id=registration_id
    )
    _poke_waiting(uow, updated)
    uow.commit()
    job_intents.wake(request.app.state.runtime)
    return registration_json(updated)


@router.post("/registrations/{registration_id}/approve", summary="Approve a registration")
def approve(
    registration_id: uuid.UUID,
    request: Request,
    caller: Caller,
    uow: UoW,
    body: ApproveBody | None = None,
) -> dict[str, Any]:
    updated = registrations.approve(
        uow,
        workspace_id=caller.workspace_id,
        registration_id=registration_id,
        note=None if body is None else body.note,
    )
    _poke_waiting(uow, updated)
    uow.commit()
    job_intents.wake(request.app.state.runtime)
    return registration_json(updated)


@router.post("/registrations/{registration_id}/reject", summary="Reject a registration")
def reject(
    registration_id: uuid.UUID, body: RejectBody, request: Request, caller: Caller, uow: UoW
) -> dict[str, Any]:
    updated = registrations.reject(
        uow, workspace_id=caller.workspace_id, registration_id=registration_id, reason=body.reason
    )
    _poke_waiting(uow, updated)
    uow.commit()
    job_intents.wake(request.app.state.runtime)
    return registration_json(updated)
