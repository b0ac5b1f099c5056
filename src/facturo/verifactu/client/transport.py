"""SOAP over HTTPS to the AEAT: one POST per message, every failure sorted by what may be stored.

The AEAT service is SOAP 1.1 document/literal: ``POST`` with ``Content-Type: text/xml;
charset=UTF-8`` and ``SOAPAction: ""``, mutual TLS with the taxpayer's certificate [WSDL; SWEB
§8; spec §9.1]. :class:`AeatTransport` is the one place that talks to it. It sends bytes the
pure library wrote (:func:`~facturo.verifactu.xml.reg_factu_xml` validates them against the XSD
first) and hands back the parsed reply, or raises an error from
:mod:`facturo.verifactu.client.errors` that says whether the AEAT may have stored anything.

Replies are read with a byte cap and parsed only by
:func:`~facturo.verifactu.xml.parse_untrusted` (no DOCTYPE, no entities, no network), so a
huge, hostile or truncated reply is a :class:`BrokenReply` of this send, never a crash.

The httpx transport is the seam (httpx's own ``BaseTransport``): production uses the default
one with the certificate's SSL context; the sandbox is a plain ``http://`` URL.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import httpx

from facturo.verifactu.client.certificates import ClientCertificate, load_certificate
from facturo.verifactu.client.errors import (
    BrokenReply,
    CertificateUnreadable,
    ConnectFailed,
    ConnectionLost,
    ConnectTimeout,
    HttpRefused,
    MessageRefused,
    NotSent,
    PoolTimeout,
    ReadTimeout,
    ServerError,
    Throttled,
    TransportError,
    WriteFailed,
)
from facturo.verifactu.errors import UnexpectedReply, UntrustedXmlError
from facturo.verifactu.messages import Cabecera, ConsultaFactu
from facturo.verifactu.records import Registro, RegistroAlta
from facturo.verifactu.replies import (
    RespuestaConsulta,
    RespuestaRegFactu,
    SoapFault,
    parse_reply,
)
from facturo.verifactu.xml import MAX_XML_BYTES, consulta_xml, reg_factu_xml

log = logging.getLogger(__name__)


class Environment(StrEnum):
    """Which AEAT the messages go to [WSDL; spec §9.1]."""

    TEST = "test"  # "Portal de Pruebas Externas": prewww1 / prewww10
    PRODUCTION = "production"


_PATH: Final = "/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"

#: The VerifactuSOAP port addresses of SistemaFacturacion.wsdl, by environment and by whether
#: the certificate is a seal (sello) certificate, which has hosts of its own.
ENDPOINTS: Final[Mapping[tuple[Environment, bool], str]] = {
    (Environment.TEST, False): "https://prewww1.aeat.es" + _PATH,
    (Environment.TEST, True): "https://prewww10.aeat.es" + _PATH,
    (Environment.PRODUCTION, False): "https://www1.agenciatributaria.gob.es" + _PATH,
    (Environment.PRODUCTION, True): "https://www10.agenciatributaria.gob.es" + _PATH,
}

#: Connect fast, read long: the AEAT has taken more than 30 s on large messages [spec §9.1].
DEFAULT_TIMEOUT: Final = httpx.Timeout(connect=10.0, read=120.0, write=60.0, pool=10.0)

_HEADERS: Final = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'}


def endpoint(environment: Environment, *, seal: bool = False) -> str:
    """The VerifactuSOAP URL of ``environment`` for a personal/entity or a seal certificate."""
    return ENDPOINTS[(environment, seal)]


@dataclass(frozen=True, slots=True)
class RawReply:
    """An HTTP answer of the AEAT before it is interpreted."""

    status: int
    headers: httpx.Headers
    content: bytes


def _retry_after(response: RawReply) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class AeatTransport:
    """A synchronous client of one AEAT VerifactuSOAP endpoint.

    ``url`` is :func:`endpoint`'s answer or any other address (the sandbox). ``certificate``
    is presented for mutual TLS; ``cafile`` replaces the system roots (a test CA).
    ``transport`` replaces httpx's network transport. Use it as a context manager, or call
    :meth:`close`. Safe to share between threads (httpx.Client is).
    """

    def __init__(
        self,
        url: str,
        *,
        certificate: ClientCertificate | None = None,
        cafile: str | Path | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        max_reply_bytes: int = MAX_XML_BYTES,
    ) -> None:
        self.url = url
        self.max_reply_bytes = max_reply_bytes
        verify: ssl.SSLContext | bool = True
        if certificate is not None:
            verify = certificate.ssl_context(cafile=cafile)
        elif cafile is not None:
            verify = ssl.create_default_context(cafile=str(cafile))
        self._client = httpx.Client(
            timeout=timeout,
            transport=transport,
            verify=verify,
            follow_redirects=False,
            headers=_HEADERS,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    # ----------------------------------------------------------------------------------------

    def submit(self, cabecera: Cabecera, records: Sequence[Registro]) -> RespuestaRegFactu:
        """Send one RegFactuSistemaFacturacion (1..1000 records of one taxpayer).

        Returns the AEAT's reply, whose lines have been checked to answer these records in
        order; anything else is a :class:`BrokenReply`. Raises :class:`NotSent` or
        :class:`OutcomeUnknown` subclasses, and ``SchemaInvalid`` before sending anything when
        the message would break the XSD (a bug, never something the AEAT should see).
        """
        body = reg_factu_xml(cabecera, records)
        reply = self._exchange(body)
        if not isinstance(reply, RespuestaRegFactu):
            raise BrokenReply(f"expected a RespuestaRegFactuSistemaFacturacion, got {reply!r}")
        _check_lines(cabecera, records, reply)
        log.info(
            "verifactu.client.submitted",
            extra={
                "nif": cabecera.obligado_emision.nif,
                "records": len(records),
                "estado_envio": reply.estado_envio.value,
                "csv": reply.csv,
                "tiempo_espera_envio": reply.tiempo_espera_envio,
            },
        )
        return reply

    def query(self, consulta: ConsultaFactu) -> RespuestaConsulta:
        """Send one ConsultaFactuSistemaFacturacion and return that page of the answer.

        A query changes nothing at the AEAT, so any failure may simply be retried.
        """
        reply = self._exchange(consulta_xml(consulta))
        if not isinstance(reply, RespuestaConsulta):
            raise BrokenReply(f"expected a RespuestaConsultaFactuSistemaFacturacion, got {reply!r}")
        return reply

    def post(self, body: bytes) -> RawReply:
        """POST a SOAP message; return the status, headers and body (read up to the cap).

        Only transport failures are raised here; the status is for :meth:`_exchange`.
        """
        try:
            with self._client.stream("POST", self.url, content=body) as response:
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.max_reply_bytes:
                    raise BrokenReply(f"reply of {declared} bytes is over the limit")
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_reply_bytes:
                        raise BrokenReply(f"reply over {self.max_reply_bytes} bytes")
                    chunks.append(chunk)
                return RawReply(response.status_code, response.headers, b"".join(chunks))
        except httpx.HTTPError as exc:
            raise classify(exc) from exc

    def _exchange(self, body: bytes) -> RespuestaRegFactu | RespuestaConsulta:
        response = self.post(body)
        status = response.status
        if 300 <= status < 400:
            location = response.headers.get("Location")
            raise HttpRefused(
                f"the AEAT redirected ({status}) to {location}: is the certificate accepted?",
                status=status,
                location=location,
            )
        if status == 429:
            raise Throttled(retry_after=_retry_after(response))
        try:
            reply = parse_reply(response.content)
        except (UntrustedXmlError, UnexpectedReply) as exc:
            if 400 <= status < 500:
                raise HttpRefused(f"HTTP {status} from the AEAT", status=status) from exc
            if status >= 500:
                raise ServerError(f"HTTP {status} without a SOAP Fault", status=status) from exc
            raise BrokenReply(f"unreadable reply: {exc.detail}") from exc
        if isinstance(reply, SoapFault):
            raise MessageRefused(reply.to_exception(), retry_after=_retry_after(response))
        if not 200 <= status < 300:
            raise BrokenReply(f"HTTP {status} with a reply body")
        return reply


def open_transport(
    *,
    url: str = "",
    environment: Environment = Environment.TEST,
    seal: bool = False,
    certificate: str | Path | bytes | None = None,
    password: str | None = None,
    key: str | Path | None = None,
    cafile: str | Path | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
) -> AeatTransport:
    """An :class:`AeatTransport` from configuration values (settings, CLI options).

    An explicit ``url`` (the sandbox) wins over ``environment``. The real AEAT hosts take no
    message without a client certificate, so asking for one of them without ``certificate``
    is refused here, with :class:`CertificateUnreadable`, instead of as a TLS failure later.
    """
    loaded = load_certificate(certificate, password, key=key) if certificate else None
    if not url:
        if loaded is None:
            raise CertificateUnreadable("the AEAT endpoints need a client certificate")
        url = endpoint(environment, seal=seal)
    return AeatTransport(url, certificate=loaded, cafile=cafile, timeout=timeout)


def classify(exc: httpx.HTTPError) -> TransportError:
    """The :mod:`~facturo.verifactu.client.errors` class of an httpx failure.

    The line is where the request bytes were: before any was written (connect, pool, local
    protocol errors), nothing can have been stored; from the first write on, the AEAT may hold
    the whole message [httpx ``_exceptions.py``].
    """
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return ConnectTimeout(detail)
    if isinstance(exc, httpx.PoolTimeout):
        return PoolTimeout(detail)
    if isinstance(exc, httpx.ConnectError | httpx.ProxyError):
        return ConnectFailed(detail)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        return NotSent(detail)
    if _refused_in_handshake(exc):
        return ConnectFailed(f"the server refused the TLS handshake: {detail}")
    if isinstance(exc, httpx.ReadTimeout):
        return ReadTimeout(detail)
    if isinstance(exc, httpx.WriteTimeout | httpx.WriteError):
        return WriteFailed(detail)
    if isinstance(exc, httpx.DecodingError):
        return BrokenReply(detail)
    # ReadError, RemoteProtocolError and anything newer: the request may have been read.
    return ConnectionLost(detail)


#: TLS alerts a server sends only while it judges the handshake (with TLS 1.3 the client
#: learns of a refused certificate on its first read, after it wrote the request).
_HANDSHAKE_ALERTS: Final = (
    "CERTIFICATE_REQUIRED",
    "BAD_CERTIFICATE",
    "UNKNOWN_CA",
    "CERTIFICATE_EXPIRED",
    "CERTIFICATE_REVOKED",
    "CERTIFICATE_UNKNOWN",
    "UNSUPPORTED_CERTIFICATE",
    "HANDSHAKE_FAILURE",
    "ACCESS_DENIED",
)


def _refused_in_handshake(exc: BaseException) -> bool:
    """Whether a read failed on a TLS alert that refuses the handshake: no request got in."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            reason = (cause.reason or "").upper()
            return "ALERT" in reason and any(a in reason for a in _HANDSHAKE_ALERTS)
        cause = cause.__cause__ or cause.__context__
    return False


def _operation(record: Registro) -> str:
    return "Alta" if isinstance(record, RegistroAlta) else "Anulacion"


def _check_lines(cabecera: Cabecera, records: Sequence[Registro], reply: RespuestaRegFactu) -> None:
    """The AEAT answers one line per record, in request order [spec §9.3]; check it did."""
    if reply.obligado_nif != cabecera.obligado_emision.nif:
        raise BrokenReply(f"reply for taxpayer {reply.obligado_nif}, not this message's")
    if len(reply.lineas) != len(records):
        raise BrokenReply(f"{len(reply.lineas)} reply lines for {len(records)} records")
    for i, (record, line) in enumerate(zip(records, reply.lineas, strict=True)):
        if line.id_factura != record.id_factura or line.tipo_operacion != _operation(record):
            raise BrokenReply(f"reply line {i} answers another record")


__all__ = [
    "DEFAULT_TIMEOUT",
    "ENDPOINTS",
    "AeatTransport",
    "Environment",
    "RawReply",
    "classify",
    "endpoint",
    "open_transport",
]
