"""Failure classification over real loopback connections: NotSent vs OutcomeUnknown."""

from __future__ import annotations

import socket
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest

from facturo.verifactu import records as r
from facturo.verifactu.client.errors import (
    BrokenReply,
    CertificateUnreadable,
    ConnectFailed,
    ConnectionLost,
    ConnectTimeout,
    HttpRefused,
    MessageRefused,
    NotSent,
    OutcomeUnknown,
    PoolTimeout,
    ReadTimeout,
    ServerError,
    Throttled,
    WriteFailed,
)
from facturo.verifactu.client.transport import (
    ENDPOINTS,
    AeatTransport,
    Environment,
    classify,
    endpoint,
    open_transport,
)
from facturo.verifactu.messages import Cabecera
from facturo.verifactu.replies import RespuestaRegFactu
from facturo.verifactu.xml import MAX_XML_BYTES, parse_untrusted

SAMPLES = Path(__file__).parents[1] / "data" / "samples"
REPLY_SAMPLE = (SAMPLES / "03-respuesta-regfactu-parcialmente-correcto.xml").read_bytes()
CLIENT_FAULT = (SAMPLES / "04-soapfault-4104.xml").read_bytes()
SERVER_FAULT = b"""<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><env:Fault>
<faultcode>env:Server</faultcode><faultstring>Error interno</faultstring>
</env:Fault></env:Body></env:Envelope>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>&lol2;</env:Body>
</env:Envelope>"""

FAST = httpx.Timeout(connect=2.0, read=0.5, write=2.0, pool=2.0)


