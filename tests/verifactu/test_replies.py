"""AEAT replies: the shared samples parse to the values they hold; odd shapes raise clearly."""

from __future__ import annotations

import pytest

from facturo.errors import Invalid, Unavailable
from facturo.verifactu import replies as rp
from facturo.verifactu.errors import (
    AeatClientFault,
    AeatRejected,
    AeatServerFault,
    UnexpectedReply,
)

from .conftest import DATA

SAMPLES = DATA / "samples"
REPLY_03 = (SAMPLES / "03-respuesta-regfactu-parcialmente-correcto.xml").read_bytes()
FAULT_04 = (SAMPLES / "04-soapfault-4104.xml").read_bytes()
CONSULTA_06 = (SAMPLES / "06-respuesta-consulta.xml").read_bytes()


def test_submission_reply() -> None:
    reply = rp.parse_reg_factu_reply(REPLY_03)
    assert reply.csv == "A-EMUL4T0R000001"
    assert reply.nif_presentador == "B87654323"
    assert reply.timestamp_presentacion == "2025-03-11T09:05:07+01:00"
    assert reply.obligado_nif == "B87654323"
    assert reply.tiempo_espera_envio == 60
    assert reply.estado_envio is rp.EstadoEnvio.PARCIALMENTE_CORRECTO
    dup, late, ok = reply.lineas
    assert dup.estado is rp.EstadoRegistro.INCORRECTO
    assert dup.codigo_error == 3000
    assert dup.registro_duplicado == rp.RegistroDuplicado(
        "20250310102003000001", rp.EstadoRegistroDuplicado.CORRECTA
    )
    assert late.estado is rp.EstadoRegistro.ACEPTADO_CON_ERRORES
    assert late.codigo_error == 2004
    assert late.estado.stored
    assert late.id_factura.num_serie_factura == "FP2025/R001"
    assert ok.tipo_operacion == "Anulacion"
    assert ok.codigo_error is None


def test_rejected_line_raises_with_its_code() -> None:
    dup = rp.parse_reg_factu_reply(REPLY_03).lineas[0]
    with pytest.raises(AeatRejected) as exc:
        dup.raise_for_status()
    assert exc.value.code == 3000
    assert exc.value.faults[0].code == "3000"
    rp.parse_reg_factu_reply(REPLY_03).lineas[2].raise_for_status()  # Correcto: no error


def test_soap_fault_sample() -> None:
    fault = rp.parse_reply(FAULT_04)
    assert isinstance(fault, rp.SoapFault)
    assert fault.code == 4104
    assert fault.is_client
    assert fault.detail == "(server stack trace omitted)"
    with pytest.raises(AeatClientFault) as exc:
        rp.parse_reg_factu_reply(FAULT_04)
    assert exc.value.code == 4104
    assert isinstance(exc.value, Invalid)


def test_server_fault_means_resend() -> None:
    data = FAULT_04.replace(b"env:Client", b"env:Server").replace(b"Codigo[4104].", b"")
    with pytest.raises(AeatServerFault) as exc:
        rp.parse_consulta_reply(data)
    assert exc.value.code is None
    assert isinstance(exc.value, Unavailable)


def test_query_reply() -> None:
    reply = rp.parse_consulta_reply(CONSULTA_06)
    assert (reply.ejercicio, reply.periodo) == (2025, 3)
    assert not reply.indicador_paginacion
    assert reply.con_datos
    assert reply.clave_paginacion is None
    (record,) = reply.registros
    assert record.estado is rp.EstadoConsulta.ANULADO
    assert record.datos["TipoFactura"] == "F2"
    assert record.datos["ImporteTotal"] == "22.00"
    assert record.huella == "4BF1E6CAB8A64F9C4CE68349FFB00E5D737FDF5263D343423B60928F3B069053"
    assert record.huella_anterior == (
        "80599CE0DF0001B18A6D5B72BE4573E37439BDA6C2A1756C0072FE59EBB8E32A"
    )
    assert record.id_peticion == "20250311090507000001"


def test_query_reply_with_next_page_and_feminine_state() -> None:
    key = (
        b"<tikLRRC:ClavePaginacion><tik:IDEmisorFactura>B87654323</tik:IDEmisorFactura>"
        b"<tik:NumSerieFactura>T2025/0001</tik:NumSerieFactura>"
        b"<tik:FechaExpedicionFactura>10-03-2025</tik:FechaExpedicionFactura>"
        b"</tikLRRC:ClavePaginacion>"
    )
    data = (
        CONSULTA_06.replace(
            b">N</tikLRRC:IndicadorPaginacion>", b">S</tikLRRC:IndicadorPaginacion>"
        )
        .replace(b">Anulado<", b">Correcta<")
        .replace(
            b"</tikLRRC:RespuestaConsultaFactuSistemaFacturacion>",
            key + b"</tikLRRC:RespuestaConsultaFactuSistemaFacturacion>",
        )
    )
    reply = rp.parse_consulta_reply(data)
    assert reply.indicador_paginacion
    assert reply.clave_paginacion is not None
    assert reply.clave_paginacion.num_serie_factura == "T2025/0001"
    assert reply.registros[0].estado is rp.EstadoConsulta.CORRECTO


def test_request_is_not_a_reply() -> None:
    data = (SAMPLES / "01-regfactu-alta-primer-registro.xml").read_bytes()
    with pytest.raises(UnexpectedReply):
        rp.parse_reply(data)


def test_reply_of_the_other_kind_is_refused() -> None:
    with pytest.raises(UnexpectedReply):
        rp.parse_consulta_reply(REPLY_03)
    with pytest.raises(UnexpectedReply):
        rp.parse_reg_factu_reply(CONSULTA_06)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<tikR:EstadoEnvio>ParcialmenteCorrecto</tikR:EstadoEnvio>", b""),
        (b">ParcialmenteCorrecto<", b">Regular<"),
        (b"<tikR:TiempoEsperaEnvio>60<", b"<tikR:TiempoEsperaEnvio>soon<"),
        (b">10-03-2025<", b">2025-03-10<"),
        (b">Correcta<", b">Perfecta<"),
        (b"<tikR:Operacion>", b"<tikR:Otra>"),
    ],
)
def test_malformed_reply_raises_unexpected_reply(old: bytes, new: bytes) -> None:
    data = REPLY_03.replace(old, new).replace(
        b"</tikR:Operacion>", b"</tikR:Otra>" if new == b"<tikR:Otra>" else b"</tikR:Operacion>"
    )
    with pytest.raises(UnexpectedReply):
        rp.parse_reply(data)


def test_envelope_without_body_payload() -> None:
    with pytest.raises(UnexpectedReply):
        rp.parse_reply(b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"/>')
