"""Supplier registration for VERI*FACTU: may this installation submit records for an issuer?

Invopop's hosted service registers each supplier before sending its invoices (seed 002 "Supplier
Registration"; without it ``verifactu.send`` fails with "party is not registered"). A self-hosted
installation sends with its own certificate, so what AEAT needs is that every issuer it sends for
has granted the certificate holder a representation (apoderamiento, or a social collaboration
agreement: spec §9.1, error 4112 otherwise). AEAT has no web service to file that grant on the
issuer's behalf, so here registration is the operator's paperwork, tracked per
``(workspace, issuer NIF)``:

``pending_upload`` → ``uploaded`` (the signed representation document is on file) → ``approved``
(the operator checked it and AEAT's register shows it) or ``rejected``; and ``unregistered`` when
the relation ends. Registering an issuer that was rejected or unregistered starts over at
``pending_upload`` on the same row, so an issuer has exactly one history per workspace.

Every function works inside the caller's unit of work and never commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select

from facturo.errors import Conflict, Fault, Invalid, NotFound
from facturo.platform.ids import uuid7
from facturo.platform.uow import UnitOfWork
from facturo.verifactu import nif as nif_rules
from facturo.verifactu.registration_tables import RegistrationRow

__all__ = [
    "DOCUMENT_KEY",
    "InvalidIssuer",
    "Registration",
    "RegistrationNotFound",
    "RegistrationStatus",
    "TransitionRefused",
    "approve",
    "find_for_issuer",
    "get",
    "list_registrations",
    "mark_uploaded",
    "register",
    "reject",
    "unregister",
]

DOCUMENT_KEY = "verifactu-representation"
"""The Silo file key (slot) of the representation document on the issuer's party entry."""

MAX_NAME = 120
"""NombreRazon's length in the AEAT schema; longer names are cut, as the record would be."""


class RegistrationStatus(StrEnum):
    """Where an issuer's registration stands."""

    PENDING_UPLOAD = "pending_upload"  # waiting for the signed representation document
    UPLOADED = "uploaded"  # document on file, waiting for the operator's review
    APPROVED = "approved"  # records may be sent for this issuer
    REJECTED = "rejected"  # the document was refused; register again to start over
    UNREGISTERED = "unregistered"  # the relation ended

    @property
    def open(self) -> bool:
        """Still on its way to a decision."""
        return self in (RegistrationStatus.PENDING_UPLOAD, RegistrationStatus.UPLOADED)


class RegistrationNotFound(NotFound):
    """There is no VERI*FACTU registration with this id in the workspace."""


class TransitionRefused(Conflict):
    """The registration is not in a state that allows this change."""


class InvalidIssuer(Invalid):
    """The issuer's tax ID is not a valid Spanish NIF."""