@pytest.fixture
def send(
    cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> Callable[..., RespuestaRegFactu]:
    """Submit one record to ``url`` with short timeouts."""
    records = chain_of(1)

    def go(url: str, *, max_reply_bytes: int = MAX_XML_BYTES) -> RespuestaRegFactu:
        with AeatTransport(url, timeout=FAST, max_reply_bytes=max_reply_bytes) as transport:
            return transport.submit(cabecera, records)

    return go


def test_endpoints_are_the_wsdl_addresses() -> None:
    assert endpoint(Environment.TEST) == (
        "https://prewww1.aeat.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
    )
    assert endpoint(Environment.PRODUCTION, seal=True) == (
        "https://www10.agenciatributaria.gob.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
    )


def test_endpoints_are_every_verifactu_address_of_the_shipped_wsdl() -> None:
    wsdl = (resources.files("facturo.verifactu") / "xsd" / "SistemaFacturacion.wsdl").read_bytes()
    soap = "{http://schemas.xmlsoap.org/wsdl/soap/}address"
    locations = {a.get("location") for a in parse_untrusted(wsdl).iter(soap)}
    assert set(ENDPOINTS.values()) == {x for x in locations if x and x.endswith("VerifactuSOAP")}


def test_connection_refused_is_not_sent(send: Callable[..., RespuestaRegFactu]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(ConnectFailed) as caught:
        send(f"http://127.0.0.1:{port}/VerifactuSOAP")
    assert isinstance(caught.value, NotSent)


def test_a_stalled_reply_is_a_read_timeout(
    loopback: Any, send: Callable[..., RespuestaRegFactu]
) -> None:
    server = loopback.stall()
    with pytest.raises(ReadTimeout) as caught:
        send(server.url)
    assert isinstance(caught.value, OutcomeUnknown)
    assert b"<sum:RegFactuSistemaFacturacion" in server.requests[0]


def test_a_connection_dropped_after_the_request_is_outcome_unknown(
    loopback: Any, send: Callable[..., RespuestaRegFactu]
) -> None:
    server = loopback.drop()
    with pytest.raises(ConnectionLost) as caught:
        send(server.url)
    assert isinstance(caught.value, OutcomeUnknown)
    assert server.requests[0].endswith(b"</soapenv:Envelope>")  # the AEAT had it all


def test_a_body_cut_short_of_its_content_length_is_outcome_unknown(
    loopback: Any, send: Callable[..., RespuestaRegFactu]
) -> None:
    cut = http_head(200, len(REPLY_SAMPLE)) + REPLY_SAMPLE[: len(REPLY_SAMPLE) // 2]
    with pytest.raises(OutcomeUnknown):
        send(loopback.raw(cut).url)


def http_head(status: int, length: int) -> bytes:
    return f"HTTP/1.1 {status} X\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n".encode()


@pytest.mark.parametrize(
    "body",
    [
        REPLY_SAMPLE[: len(REPLY_SAMPLE) // 2],
        LAUGHS,
        b"<html><body>Mantenimiento</body></html>",
        b"",
    ],
    ids=["truncated-xml", "entities", "html", "empty"],
)
def test_an_unreadable_200_reply_is_a_broken_reply(
    loopback: Any, send: Callable[..., RespuestaRegFactu], body: bytes
) -> None:
    with pytest.raises(BrokenReply) as caught:
        send(loopback.answer(200, body).url)
    assert isinstance(caught.value, OutcomeUnknown)


def test_a_reply_over_the_byte_cap_is_a_broken_reply(
    loopback: Any, send: Callable[..., RespuestaRegFactu]
) -> None:
    with pytest.raises(BrokenReply):
        send(loopback.answer(200, REPLY_SAMPLE).url, max_reply_bytes=1000)


def test_a_reply_about_other_records_is_a_broken_reply(
    loopback: Any, send: Callable[..., RespuestaRegFactu]
) -> None:
    # A well-formed AEAT reply, but its lines answer the sample's records, not ours.
    with pytest.raises(BrokenReply):
        send(loopback.answer(200, REPLY_SAMPLE).url)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_without_a_soap_fault_is_a_server_error(
    loopback: Any, send: Callable[..., RespuestaRegFactu], status: int
) -> None:
    with pytest.raises(ServerError) as caught:
        send(loopback.answer(status, b"<html>Service Unavailable</html>").url)
    assert caught.value.status == status
    assert isinstance(caught.value, OutcomeUnknown)


def test_a_server_fault_is_refused_and_may_go_again(
    loopback: Any, send: Callable[..., RespuestaRegFactu]
) -> None:
    with pytest.raises(MessageRefused) as caught:
        send(loopback.answer(500, SERVER_FAULT).url)
    assert isinstance(caught.value, NotSent)
    assert caught.value.retry_same


def test_a_client_fault_is_refused_with_its_aeat_code(
    loopback: Any, send: Callable[..., RespuestaRegFactu]
) -> None:
    with pytest.raises(MessageRefused) as caught:
        send(loopback.answer(500, CLIENT_FAULT).url)
    assert not caught.value.retry_same
    assert caught.value.fault.code == 4104
    assert [f.code for f in caught.value.faults] == ["4104"]


def test_a_redirect_to_the_certificate_error_page_is_not_sent(
    loopback: Any, send: Callable[..., RespuestaRegFactu]
) -> None:
    page = "https://sede.agenciatributaria.gob.es/Sede/errores/erro4011.html"
    with pytest.raises(HttpRefused) as caught:
        send(loopback.answer(302, b"", {"Location": page}).url)
    assert isinstance(caught.value, NotSent)
    assert (caught.value.status, caught.value.location) == (302, page)


def test_429_is_throttled_with_its_retry_after(
    loopback: Any, send: Callable[..., RespuestaRegFactu]
) -> None:
    with pytest.raises(Throttled) as caught:
        send(loopback.answer(429, b"", {"Retry-After": "30"}).url)
    assert isinstance(caught.value, NotSent)
    assert caught.value.retry_after == 30


def test_a_4xx_without_a_fault_is_not_sent(
    loopback: Any, send: Callable[..., RespuestaRegFactu]
) -> None:
    with pytest.raises(HttpRefused) as caught:
        send(loopback.answer(404, b"Not Found").url)
    assert caught.value.status == 404


_REQUEST = httpx.Request("POST", "https://prewww1.aeat.es/")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectTimeout("t", request=_REQUEST), ConnectTimeout),
        (httpx.PoolTimeout("t", request=_REQUEST), PoolTimeout),
        (httpx.ConnectError("refused", request=_REQUEST), ConnectFailed),
        (httpx.ProxyError("proxy", request=_REQUEST), ConnectFailed),
        (httpx.UnsupportedProtocol("ftp", request=_REQUEST), NotSent),
        (httpx.LocalProtocolError("bad header", request=_REQUEST), NotSent),
        (httpx.ReadTimeout("t", request=_REQUEST), ReadTimeout),
        (httpx.WriteTimeout("t", request=_REQUEST), WriteFailed),
        (httpx.WriteError("pipe", request=_REQUEST), WriteFailed),
        (httpx.ReadError("reset", request=_REQUEST), ConnectionLost),
        (httpx.RemoteProtocolError("eof", request=_REQUEST), ConnectionLost),
        (httpx.DecodingError("gzip", request=_REQUEST), BrokenReply),
    ],
)
def test_classify_draws_the_line_at_the_first_byte_written(
    error: httpx.HTTPError, expected: type[Exception]
) -> None:
    assert type(classify(error)) is expected


def test_open_transport_takes_an_explicit_url_without_a_certificate() -> None:
    with open_transport(url="http://127.0.0.1:8401/VerifactuSOAP") as transport:
        assert transport.url == "http://127.0.0.1:8401/VerifactuSOAP"


def test_open_transport_to_the_aeat_needs_a_certificate() -> None:
    with pytest.raises(CertificateUnreadable):
        open_transport(environment=Environment.PRODUCTION)


def test_open_transport_picks_the_environment_endpoint() -> None:
    rc2 = Path(__file__).parent / "data" / "fnmt-legacy-rc2.p12"
    with open_transport(environment=Environment.TEST, certificate=rc2, password="secreto") as t:
        assert t.url == endpoint(Environment.TEST)
