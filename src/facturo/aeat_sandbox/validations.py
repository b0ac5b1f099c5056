"""The per-record checks of the AEAT, one function per rule family, each with its codes.

Order follows [spec §14.4-5]: blocking rules first (the record comes back Incorrecto with the
**first** one found), then the admissible ones (the record is stored as AceptadoConErrores with
the first one found; a reply line has room for one code). Codes and texts come from the
official table (``errores.csv`` through :mod:`facturo.verifactu.codes`).

Every function is pure: the AEAT clock, the stored record of the key and the issuer's chain
head are passed in by :mod:`facturo.aeat_sandbox.service`.

Assumptions where the AEAT documents no behaviour (marked in each docstring):

- A RegistroAnterior that is not the issuer's last stored record is rejected with 1180 ("Error
  en el bloque de Encadenamiento") when the store is strict. The real AEAT does not check
  chain continuity; the platform promises never to chain to a record the AEAT lacks, so the
  sandbox holds it to that.
- An anulación with SinRegistroPrevio=S of a key that exists answers 3000 [spec §8 ‡].
- Resending an anulación already stored (same huella) answers 3000, as a resent alta does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

from facturo.aeat_sandbox.store import ChainLink, StoredRecord
from facturo.verifactu import codes, nif
from facturo.verifactu.records import (
    IDType,
    Registro,
    RegistroAlta,
    TipoFactura,
    TipoRectificativa,
)
from facturo.verifactu.requests import RegistroRecibido

#: Cuota and totals are checked within ±10.00 EUR [VAL 15-17].
TOLERANCE: Final = Decimal("10.00")
#: No issue date before the Orden came into force (1152).
EARLIEST_ISSUE_DATE: Final = date(2024, 10, 28)
#: ClaveRegimen values for which totals are not checked (2005/2006) [VAL 16-17].
_TOTALS_EXEMPT_REGIMES: Final = frozenset({"03", "05", "06", "08", "09"})
_DUPLICATE_STATE: Final = {
    "Correcto": "Correcta",
    "AceptadoConErrores": "AceptadaConErrores",
    "Anulado": "Anulada",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """A broken rule: its AEAT code and the text the reply line carries."""

    code: int
    description: str
    duplicate_of: StoredRecord | None = None

    @property
    def blocking(self) -> bool:
        """Whether the record is rejected (anything but the admissible 2xxx codes)."""
        entry = codes.lookup(self.code)
        return entry is None or not entry.stored


def finding(code: int, detail: str | None = None) -> Finding:
    """The official text of ``code``, with ``detail`` appended when given."""
    text = codes.message(code)
    return Finding(code, f"{text} {detail}" if detail else text)


@dataclass(frozen=True, slots=True)
class Context:
    """What the checks of one record need from outside the record."""

    obligado_nif: str
    now: datetime  # the AEAT clock, timezone-aware
    incidencia: bool
    existing: StoredRecord | None
    head: ChainLink | None
    strict_chain: bool = False
    clock_margin: timedelta = timedelta(seconds=240)
    #: Registered NIFs recipients must be among, or ``None`` to check only their form.
    recipient_census: frozenset[str] | None = None


Check = Callable[[RegistroRecibido, Registro, Context], Finding | None]


def check_issuer(received: RegistroRecibido, record: Registro, ctx: Context) -> Finding | None:
    """1108: every record belongs to the taxpayer of the header [VAL 3.1.3.1]."""
    if record.id_factura.id_emisor_factura != ctx.obligado_nif:
        return finding(1108)
    return None


def check_dates(received: RegistroRecibido, record: Registro, ctx: Context) -> Finding | None:
    """1112 issue date after today; 1152 before 28-10-2024; 1133 older than twenty years."""
    if not isinstance(record, RegistroAlta):
        return None
    issued = record.id_factura.fecha_expedicion_factura
    today = ctx.now.date()
    if issued > today:
        return finding(1112)
    if issued < EARLIEST_ISSUE_DATE:
        return finding(1152)
    if issued < today.replace(year=today.year - 20):
        return finding(1133)
    return None


def check_identities(received: RegistroRecibido, record: Registro, ctx: Context) -> Finding | None:
    """1193 a recipient NIF that is not identified; 1176 a bad SistemaInformatico NIF.

    "Identified" is the control character, plus the census when the store checks recipients
    against it (off by default, so tests need not register every customer) [VAL 3.1.3.13].
    """
    if isinstance(record, RegistroAlta):
        for dest in record.destinatarios:
            if dest.nif is None:
                continue
            unknown = ctx.recipient_census is not None and dest.nif not in ctx.recipient_census
            if unknown or not nif.is_valid(dest.nif):
                return finding(1193, f"NIF:{dest.nif}.")
    producer = record.sistema_informatico.nif
    if producer is not None and not nif.is_valid(producer):
        return finding(1176, f"NIF:{producer}.")
    return None


def check_cuotas(received: RegistroRecibido, record: Registro, ctx: Context) -> Finding | None:
    """1142: CuotaRepercutida within base × TipoImpositivo / 100 ± 10.00 EUR [VAL 15.7].

    Not applied to correctives by differences (TipoRectificativa=I) nor to R2/R3.
    """
    if not isinstance(record, RegistroAlta):
        return None
    if record.tipo_rectificativa is TipoRectificativa.DIFERENCIAS or record.tipo_factura in (
        TipoFactura.R2,
        TipoFactura.R3,
    ):
        return None
    for line in record.desglose:
        if line.calificacion_operacion != "S1":
            continue
        if line.tipo_impositivo is None or line.cuota_repercutida is None:
            continue
        expected = line.base_imponible_o_importe_no_sujeto * line.tipo_impositivo / 100
        if abs(expected - line.cuota_repercutida) > TOLERANCE:
            return finding(1142, f"Esperada {expected.quantize(Decimal('0.01'))}.")
    return None


def check_state(received: RegistroRecibido, record: Registro, ctx: Context) -> Finding | None:
    """3000 duplicate / 3002 unknown key, by the matrix of [VAL annex 6; spec §8].

    A key that exists is a duplicate (3000, with the stored record) unless the alta is a
    subsanación (Subsanacion=S and RechazoPrevio not X) or an anulación of it; a subsanación
    or anulación of an unknown key is 3002, unless it declares there is no previous record
    (RechazoPrevio=X for an alta, SinRegistroPrevio=S for an anulación).
    """
    existing = ctx.existing
    if isinstance(record, RegistroAlta):
        creates = not record.subsanacion or record.rechazo_previo == "X"
        if existing is None:
            return None if creates else finding(3002)
        return _duplicate(existing) if creates else None
    if existing is None:
        return None if record.sin_registro_previo else finding(3002)
    if record.sin_registro_previo or existing.huella == received.huella:
        return _duplicate(existing)
    return None


def _duplicate(existing: StoredRecord) -> Finding:
    return Finding(3000, codes.message(3000), duplicate_of=existing)


def duplicate_state(existing: StoredRecord) -> str:
    """The stored state in the feminine forms of RegistroDuplicado [spec §9.3]."""
    return _DUPLICATE_STATE[existing.estado]


def check_chain_link(received: RegistroRecibido, record: Registro, ctx: Context) -> Finding | None:
    """1180: RegistroAnterior must name the issuer's last stored record (assumption, strict).

    With no record stored yet, a record that chains to something is rejected too: the sandbox
    cannot have lost the record it names.
    """
    anterior = record.registro_anterior
    if not ctx.strict_chain or anterior is None:
        return None
    head = ctx.head
    if head is None:
        return finding(1180, "No existe ningún registro anterior para este obligado.")
    named = (
        anterior.id_factura.id_emisor_factura,
        anterior.id_factura.num_serie_factura,
        anterior.id_factura.fecha_text,
        anterior.huella,
    )
    if named != (head.nif, head.num_serie, head.fecha, head.huella):
        return finding(
            1180,
            f"El último registro es {head.num_serie} ({head.fecha}) con huella {head.huella}.",
        )
    return None


def check_huella(received: RegistroRecibido, record: Registro, ctx: Context) -> Finding | None:
    """2000: the huella recomputed by the AEAT differs from the one sent [HASH §3; VAL 18].

    Amounts compare numerically (``123.1`` = ``123.10``), so a huella of the sent literals
    and one of the two-decimal forms are both right.
    """
    if received.huella_matches or received.huella == record.huella:
        return None
    return finding(2000)


def check_huella_anterior(
    received: RegistroRecibido, record: Registro, ctx: Context
) -> Finding | None:
    """2008: the previous huella equals the record's own."""
    anterior = record.registro_anterior
    if anterior is not None and anterior.huella == received.huella:
        return finding(2008)
    return None


