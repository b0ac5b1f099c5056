"""Malformed, hostile or misaddressed messages get a SOAP Fault with AEAT's code, never a crash."""

from __future__ import annotations

import httpx
import pytest

from facturo.aeat_sandbox.service import MAX_MESSAGE_BYTES
from facturo.aeat_sandbox.testing import SandboxHandle
from facturo.verifactu.replies import RespuestaRegFactu, SoapFault, parse_reply

from .conftest import ISSUER, SOAP_HEADERS, alta, reg_factu, send

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
<soapenv:Body><x>&lol3;</x></soapenv:Body></soapenv:Envelope>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
<soapenv:Body><x>&xxe;</x></soapenv:Body></soapenv:Envelope>"""


def fault_code(aeat: SandboxHandle, body: bytes) -> int | None:
    sent = send(aeat.endpoint, body)
    assert sent.response.status_code == 500
    assert isinstance(sent.reply, SoapFault)
    assert sent.reply.is_client
    return sent.reply.code


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (BILLION_LAUGHS, 4103),
        (EXTERNAL_ENTITY, 4103),
        (b"<soapenv:Envelope", 4103),
        (b"", 4103),
        ("<?xml version='1.0' encoding='ISO-8859-1'?><a>ñ</a>".encode("latin-1"), 4119),
        (b"<?xml version='1.0' encoding='ISO-8859-1'?><a/>", 4119),
        (b"<RegFactuSistemaFacturacion/>", 4102),
    ],
    ids=["billion-laughs", "external-entity", "truncated", "empty", "latin-1", "declared", "bare"],
)
def test_hostile_or_malformed_xml_is_refused(aeat: SandboxHandle, body: bytes, code: int) -> None:
    assert fault_code(aeat, body) == code
    assert aeat.submissions() == []


def test_schema_violation_is_4102(aeat: SandboxHandle) -> None:
    body = reg_factu(alta("FC2025/0001")).replace(b"<sum1:TipoHuella>01</sum1:TipoHuella>", b"")

    assert fault_code(aeat, body) == 4102
    assert aeat.records(ISSUER) == []


def test_more_than_1000_records_is_4114(aeat: SandboxHandle) -> None:
    body = reg_factu(alta("FC2025/0001"))
    start = body.index(b"<sum:RegistroFactura>")
    end = body.index(b"</sum:RegistroFactura>") + len(b"</sum:RegistroFactura>")
    flooded = body[:start] + body[start:end] * 1001 + body[end:]

    assert fault_code(aeat, flooded) == 4114


def test_oversized_message_is_refused_unread(aeat: SandboxHandle) -> None:
    body = b"<a>" + b"x" * MAX_MESSAGE_BYTES + b"</a>"

    assert fault_code(aeat, body) == 4103


def test_get_is_4135_and_get_wsdl_gives_the_contract(aeat: SandboxHandle) -> None:
    refused = httpx.get(aeat.endpoint)
    wsdl = httpx.get(aeat.endpoint + "?wsdl")

    reply = parse_reply(refused.content)
    assert isinstance(reply, SoapFault)
    assert reply.code == 4135
    assert wsdl.status_code == 200
    assert b"sfVerifactu" in wsdl.content


def test_remision_voluntaria_on_the_requerimiento_endpoint_is_4127(aeat: SandboxHandle) -> None:
    reply = send(aeat.requerimiento_endpoint, reg_factu(alta("A-1"), incidencia=False)).reply

    assert isinstance(reply, SoapFault)
    assert reply.code == 4127


def test_requerimiento_endpoint_needs_ref_requerimiento_4125(aeat: SandboxHandle) -> None:
    reply = send(aeat.requerimiento_endpoint, reg_factu(alta("A-1"))).reply

    assert isinstance(reply, SoapFault)
    assert reply.code == 4125


def test_requerimiento_with_its_reference_is_accepted(aeat: SandboxHandle) -> None:
    body = reg_factu(alta("A-1"), ref_requerimiento="REQ0001")

    assert isinstance(send(aeat.requerimiento_endpoint, body).reply, RespuestaRegFactu)
    fault = send(aeat.endpoint, body).reply
    assert isinstance(fault, SoapFault)
    assert fault.code == 4126


def test_unknown_path_is_404_and_the_sandbox_keeps_serving(aeat: SandboxHandle) -> None:
    assert (
        httpx.post(aeat.url + "/wlpl/other", content=b"x", headers=SOAP_HEADERS).status_code == 404
    )
    assert isinstance(send(aeat.endpoint, reg_factu(alta("A-1"))).reply, RespuestaRegFactu)
