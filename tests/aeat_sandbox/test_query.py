"""ConsultaFactuSistemaFacturacion: filters and pagination, as a client reconciles with it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from facturo.aeat_sandbox.testing import ManualClock, SandboxHandle, running_sandbox
from facturo.verifactu import records as r
from facturo.verifactu.messages import Persona
from facturo.verifactu.replies import EstadoConsulta, RespuestaConsulta, SoapFault

from .conftest import ISSUER, alta, consulta, reg_factu, send


@pytest.fixture
def paged(clock: ManualClock) -> Iterator[SandboxHandle]:
    """A sandbox with pages of two records, holding five records of March 2025."""
    with running_sandbox(wait_seconds=0, page_size=2, clock=clock) as handle:
        previous: r.Registro | None = None
        batch = []
        for n in range(1, 6):
            previous = alta(
                f"FC2025/{n:04d}",
                previous,
                id_factura=r.IDFactura(ISSUER, f"FC2025/{n:04d}", date(2025, 3, n)),
                ref_externa=f"REF-{n}",
            )
            batch.append(previous)
        send(handle.endpoint, reg_factu(*batch))
        yield handle


def ask(aeat: SandboxHandle, body: bytes) -> RespuestaConsulta:
    reply = send(aeat.endpoint, body).reply
    assert isinstance(reply, RespuestaConsulta), reply
    return reply


def test_pages_follow_clave_paginacion_until_the_last(paged: SandboxHandle) -> None:
    seen: list[str] = []
    flags: list[bool] = []
    clave = None
    while True:
        page = ask(paged, consulta(clave_paginacion=clave))
        seen += [item.id_factura.num_serie_factura for item in page.registros]
        flags.append(page.indicador_paginacion)
        if not page.indicador_paginacion:
            assert page.clave_paginacion is None
            break
        clave = page.clave_paginacion
        assert clave == page.registros[-1].id_factura

    assert seen == [f"FC2025/{n:04d}" for n in range(1, 6)]
    assert flags == [True, True, False]


def test_queried_records_carry_huella_state_and_presentation(paged: SandboxHandle) -> None:
    stored = {s["num_serie"]: s for s in paged.records(ISSUER)}

    page = ask(paged, consulta(num_serie_factura="FC2025/0003"))

    (item,) = page.registros
    assert item.estado is EstadoConsulta.CORRECTO
    assert item.huella == stored["FC2025/0003"]["huella"]
    assert item.huella_anterior == stored["FC2025/0002"]["huella"]
    assert item.id_peticion == stored["FC2025/0003"]["id_peticion"]
    assert item.datos["RefExterna"] == "REF-3"
    assert "NombreRazonEmisor" not in item.datos


def test_filters_by_date_range_ref_and_counterparty(paged: SandboxHandle) -> None:
    def numbers(**filters: object) -> list[str]:
        return [i.id_factura.num_serie_factura for i in ask(paged, consulta(**filters)).registros]

    assert numbers(fecha_desde=date(2025, 3, 2), fecha_hasta=date(2025, 3, 3)) == [
        "FC2025/0002",
        "FC2025/0003",
    ]
    assert numbers(fecha_expedicion=date(2025, 3, 4)) == ["FC2025/0004"]
    assert numbers(ref_externa="REF-5") == ["FC2025/0005"]
    assert (
        numbers(contraparte=r.PersonaFisicaJuridica("OTRO", nif="89890002E"), num_serie_factura="X")
        == []
    )


def test_other_period_has_no_data(paged: SandboxHandle) -> None:
    page = ask(paged, consulta(periodo=4))

    assert not page.con_datos
    assert page.registros == ()
    assert not page.indicador_paginacion


def test_recipient_sees_the_records_that_name_it(paged: SandboxHandle) -> None:
    page = ask(paged, consulta(destinatario=Persona("CLIENTE DE PRUEBAS", "12345678Z")))

    assert [i.id_factura.num_serie_factura for i in page.registros] == [
        "FC2025/0001",
        "FC2025/0002",
    ]


def test_names_and_software_only_when_asked(paged: SandboxHandle) -> None:
    page = ask(
        paged,
        consulta(
            num_serie_factura="FC2025/0001",
            mostrar_nombre_razon_emisor=True,
            mostrar_sistema_informatico=True,
        ),
    )

    assert page.registros[0].datos["NombreRazonEmisor"] == "EMPRESA EMISORA DE PRUEBAS SL"


def test_query_of_an_issuer_outside_the_census_is_4104(paged: SandboxHandle) -> None:
    paged.remove_census(ISSUER)

    reply = send(paged.endpoint, consulta()).reply

    assert isinstance(reply, SoapFault)
    assert reply.code == 4104


def test_query_on_the_requerimiento_endpoint_is_4118(paged: SandboxHandle) -> None:
    reply = send(paged.requerimiento_endpoint, consulta()).reply

    assert isinstance(reply, SoapFault)
    assert reply.code == 4118
