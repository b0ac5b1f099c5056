"""Send one taxpayer's records: batches, flow control, verdicts, reconciliation after a lost reply.

:class:`BatchSender` is the loop the VERI*FACTU rules ask for [ORDEN art. 16; spec §9.5]:

1. cut the records, in generation order, into messages of at most 1,000;
2. wait for the taxpayer's turn (:class:`~facturo.verifactu.client.flow.Pacer`);
3. send; read one verdict per record from the reply;
4. a 3000 (duplicate) line is checked with a query: when the stored huella is this record's,
   the record was already at the AEAT (a resend after a lost reply) and counts as stored;
5. when the outcome is unknown (read timeout, dropped connection, broken reply, 5xx), query
   the AEAT for the message's records; those it holds get their stored state, the others go
   back to the front of the queue and are sent again, marked ``Incidencia=S``;
6. a message refused with "resend later" and a ``Retry-After`` (an early send) waits that
   long and goes again.

So no record goes twice to an AEAT that holds it, and none is dropped: a record always ends
with a verdict, or as NotSent (send later) or Unknown (the queries failed too; reconcile
before sending it again). When a message cannot be sent, the records after it are NotSent
too, so they still go in order.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

from facturo.errors import Fault
from facturo.verifactu.client.errors import (
    MessageRefused,
    NotSent,
    OutcomeUnknown,
    TransportError,
)
from facturo.verifactu.client.flow import Pacer
from facturo.verifactu.client.outcomes import RecordOutcome, SendReport, Source, Status, Submission
from facturo.verifactu.client.reconcile import Finding, reconcile
from facturo.verifactu.client.transport import AeatTransport
from facturo.verifactu.errors import RecordInvalid, SchemaInvalid, VerifactuError
from facturo.verifactu.history import DUPLICATE_CODE
from facturo.verifactu.messages import MAX_RECORDS_PER_MESSAGE, Cabecera
from facturo.verifactu.records import Registro
from facturo.verifactu.replies import (
    EstadoConsulta,
    EstadoRegistro,
    RegistroConsultado,
    RespuestaRegFactu,
)

log = logging.getLogger(__name__)

_STORED_STATUS = {
    EstadoConsulta.CORRECTO: Status.CORRECTO,
    EstadoConsulta.ACEPTADO_CON_ERRORES: Status.ACEPTADO_CON_ERRORES,
    EstadoConsulta.ANULADO: Status.CORRECTO,  # stored; the key has been cancelled since
}
_LINE_STATUS = {
    EstadoRegistro.CORRECTO: Status.CORRECTO,
    EstadoRegistro.ACEPTADO_CON_ERRORES: Status.ACEPTADO_CON_ERRORES,
    EstadoRegistro.INCORRECTO: Status.INCORRECTO,
}


@dataclass(slots=True)
class _Pending:
    index: int
    record: Registro
    sends: int = 0


class BatchSender:
    """Sends records of one taxpayer through ``transport``, paced by ``pacer``.

    ``max_sends`` bounds how often one record is sent when replies keep getting lost and the
    AEAT keeps not holding it; after that it is NotSent. ``query_attempts`` bounds the
    queries of one reconciliation (a query stores nothing, so it is simply asked again).
    ``mark_incidents`` sets ``Incidencia=S`` on messages resent after a failure [ORDEN art.
    16.4; spec §9.5].
    """

    def __init__(
        self,
        transport: AeatTransport,
        pacer: Pacer | None = None,
        *,
        batch_size: int = MAX_RECORDS_PER_MESSAGE,
        max_sends: int = 3,
        query_attempts: int = 3,
        mark_incidents: bool = True,
    ) -> None:
        if not 1 <= batch_size <= MAX_RECORDS_PER_MESSAGE:
            raise ValueError(f"batch_size must be 1..{MAX_RECORDS_PER_MESSAGE}")
        self.transport = transport
        self.pacer = pacer or Pacer()
        self.batch_size = batch_size
        self.max_sends = max_sends
        self.query_attempts = query_attempts
        self.mark_incidents = mark_incidents

    def send(self, cabecera: Cabecera, records: Sequence[Registro]) -> SendReport:
        """Send ``records`` (one taxpayer's, in generation order); one outcome per record.

        Raises :class:`RecordInvalid` (1108), before sending anything, when a record belongs
        to a taxpayer other than ``cabecera``'s.
        """
        nif = cabecera.obligado_emision.nif
        strangers = [
            Fault("1108", "IDEmisorFactura differs from ObligadoEmision/NIF", (f"$[{i}]",))
            for i, r in enumerate(records)
            if r.id_factura.id_emisor_factura != nif
        ]
        if strangers:
            raise RecordInvalid("records of another taxpayer", faults=strangers)
        run = _Run(self, cabecera, records)
        run.go()
        return run.report()


class _Run:
    """The state of one :meth:`BatchSender.send` call."""

    def __init__(self, sender: BatchSender, cabecera: Cabecera, records: Sequence[Registro]):
        self.sender = sender
        self.cabecera = cabecera
        self.nif = cabecera.obligado_emision.nif
        self.queue = deque(_Pending(i, r) for i, r in enumerate(records))
        self.outcomes: list[RecordOutcome | None] = [None] * len(records)
        self.submissions: list[Submission] = []
        self.incident = False

    def report(self) -> SendReport:
        done = tuple(o for o in self.outcomes if o is not None)
        assert len(done) == len(self.outcomes), "every record ends with an outcome"
        return SendReport(outcomes=done, submissions=tuple(self.submissions))

    def _set(self, item: _Pending, outcome: RecordOutcome) -> None:
        self.outcomes[item.index] = outcome

    def _give_up(self, error: VerifactuError) -> None:
        """Everything still queued was never sent: NotSent, in order."""
        while self.queue:
            item = self.queue.popleft()
            self._set(item, RecordOutcome(item.record, Status.NOT_SENT, Source.NONE, error=error))

    def go(self) -> None:
        sender = self.sender
        while self.queue:
            batch = [self.queue.popleft() for _ in range(min(sender.batch_size, len(self.queue)))]
            header = self.cabecera
            if self.incident and sender.mark_incidents:
                header = replace(header, incidencia=True)
            records = [item.record for item in batch]
            for item in batch:
                item.sends += 1
            with sender.pacer.turn(self.nif, pending=len(batch) + len(self.queue)) as turn:
                try:
                    reply = sender.transport.submit(header, records)
                except SchemaInvalid as exc:
                    # Our own XML broke the XSD: nothing left. Keep what earlier replies said.
                    self._rejected(batch, 4102, exc.detail)
                    self._give_up(exc)
                    return
                except MessageRefused as exc:
                    turn.sent_without_reply()
                    if self._early(batch, exc):
                        turn.hold(exc.retry_after or 0.0)
                        continue
                    self._refused(batch, exc)
                    return
                except NotSent as exc:
                    self.queue.extendleft(reversed(batch))
                    self._give_up(exc)
                    return
                except OutcomeUnknown as exc:
                    turn.sent_without_reply()
                    log.warning(
                        "verifactu.client.outcome_unknown",
                        extra={"nif": self.nif, "records": len(batch), "error": exc.detail},
                    )
                    if not self._recover(batch, exc):
                        return
                    continue
                turn.replied(reply.tiempo_espera_envio)
            self._answered(batch, reply, header)

    def _early(self, batch: list[_Pending], exc: MessageRefused) -> bool:
        """Requeue a message refused with "resend later" and a Retry-After, within budget.

        That is how an early send comes back (the sandbox's choice; the AEAT documents none):
        the pacer's memory is per process, so a process that starts again may send before the
        wait of the previous one's last message has run out.
        """
        if not exc.retry_same or exc.retry_after is None:
            return False
        if any(item.sends >= self.sender.max_sends for item in batch):
            return False
        self.queue.extendleft(reversed(batch))
        return True

    def _refused(self, batch: list[_Pending], exc: MessageRefused) -> None:
        """A SOAP Fault: nothing of the message stored."""
        if exc.retry_same:
            self.queue.extendleft(reversed(batch))
            self._give_up(exc)
            return
        self._rejected(batch, exc.fault.code, exc.fault.faultstring)
        self._give_up(exc)

    def _rejected(self, batch: list[_Pending], code: int | None, description: str) -> None:
        for item in batch:
            self._set(
                item,
                RecordOutcome(
                    item.record, Status.INCORRECTO, Source.REPLY, code=code, description=description
                ),
            )

    def _answered(self, batch: list[_Pending], reply: RespuestaRegFactu, header: Cabecera) -> None:
        self.submissions.append(
            Submission(
                records=len(batch),
                estado_envio=reply.estado_envio,
                tiempo_espera_envio=reply.tiempo_espera_envio,
                csv=reply.csv,
                incidencia=bool(header.incidencia),
            )
        )
        duplicates: list[_Pending] = []
        for item, line in zip(batch, reply.lineas, strict=True):
            if line.estado is EstadoRegistro.INCORRECTO and line.codigo_error == DUPLICATE_CODE:
                duplicates.append(item)
                continue
            status = _LINE_STATUS[line.estado]
            self._set(
                item,
                RecordOutcome(
                    item.record,
                    status,
                    Source.REPLY,
                    code=line.codigo_error,
                    description=line.descripcion_error,
                    csv=reply.csv if status.stored else None,
                ),
            )
        if duplicates:
            self._duplicates(duplicates, reply)

    def _duplicates(self, items: list[_Pending], reply: RespuestaRegFactu) -> None:
        """3000: the key is taken. Stored only if the AEAT holds this very record."""
        line_of = {line.id_factura: line for line in reply.lineas}
        try:
            findings = self._query([item.record for item in items])
        except TransportError as exc:
            for item in items:
                line = line_of[item.record.id_factura]
                self._set(
                    item,
                    RecordOutcome(
                        item.record,
                        Status.UNKNOWN,
                        Source.NONE,
                        code=DUPLICATE_CODE,
                        description=line.descripcion_error,
                        error=exc,
                    ),
                )
            return
        for item, finding in zip(items, findings, strict=True):
            if finding.arrived and finding.stored is not None:
                self._set(item, _stored(item.record, finding.stored, Source.DUPLICATE))
            else:
                line = line_of[item.record.id_factura]
                self._set(
                    item,
                    RecordOutcome(
                        item.record,
                        Status.INCORRECTO,
                        Source.REPLY,
                        code=DUPLICATE_CODE,
                        description=line.descripcion_error,
                    ),
                )

    def _recover(self, batch: list[_Pending], error: OutcomeUnknown) -> bool:
        """Reconcile a message whose outcome is unknown; requeue what the AEAT lacks.

        Returns False when the run must stop (the queries failed: the message stays Unknown
        and everything after it NotSent, so nothing overtakes it).
        """
        try:
            findings = self._query([item.record for item in batch])
        except TransportError:
            for item in batch:
                self._set(
                    item, RecordOutcome(item.record, Status.UNKNOWN, Source.NONE, error=error)
                )
            self._give_up(error)
            return False
        missing: list[_Pending] = []
        for item, finding in zip(batch, findings, strict=True):
            if finding.arrived and finding.stored is not None:
                self._set(item, _stored(item.record, finding.stored, Source.QUERY))
            else:
                missing.append(item)
        if any(item.sends >= self.sender.max_sends for item in missing):
            # The AEAT lacks them after every try: they are not stored, send them later.
            self.queue.extendleft(reversed(missing))
            self._give_up(error)
            return False
        self.queue.extendleft(reversed(missing))
        self.incident = self.incident or bool(missing)
        return True

    def _query(self, records: list[Registro]) -> list[Finding]:
        persona = self.cabecera.obligado_emision
        last: TransportError | None = None
        for _ in range(self.sender.query_attempts):
            try:
                return reconcile(self.sender.transport, persona, records)
            except TransportError as exc:
                last = exc
        assert last is not None
        raise last


def _stored(record: Registro, stored: RegistroConsultado, source: Source) -> RecordOutcome:
    return RecordOutcome(
        record,
        _STORED_STATUS[stored.estado],
        source,
        code=stored.codigo_error,
        description=stored.descripcion_error,
        aeat_state=stored.estado,
    )


__all__ = ["BatchSender"]
