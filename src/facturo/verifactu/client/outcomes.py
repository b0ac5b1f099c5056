"""What became of each record sent: the AEAT's verdict, or why there is none yet.

A sender answers one :class:`RecordOutcome` per record, in the order given, whatever happened
to the messages; outcomes are never lost with an exception, because a CSV cannot be fetched
again later [SWEB §6.4.4]. Three statuses are the AEAT's own (``EstadoRegistro`` of a reply
line) and two say the AEAT has not answered for the record yet:

======================  ==========  ==========================================================
Status                  Stored?     What to do
======================  ==========  ==========================================================
Correcto                yes         nothing
AceptadoConErrores      yes         ``code`` 2000-2009: send a subsanación unless 2004/2009
Incorrecto              no          fix the data, send a new record (``code`` + ``description``)
NotSent                 no          send again later, in order, with Incidencia=S
Unknown                 maybe       reconcile (query the AEAT) before sending it again
======================  ==========  ==========================================================

``source`` says where a stored verdict comes from: the reply line, a 3000 duplicate whose
stored huella is this record's (the record was already at the AEAT, so it is not a failure),
or a query after a lost reply [spec §9.5].
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from facturo.verifactu.errors import VerifactuError
from facturo.verifactu.records import IDFactura, Registro
from facturo.verifactu.replies import EstadoConsulta, EstadoEnvio


class Status(StrEnum):
    """The state of one record after a send (see the module table)."""

    CORRECTO = "Correcto"  # stored
    ACEPTADO_CON_ERRORES = "AceptadoConErrores"  # stored with an admissible error
    INCORRECTO = "Incorrecto"  # rejected, not stored
    NOT_SENT = "NotSent"  # never reached the AEAT
    UNKNOWN = "Unknown"  # may have reached it: reconcile first

    @property
    def stored(self) -> bool | None:
        """Whether the AEAT holds the record; ``None`` when nobody knows yet."""
        if self is Status.UNKNOWN:
            return None
        return self in (Status.CORRECTO, Status.ACEPTADO_CON_ERRORES)


class Source(StrEnum):
    """Where the verdict of a record comes from."""

    REPLY = "reply"  # the RespuestaLinea of this record's submission
    DUPLICATE = "duplicate"  # a 3000 answer; the query shows this very record stored
    QUERY = "query"  # the reply was lost; the query shows this very record stored
    NONE = "none"  # no verdict (NotSent, Unknown)


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """The outcome of one record (see the module docstring).

    ``csv`` is the secure verification code of the submission that stored the record, when its
    reply came back. ``aeat_state`` is the state the query service reported (a reconciled
    record). ``error`` is the failure behind NotSent and Unknown (or a message the XSD
    refused before sending, a bug: then the batch is Incorrecto 4102 and the rest NotSent).
    """

    record: Registro
    status: Status
    source: Source = Source.REPLY
    code: int | None = None
    description: str | None = None
    csv: str | None = None
    aeat_state: EstadoConsulta | None = None
    error: VerifactuError | None = None

    @property
    def key(self) -> IDFactura:
        """The record's invoice key."""
        return self.record.id_factura


@dataclass(frozen=True, slots=True)
class Submission:
    """One message that got a reply: its CSV, state and the wait the AEAT asked for."""

    records: int
    estado_envio: EstadoEnvio
    tiempo_espera_envio: int
    csv: str | None
    incidencia: bool = False


@dataclass(frozen=True, slots=True)
class SendReport:
    """Everything a send learnt: one outcome per record in input order, and the replies."""

    outcomes: tuple[RecordOutcome, ...]
    submissions: tuple[Submission, ...]

    @property
    def pending(self) -> tuple[RecordOutcome, ...]:
        """Outcomes still open: NotSent (send later) and Unknown (reconcile first)."""
        return tuple(o for o in self.outcomes if o.status in (Status.NOT_SENT, Status.UNKNOWN))


__all__ = ["RecordOutcome", "SendReport", "Source", "Status", "Submission"]