@dataclass(frozen=True, slots=True)
class Registration:
    """A registration as the API and the steps see it."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    issuer_nif: str
    name: str
    silo_entry_id: uuid.UUID | None
    status: RegistrationStatus
    document_file_id: uuid.UUID | None
    note: str | None
    requested_at: datetime
    uploaded_at: datetime | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime


def _of(row: RegistrationRow) -> Registration:
    return Registration(
        id=row.id,
        workspace_id=row.workspace_id,
        issuer_nif=row.issuer_nif,
        name=row.name,
        silo_entry_id=row.silo_entry_id,
        status=RegistrationStatus(row.status),
        document_file_id=row.document_file_id,
        note=row.note,
        requested_at=row.requested_at,
        uploaded_at=row.uploaded_at,
        decided_at=row.decided_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _moment(now: datetime | None) -> datetime:
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("registration times must be timezone-aware")
    return moment


def _row(uow: UnitOfWork, workspace_id: uuid.UUID, registration_id: uuid.UUID) -> RegistrationRow:
    row = uow.session.get(RegistrationRow, registration_id, with_for_update=True)
    if row is None or row.workspace_id != workspace_id:
        raise RegistrationNotFound()
    return row


def _issuer_row(
    uow: UnitOfWork, workspace_id: uuid.UUID, issuer_nif: str
) -> RegistrationRow | None:
    return uow.session.scalars(
        select(RegistrationRow)
        .where(
            RegistrationRow.workspace_id == workspace_id,
            RegistrationRow.issuer_nif == issuer_nif,
        )
        .with_for_update()
    ).one_or_none()


def _refuse(row: RegistrationRow, action: str) -> TransitionRefused:
    return TransitionRefused(
        f"cannot {action} a registration that is {row.status}",
        faults=[Fault("state", f"the registration is {row.status}", ("$.status",))],
    )


def register(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    issuer_nif: str,
    name: str,
    silo_entry_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Registration:
    """The issuer's registration: created, reused as it is, or restarted after an end.

    An open or approved registration is returned unchanged except for the party entry and name,
    so running the registration workflow twice never resets an approval.
    """
    moment = _moment(now)
    nif = issuer_nif.strip().upper()
    if not nif_rules.is_valid(nif):
        raise InvalidIssuer(
            faults=[Fault("invalid", f"{issuer_nif!r} is not a valid NIF", ("$.tax_id.code",))]
        )
    row = _issuer_row(uow, workspace_id, nif)
    if row is None:
        row = RegistrationRow(
            id=uuid7(),
            workspace_id=workspace_id,
            issuer_nif=nif,
            status=RegistrationStatus.PENDING_UPLOAD.value,
            requested_at=moment,
            created_at=moment,
        )
        uow.session.add(row)
    elif RegistrationStatus(row.status) in (
        RegistrationStatus.REJECTED,
        RegistrationStatus.UNREGISTERED,
    ):
        row.status = RegistrationStatus.PENDING_UPLOAD.value
        row.document_file_id = None
        row.note = None
        row.requested_at = moment
        row.uploaded_at = None
        row.decided_at = None
    row.name = (name.strip() or nif)[:MAX_NAME]
    if silo_entry_id is not None:
        row.silo_entry_id = silo_entry_id
    row.updated_at = moment
    uow.session.flush()
    return _of(row)


def mark_uploaded(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    registration_id: uuid.UUID,
    file_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Registration:
    """Record that the representation document is on file (optionally, which file).

    Allowed while waiting for it, and again while waiting for review (a corrected document
    replaces the first one).
    """
    moment = _moment(now)
    row = _row(uow, workspace_id, registration_id)
    if not RegistrationStatus(row.status).open:
        raise _refuse(row, "upload a document to")
    row.status = RegistrationStatus.UPLOADED.value
    if file_id is not None:
        row.document_file_id = file_id
    row.uploaded_at = moment
    row.updated_at = moment
    uow.session.flush()
    return _of(row)


def approve(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    registration_id: uuid.UUID,
    note: str | None = None,
    now: datetime | None = None,
) -> Registration:
    """The operator accepts the document. Approving an approved registration changes nothing."""
    moment = _moment(now)
    row = _row(uow, workspace_id, registration_id)
    status = RegistrationStatus(row.status)
    if status is RegistrationStatus.APPROVED:
        return _of(row)
    if status is not RegistrationStatus.UPLOADED:
        raise _refuse(row, "approve")
    row.status = RegistrationStatus.APPROVED.value
    row.note = note or None
    row.decided_at = moment
    row.updated_at = moment
    uow.session.flush()
    return _of(row)


def reject(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    registration_id: uuid.UUID,
    reason: str,
    now: datetime | None = None,
) -> Registration:
    """The operator refuses the registration, saying why (the waiting job reports the reason)."""
    moment = _moment(now)
    row = _row(uow, workspace_id, registration_id)
    status = RegistrationStatus(row.status)
    if status is RegistrationStatus.REJECTED:
        return _of(row)
    if not status.open:
        raise _refuse(row, "reject")
    row.status = RegistrationStatus.REJECTED.value
    row.note = reason
    row.decided_at = moment
    row.updated_at = moment
    uow.session.flush()
    return _of(row)


def unregister(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    registration_id: uuid.UUID,
    now: datetime | None = None,
) -> Registration:
    """End the relation from any state; ending an ended one changes nothing."""
    moment = _moment(now)
    row = _row(uow, workspace_id, registration_id)
    if RegistrationStatus(row.status) is RegistrationStatus.UNREGISTERED:
        return _of(row)
    row.status = RegistrationStatus.UNREGISTERED.value
    row.decided_at = moment
    row.updated_at = moment
    uow.session.flush()
    return _of(row)


def get(uow: UnitOfWork, *, workspace_id: uuid.UUID, registration_id: uuid.UUID) -> Registration:
    """One registration of the workspace."""
    row = uow.session.get(RegistrationRow, registration_id)
    if row is None or row.workspace_id != workspace_id:
        raise RegistrationNotFound()
    return _of(row)


def find_for_issuer(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, issuer_nif: str
) -> Registration | None:
    """The issuer's registration in the workspace, if it ever registered."""
    row = uow.session.scalars(
        select(RegistrationRow).where(
            RegistrationRow.workspace_id == workspace_id,
            RegistrationRow.issuer_nif == issuer_nif.strip().upper(),
        )
    ).one_or_none()
    return None if row is None else _of(row)


def list_registrations(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    status: RegistrationStatus | None = None,
    limit: int = 100,
) -> list[Registration]:
    """The workspace's registrations, newest request first, optionally of one status."""
    query = select(RegistrationRow).where(RegistrationRow.workspace_id == workspace_id)
    if status is not None:
        query = query.where(RegistrationRow.status == status.value)
    query = query.order_by(RegistrationRow.requested_at.desc(), RegistrationRow.id).limit(limit)
    return [_of(row) for row in uow.session.scalars(query)]