def check_primer_registro(
    received: RegistroRecibido, record: Registro, ctx: Context
) -> Finding | None:
    """2007: PrimerRegistro=S although records of this issuer are already stored."""
    if record.registro_anterior is None and ctx.head is not None:
        return finding(2007)
    return None


def _totals_apply(record: RegistroAlta) -> bool:
    return not any(line.clave_regimen in _TOTALS_EXEMPT_REGIMES for line in record.desglose)


def check_importe_total(
    received: RegistroRecibido, record: Registro, ctx: Context
) -> Finding | None:
    """2005: ImporteTotal vs Σ(base + cuota + recargo) ± 10.00 EUR [VAL 17]."""
    if not isinstance(record, RegistroAlta) or not _totals_apply(record):
        return None
    total = sum(
        (line.base_imponible_o_importe_no_sujeto + line.cuota_total for line in record.desglose),
        Decimal(0),
    )
    if abs(total - record.importe_total) > TOLERANCE:
        return finding(2005)
    return None


def check_cuota_total(received: RegistroRecibido, record: Registro, ctx: Context) -> Finding | None:
    """2006: CuotaTotal vs Σ(cuota + recargo) ± 10.00 EUR [VAL 16]."""
    if not isinstance(record, RegistroAlta) or not _totals_apply(record):
        return None
    total = sum((line.cuota_total for line in record.desglose), Decimal(0))
    if abs(total - record.cuota_total) > TOLERANCE:
        return finding(2006)
    return None


