"""Matching stored records to ours, and paging through query replies (no network)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import MappingProxyType
from typing import Any

import pytest

from facturo.verifactu import records as r
from facturo.verifactu.client.errors import BrokenReply
from facturo.verifactu.client.reconcile import (
    Presence,
    find_stored,
    imputation_period,
    match,
    pages,
)
from facturo.verifactu.messages import ConsultaFactu, Persona
from facturo.verifactu.replies import EstadoConsulta, RegistroConsultado, RespuestaConsulta

OBLIGADO = Persona("EMPRESA EMISORA DE PRUEBAS SL", "B87654323")


def stored(record: r.Registro, *, huella: str | None = None, estado: str = "Correcto") -> Any:
    return RegistroConsultado(
        id_factura=record.id_factura,
        estado=EstadoConsulta(estado),
        timestamp_ultima_modificacion=None,
        datos=MappingProxyType({"Huella": huella or record.huella}),
    )


def test_same_key_and_huella_is_this_record(chain_of: Callable[..., list[r.RegistroAlta]]) -> None:
    (alta,) = chain_of(1)
    (finding,) = match([alta], {alta.id_factura: stored(alta)})
    assert finding.presence is Presence.SAME
    assert finding.arrived


def test_same_key_other_huella_is_another_record(
    chain_of: Callable[..., list[r.RegistroAlta]],
) -> None:
    (alta,) = chain_of(1)
    (finding,) = match([alta], {alta.id_factura: stored(alta, huella="A" * 64)})
    assert finding.presence is Presence.OTHER
    assert not finding.arrived


def test_a_key_the_aeat_lacks_is_absent(chain_of: Callable[..., list[r.RegistroAlta]]) -> None:
    first, second = chain_of(2)
    findings = match([first, second], {first.id_factura: stored(first)})
    assert [f.presence for f in findings] == [Presence.SAME, Presence.ABSENT]


def test_a_later_record_of_the_key_in_the_message_proves_the_earlier(
    chain_of: Callable[..., list[r.RegistroAlta]], sif: r.SistemaInformatico
) -> None:
    (alta,) = chain_of(1)
    anulacion = r.RegistroAnulacion(
        id_factura=alta.id_factura,
        sistema_informatico=sif,
        fecha_hora_huso_gen_registro=alta.fecha_hora_huso_gen_registro,
        registro_anterior=alta.as_anterior(),
    )
    # The query shows only the key's latest record: the anulación.
    findings = match([alta, anulacion], {alta.id_factura: stored(anulacion, estado="Anulado")})
    assert [f.presence for f in findings] == [Presence.SAME, Presence.SAME]


@pytest.mark.parametrize(
    ("issued", "operated", "period"),
    [
        (date(2025, 3, 10), None, (2025, 3)),
        (date(2025, 3, 10), date(2025, 2, 27), (2025, 2)),
        (date(2025, 1, 2), date(2024, 12, 31), (2024, 12)),
    ],
)
def test_imputation_period_is_the_operation_month_else_the_issue_month(
    make_alta: Callable[..., r.RegistroAlta],
    issued: date,
    operated: date | None,
    period: tuple[int, int],
) -> None:
    alta = make_alta(id_factura=r.IDFactura("B87654323", "P-1", issued), fecha_operacion=operated)
    assert imputation_period(alta) == period


class Pages:
    """An AEAT query service that answers canned pages, and notes every query it got."""

    def __init__(self, answer: Callable[[ConsultaFactu], RespuestaConsulta]) -> None:
        self.answer = answer
        self.asked: list[ConsultaFactu] = []

    def query(self, consulta: ConsultaFactu) -> RespuestaConsulta:
        self.asked.append(consulta)
        return self.answer(consulta)


def page(
    records: list[r.RegistroAlta], *, more: bool, key: r.IDFactura | None = None
) -> RespuestaConsulta:
    return RespuestaConsulta(
        ejercicio=2025,
        periodo=3,
        indicador_paginacion=more,
        con_datos=bool(records),
        registros=tuple(stored(x) for x in records),
        clave_paginacion=key,
    )


def test_pages_follow_clave_paginacion_to_the_end(
    chain_of: Callable[..., list[r.RegistroAlta]],
) -> None:
    altas = chain_of(5)
    size = 2

    def answer(consulta: ConsultaFactu) -> RespuestaConsulta:
        start = 0
        if consulta.clave_paginacion is not None:
            start = [a.id_factura for a in altas].index(consulta.clave_paginacion) + 1
        chunk = altas[start : start + size]
        more = start + size < len(altas)
        return page(chunk, more=more, key=chunk[-1].id_factura if more else None)

    service = Pages(answer)
    first = ConsultaFactu(ejercicio=2025, periodo=3, obligado_emision=OBLIGADO)
    got = [x.id_factura for p in pages(service, first) for x in p.registros]
    assert got == [a.id_factura for a in altas]
    assert [q.clave_paginacion for q in service.asked] == [
        None,
        altas[1].id_factura,
        altas[3].id_factura,
    ]


def test_a_page_that_says_more_without_a_new_key_is_broken(
    chain_of: Callable[..., list[r.RegistroAlta]],
) -> None:
    altas = chain_of(2)
    service = Pages(lambda _: page(altas, more=True, key=altas[-1].id_factura))
    first = ConsultaFactu(ejercicio=2025, periodo=3, obligado_emision=OBLIGADO)
    with pytest.raises(BrokenReply):
        list(pages(service, first))
    assert len(service.asked) == 2  # the second page repeated the key: stop there


def test_find_stored_asks_one_query_per_period_filtered_by_dates(
    chain_of: Callable[..., list[r.RegistroAlta]],
) -> None:
    march = chain_of(2, day=date(2025, 3, 10))
    april = chain_of(1, series="AB/", day=date(2025, 4, 2), after=march[-1].as_anterior())
    held = [march[0], april[0]]
    service = Pages(
        lambda q: page(
            [x for x in held if imputation_period(x) == (q.ejercicio, q.periodo)], more=False
        )
    )
    found = find_stored(service, OBLIGADO, [*march, *april])
    assert set(found) == {march[0].id_factura, april[0].id_factura}
    asked = [(q.ejercicio, q.periodo, q.fecha_desde, q.num_serie_factura) for q in service.asked]
    assert asked == [
        (2025, 3, date(2025, 3, 10), None),
        (2025, 4, None, "AB/0001"),
    ]


def test_find_stored_stops_paging_once_every_key_is_seen(
    chain_of: Callable[..., list[r.RegistroAlta]],
) -> None:
    altas = chain_of(3)
    service = Pages(lambda _: page(altas[:1], more=True, key=altas[0].id_factura))
    found = find_stored(service, OBLIGADO, [altas[0]])
    assert list(found) == [altas[0].id_factura]
    assert len(service.asked) == 1


def test_anulacion_periods_may_be_given(chain_of: Callable[..., list[r.RegistroAlta]]) -> None:
    (alta,) = chain_of(1)
    service = Pages(lambda _: page([], more=False))
    find_stored(service, OBLIGADO, [alta], periods=[(2025, 1), (2025, 2)])
    assert [(q.ejercicio, q.periodo) for q in service.asked] == [(2025, 1), (2025, 2)]
