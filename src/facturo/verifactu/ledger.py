"""The issuer's chain as stored: append a record at the head, record what AEAT answered.

Why this is the one place records are written (ARCHITECTURE.md "Per-issuer ordering"): the chain
head is read, the new record is built against it and stored, and the head is advanced, all in the
caller's transaction (a workflow step's unit of work). So a record exists exactly when its step's
checkpoint committed, and the head never names a record that was rolled back.

- **No fork.** On PostgreSQL the head row is locked (``FOR UPDATE``) for the rest of the
  transaction; on SQLite every write transaction is exclusive (``BEGIN IMMEDIATE``). The unique
  ``(workspace_id, issuer_nif, position)`` constraint backs both: if two first records of an
  issuer race (there is no head row to lock yet), one insert fails and :class:`ChainBusy` asks
  the caller to try again.
- **Generation order, not success** (spec §7.2): a record AEAT rejects stays in the chain and the
  next record chains to it; a correction is a new record at the end.
- **Idempotent** on ``idempotency_key`` (``job_id:step_id``): a step that runs again after a
  crash gets the record it already made, never a second one.
- **Flags from history** (spec §8): Subsanacion, RechazoPrevio and SinRegistroPrevio come from
  the answers to the earlier records of the same invoice key (:mod:`facturo.verifactu.history`).
  While one of them is unanswered the outcome is unknown, so :class:`PreviousRecordPending` asks
  the caller to wait rather than guess.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from facturo.errors import Conflict, NotFound, Unavailable
from facturo.platform.ids import uuid7
from facturo.platform.uow import UnitOfWork
from facturo.verifactu import xml
from facturo.verifactu.history import Attempt, TipoOperacion
from facturo.verifactu.records import (
    IDFactura,
    Registro,
    RegistroAlta,
    RegistroAnterior,
)
from facturo.verifactu.replies import EstadoRegistro
from facturo.verifactu.tables import ChainHeadRow, RecordRow

__all__ = [
    "AnswerConflict",
    "BuildRecord",
    "ChainBusy",
    "PreviousRecordPending",
    "RecordKind",
    "RecordNotFound",
    "RecordStatus",
    "StoredRecord",
    "append_record",
    "chain",
    "chain_head",
    "find_record",
    "get_record",
    "latest_for_entry",
    "record_answer",
    "records_of_invoice",
    "unanswered",
]


class RecordKind(StrEnum):
    """Which record type a row holds."""

    ALTA = "alta"  # RegistroAlta
    ANULACION = "anulacion"  # RegistroAnulacion


class RecordStatus(StrEnum):
    """What AEAT said of a record; ``pending`` until it answered."""

    PENDING = "pending"  # generated, not answered yet (not sent, or the reply was lost)
    ACCEPTED = "accepted"  # EstadoRegistro Correcto
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"  # AceptadoConErrores: stored, with a 2xxx code
    REJECTED = "rejected"  # Incorrecto: AEAT does not hold it

    @property
    def answered(self) -> bool:
        return self is not RecordStatus.PENDING

    @property
    def estado(self) -> EstadoRegistro:
        if self is RecordStatus.PENDING:
            raise ValueError("a pending record has no AEAT state yet")
        return _ESTADOS[self]


_ESTADOS = {
    RecordStatus.ACCEPTED: EstadoRegistro.CORRECTO,
    RecordStatus.ACCEPTED_WITH_ERRORS: EstadoRegistro.ACEPTADO_CON_ERRORES,
    RecordStatus.REJECTED: EstadoRegistro.INCORRECTO,
}


class ChainBusy(Unavailable):
    """Another record of this issuer was appended at the same moment; try the step again."""


class PreviousRecordPending(Unavailable):
    """An earlier record of this invoice has no AEAT answer yet; try again once it is answered."""


class RecordNotFound(NotFound):
    """There is no VERI*FACTU record with this id in the workspace."""


class AnswerConflict(Conflict):
    """The record already has a different AEAT answer; answers are recorded once."""


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as stored: its place in the chain, its XML and what AEAT answered."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    issuer_nif: str
    position: int
    kind: RecordKind
    num_serie: str
    fecha_expedicion: str
    huella: str
    previous_huella: str | None
    generated_at: str
    idempotency_key: str
    silo_entry_id: uuid.UUID | None
    xml: bytes
    status: RecordStatus
    code: str | None
    message: str | None
    csv: str | None
    created_at: datetime
    answered_at: datetime | None

    @property
    def id_factura(self) -> IDFactura:
        return IDFactura(self.issuer_nif, self.num_serie, _parse_fecha(self.fecha_expedicion))

    @property
    def as_previous(self) -> RegistroAnterior:
        """What the next record of the chain names as its RegistroAnterior."""
        return RegistroAnterior(self.id_factura, self.huella)

    @property
    def attempt(self) -> Attempt:
        """This record as an earlier attempt of its invoice key (for the next record's flags)."""
        code = int(self.code) if self.code and self.code.isdigit() else None
        operacion = TipoOperacion.ALTA if self.kind is RecordKind.ALTA else TipoOperacion.ANULACION
        return Attempt(operacion, self.status.estado, code)


BuildRecord = Callable[[RegistroAnterior | None, Sequence[Attempt]], Registro]
"""Builds the new record from the chain's previous record and the invoice key's history."""


def append_record(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    key: IDFactura,
    idempotency_key: str,
    build: BuildRecord,
    now: datetime,
    silo_entry_id: uuid.UUID | None = None,
) -> StoredRecord:
    """Build a record against the issuer's chain head and store it as the new head.

    Does not commit: the caller's transaction (the step's checkpoint) does. Returns the record
    already stored under ``idempotency_key`` if there is one. Raises :class:`ChainBusy` when a
    concurrent first record won the race, and :class:`PreviousRecordPending` when an earlier
    record of ``key`` is still unanswered.
    """
    existing = find_record(uow, workspace_id=workspace_id, idempotency_key=idempotency_key)
    if existing is not None:
        return existing
    session = uow.session
    nif = key.id_emisor_factura
    head = session.scalars(
        select(ChainHeadRow)
        .where(ChainHeadRow.workspace_id == workspace_id, ChainHeadRow.issuer_nif == nif)
        .with_for_update()
    ).one_or_none()
    history = records_of_invoice(uow, workspace_id=workspace_id, key=key)
    if any(not r.status.answered for r in history):
        raise PreviousRecordPending()
    previous = (
        None
        if head is None
        else RegistroAnterior(
            IDFactura(nif, head.num_serie, _parse_fecha(head.fecha_expedicion)), head.huella
        )
    )
    record = build(previous, [r.attempt for r in history])
    if record.id_factura != key:
        raise ValueError("the built record is for another invoice key than the one given")
    position = 1 if head is None else head.position + 1
    row = RecordRow(
        id=uuid7(),
        workspace_id=workspace_id,
        issuer_nif=nif,
        position=position,
        kind=(RecordKind.ALTA if isinstance(record, RegistroAlta) else RecordKind.ANULACION).value,
        num_serie=key.num_serie_factura,
        fecha_expedicion=key.fecha_text,
        huella=record.huella,
        previous_huella=None if previous is None else previous.huella,
        generated_at=record.fecha_hora_text,
        idempotency_key=idempotency_key,
        silo_entry_id=silo_entry_id,
        xml=xml.to_bytes(xml.record_element(record)),
        status=RecordStatus.PENDING.value,
        created_at=now,
    )
    if head is None:
        head = ChainHeadRow(workspace_id=workspace_id, issuer_nif=nif)
        session.add(head)
    head.position = position
    head.record_id = row.id
    head.num_serie = row.num_serie
    head.fecha_expedicion = row.fecha_expedicion
    head.huella = row.huella
    head.updated_at = now
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise ChainBusy() from exc
    return _stored(row)


def record_answer(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    record_id: uuid.UUID,
    status: RecordStatus,
    now: datetime,
    code: str | None = None,
    message: str | None = None,
    csv: str | None = None,
) -> StoredRecord:
    """Store AEAT's answer for a record. Repeating the same answer is a no-op (idempotent)."""
    if not status.answered:
        raise ValueError("an answer cannot be pending")
    row = _get_row(uow, workspace_id, record_id)
    if row.status != RecordStatus.PENDING.value:
        if (row.status, row.code) == (status.value, code):
            return _stored(row)
        raise AnswerConflict(
            f"record {record_id} was answered {row.status} {row.code or ''}".rstrip()
        )
    row.status = status.value
    row.code = code
    row.message = message
    row.csv = csv
    row.answered_at = now
    uow.session.flush()
    return _stored(row)


def find_record(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, idempotency_key: str
) -> StoredRecord | None:
    row = uow.session.scalars(
        select(RecordRow).where(
            RecordRow.workspace_id == workspace_id,
            RecordRow.idempotency_key == idempotency_key,
        )
    ).one_or_none()
    return None if row is None else _stored(row)


def get_record(uow: UnitOfWork, *, workspace_id: uuid.UUID, record_id: uuid.UUID) -> StoredRecord:
    return _stored(_get_row(uow, workspace_id, record_id))


def chain_head(uow: UnitOfWork, *, workspace_id: uuid.UUID, issuer_nif: str) -> StoredRecord | None:
    """The issuer's last record, or ``None`` before its first."""
    head = uow.session.get(ChainHeadRow, (workspace_id, issuer_nif))
    if head is None:
        return None
    return get_record(uow, workspace_id=workspace_id, record_id=head.record_id)


def latest_for_entry(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, entry_id: uuid.UUID
) -> StoredRecord | None:
    """The newest record made for a Silo entry (its alta, or the anulación that followed)."""
    row = uow.session.scalars(
        select(RecordRow)
        .where(RecordRow.workspace_id == workspace_id, RecordRow.silo_entry_id == entry_id)
        .order_by(RecordRow.created_at.desc(), RecordRow.position.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else _stored(row)


def records_of_invoice(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, key: IDFactura
) -> list[StoredRecord]:
    """Every record of one invoice key (altas, corrections, anulaciones), in chain order."""
    rows = uow.session.scalars(
        select(RecordRow)
        .where(
            RecordRow.workspace_id == workspace_id,
            RecordRow.issuer_nif == key.id_emisor_factura,
            RecordRow.num_serie == key.num_serie_factura,
            RecordRow.fecha_expedicion == key.fecha_text,
        )
        .order_by(RecordRow.position)
    )
    return [_stored(row) for row in rows]


def chain(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    issuer_nif: str,
    after: int = 0,
    limit: int = 1000,
) -> list[StoredRecord]:
    """The issuer's records in chain order, from position ``after + 1``."""
    rows = uow.session.scalars(
        select(RecordRow)
        .where(
            RecordRow.workspace_id == workspace_id,
            RecordRow.issuer_nif == issuer_nif,
            RecordRow.position > after,
        )
        .order_by(RecordRow.position)
        .limit(limit)
    )
    return [_stored(row) for row in rows]


def unanswered(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, issuer_nif: str, limit: int = 1000
) -> list[StoredRecord]:
    """The issuer's records AEAT has not answered yet, in chain order (what a batch sends)."""
    rows = uow.session.scalars(
        select(RecordRow)
        .where(
            RecordRow.workspace_id == workspace_id,
            RecordRow.issuer_nif == issuer_nif,
            RecordRow.status == RecordStatus.PENDING.value,
        )
        .order_by(RecordRow.position)
        .limit(limit)
    )
    return [_stored(row) for row in rows]


def _get_row(uow: UnitOfWork, workspace_id: uuid.UUID, record_id: uuid.UUID) -> RecordRow:
    row = uow.session.get(RecordRow, record_id)
    if row is None or row.workspace_id != workspace_id:
        raise RecordNotFound()
    return row


def _parse_fecha(text: str) -> date:
    day, month, year = (int(part) for part in text.split("-"))
    return date(year, month, day)


def _stored(row: RecordRow) -> StoredRecord:
    return StoredRecord(
        id=row.id,
        workspace_id=row.workspace_id,
        issuer_nif=row.issuer_nif,
        position=row.position,
        kind=RecordKind(row.kind),
        num_serie=row.num_serie,
        fecha_expedicion=row.fecha_expedicion,
        huella=row.huella,
        previous_huella=row.previous_huella,
        generated_at=row.generated_at,
        idempotency_key=row.idempotency_key,
        silo_entry_id=row.silo_entry_id,
        xml=row.xml,
        status=RecordStatus(row.status),
        code=row.code,
        message=row.message,
        csv=row.csv,
        created_at=row.created_at,
        answered_at=row.answered_at,
    )