def check_no_censado(received: RegistroRecibido, record: Registro, ctx: Context) -> Finding | None:
    """2001: a recipient sent as IDOtro with IDType 07 (valid NIF, not in the census)."""
    if not isinstance(record, RegistroAlta):
        return None
    for dest in record.destinatarios:
        if dest.id_otro is not None and dest.id_otro.id_type is IDType.NO_CENSADO:
            return finding(2001)
    return None


def check_clock(received: RegistroRecibido, record: Registro, ctx: Context) -> Finding | None:
    """2004: FechaHoraHusoGenRegistro ahead of the AEAT clock beyond the margin.

    Not raised when the header says Incidencia=S (observed) [spec §9.5].
    """
    if ctx.incidencia:
        return None
    if record.fecha_hora_huso_gen_registro > ctx.now + ctx.clock_margin:
        return finding(2004, f"{int(ctx.clock_margin.total_seconds())} segundos.")
    return None


#: Rejections, in the order they are tried.
BLOCKING: Final[tuple[Check, ...]] = (
    check_issuer,
    check_identities,
    check_dates,
    check_cuotas,
    check_state,
    check_chain_link,
)
#: Admissible errors, in the order of [spec §14.5].
ADMISSIBLE: Final[tuple[Check, ...]] = (
    check_huella,
    check_huella_anterior,
    check_primer_registro,
    check_importe_total,
    check_cuota_total,
    check_no_censado,
    check_clock,
)


def parse_finding(received: RegistroRecibido) -> Finding | None:
    """The first rule a record breaks on its own (1100 when the fault has no AEAT code)."""
    if received.record is not None:
        return None
    fault = received.faults[0] if received.faults else None
    code = int(fault.code) if fault is not None and fault.code.isdigit() else 1100
    return finding(code, fault.message if fault is not None else None)


def judge(received: RegistroRecibido, ctx: Context) -> Finding | None:
    """The first finding for a record: a rejection, else an admissible error, else ``None``.

    A record that could not be read (``received.record is None``) is always rejected, whatever
    its code, since there is nothing to store.
    """
    parsed = parse_finding(received)
    record = received.record
    if parsed is not None or record is None:
        return parsed or finding(1100)
    for check in (*BLOCKING, *ADMISSIBLE):
        result = check(received, record, ctx)
        if result is not None:
            return result
    return None


__all__ = [
    "ADMISSIBLE",
    "BLOCKING",
    "EARLIEST_ISSUE_DATE",
    "TOLERANCE",
    "Context",
    "Finding",
    "check_chain_link",
    "check_clock",
    "check_cuota_total",
    "check_cuotas",
    "check_dates",
    "check_huella",
    "check_huella_anterior",
    "check_identities",
    "check_importe_total",
    "check_issuer",
    "check_no_censado",
    "check_primer_registro",
    "check_state",
    "duplicate_state",
    "finding",
    "judge",
    "parse_finding",
]
