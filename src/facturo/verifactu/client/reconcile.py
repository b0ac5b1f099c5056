"""Does the AEAT hold this record? Query, page through, and match by key and huella.

After a lost reply, or a 3000 duplicate, the only safe next step is to ask the AEAT what it
stored (ConsultaFactuSistemaFacturacion [SWEB §6.4; spec §10]) before sending anything again:
a record it holds must not go twice, a record it lacks must not be lost. A worker that resumes
after a crash asks the same question (:func:`reconcile`).

The query filters by taxpayer and **imputation period** (the month of FechaOperacion when the
record has one, else of the issue date), plus the issue dates or the invoice number to keep
pages short. The AEAT returns at most 10,000 records a page; when ``IndicadorPaginacion=S``,
the same query goes again with ``ClavePaginacion`` set to the last key returned [SWEB §6.4.3].

A stored record is **this** record only when the key and the huella both match: the huella
covers the key, amounts, timestamp and chain link, so a different record of the same key (an
earlier alta that a subsanación replaces, somebody else's record) never passes for ours. An
anulación is matched the same way; the AEAT has no other handle on which record it stored.
An anulación's period is its issue date's month: if the cancelled alta had a FechaOperacion in
another month, pass ``periods`` explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Final, Protocol

from facturo.verifactu.client.errors import BrokenReply
from facturo.verifactu.messages import ConsultaFactu, Persona
from facturo.verifactu.records import IDFactura, Registro, RegistroAlta
from facturo.verifactu.replies import RegistroConsultado, RespuestaConsulta

#: Guard against a server that keeps saying "more" (10,000 pages is 100 million records).
MAX_PAGES: Final = 10_000

Period = tuple[int, int]


class Querier(Protocol):
    """Anything that answers one query page (an :class:`AeatTransport`)."""

    def query(self, consulta: ConsultaFactu) -> RespuestaConsulta: ...


class Presence(StrEnum):
    """What the AEAT holds for a record's key."""

    SAME = "same"  # this very record (key and huella match), or a later one of this message
    OTHER = "other"  # another record of the key (different huella): this one did not arrive
    ABSENT = "absent"  # nothing for the key


@dataclass(frozen=True, slots=True)
class Finding:
    """A record and what the query found for its key."""

    record: Registro
    presence: Presence
    stored: RegistroConsultado | None = None

    @property
    def arrived(self) -> bool:
        """Whether the AEAT holds this record, so it must not be sent again."""
        return self.presence is Presence.SAME


def imputation_period(record: Registro) -> Period:
    """(year, month) under which the AEAT files a record [spec §10]."""
    when: date = record.id_factura.fecha_expedicion_factura
    if isinstance(record, RegistroAlta) and record.fecha_operacion is not None:
        when = record.fecha_operacion
    return when.year, when.month


def pages(querier: Querier, consulta: ConsultaFactu) -> Iterator[RespuestaConsulta]:
    """Every page of a query, following ``ClavePaginacion`` until the AEAT says no more.

    A page that says "more" without a key, or with the key of the page before, would loop
    forever: that reply is a :class:`BrokenReply`.
    """
    seen: set[IDFactura] = set()
    current = consulta
    for _ in range(MAX_PAGES):
        page = querier.query(current)
        yield page
        if not page.indicador_paginacion:
            return
        key = page.clave_paginacion
        if key is None or key in seen:
            raise BrokenReply("query page says there is more but gives no new ClavePaginacion")
        seen.add(key)
        current = replace(consulta, clave_paginacion=key)
    raise BrokenReply(f"query still paginating after {MAX_PAGES} pages")


def _consulta(obligado: Persona, records: Sequence[Registro], period: Period) -> ConsultaFactu:
    year, month = period
    keys = {r.id_factura for r in records}
    dates = sorted({k.fecha_expedicion_factura for k in keys})
    if len(keys) == 1:
        (key,) = keys
        return ConsultaFactu(
            ejercicio=year,
            periodo=month,
            obligado_emision=obligado,
            num_serie_factura=key.num_serie_factura,
            fecha_expedicion=key.fecha_expedicion_factura,
        )
    return ConsultaFactu(
        ejercicio=year,
        periodo=month,
        obligado_emision=obligado,
        fecha_desde=dates[0],
        fecha_hasta=dates[-1],
    )


def find_stored(
    querier: Querier,
    obligado: Persona,
    records: Sequence[Registro],
    *,
    periods: Iterable[Period] | None = None,
) -> dict[IDFactura, RegistroConsultado]:
    """What the AEAT stores for the keys of ``records``, by key (missing keys are absent).

    One query per imputation period (or per period of ``periods``), each paged to the end
    or until every key wanted has been seen.
    """
    wanted = {r.id_factura for r in records}
    groups: dict[Period, list[Registro]] = {}
    if periods is None:
        for record in records:
            groups.setdefault(imputation_period(record), []).append(record)
    else:
        groups = {period: list(records) for period in periods}
    found: dict[IDFactura, RegistroConsultado] = {}
    for period, members in sorted(groups.items()):
        for page in pages(querier, _consulta(obligado, members, period)):
            for stored in page.registros:
                if stored.id_factura in wanted:
                    found[stored.id_factura] = stored
            if wanted <= found.keys():
                return found
    return found


def match(
    records: Sequence[Registro], stored: Mapping[IDFactura, RegistroConsultado]
) -> list[Finding]:
    """Pair each record of **one message** with what the AEAT stores for its key.

    The query shows only the latest record of a key. When one message held two records of the
    same key (an alta and its anulación), finding the later one proves the AEAT processed the
    message, so the earlier one counts as arrived too: the AEAT already answered it, and
    sending it again could only store it twice.
    """
    findings: list[Finding] = []
    later_arrived: set[IDFactura] = set()
    for record in reversed(records):
        key = record.id_factura
        entry = stored.get(key)
        if entry is None:
            findings.append(Finding(record, Presence.ABSENT))
        elif entry.huella == record.huella or key in later_arrived:
            findings.append(Finding(record, Presence.SAME, entry))
            later_arrived.add(key)
        else:
            findings.append(Finding(record, Presence.OTHER, entry))
    findings.reverse()
    return findings


def reconcile(
    querier: Querier,
    obligado: Persona,
    records: Sequence[Registro],
    *,
    periods: Iterable[Period] | None = None,
) -> list[Finding]:
    """Ask the AEAT which of ``records`` (one message's) it holds; one finding per record.

    Transport errors propagate: a query stores nothing, so the caller may simply ask again.
    """
    return match(records, find_stored(querier, obligado, records, periods=periods))


__all__ = [
    "MAX_PAGES",
    "Finding",
    "Period",
    "Presence",
    "Querier",
    "find_stored",
    "imputation_period",
    "match",
    "pages",
    "reconcile",
]
