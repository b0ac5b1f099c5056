"""Errors of the VERI*FACTU client: the certificate, and the exchange with the AEAT.

The tree sorts a failed exchange by **what the AEAT may have stored**, the way httpx separates
``ConnectTimeout`` (the request never left) from ``ReadTimeout`` (it may have arrived). That is
the only question a caller must answer before sending again: resending a message the AEAT never
processed is safe; resending one it may have processed is not, because the records would come
back as duplicates (3000) and their verdict, CSV included, would be lost [spec §9.5]::

    VerifactuError
    ├── CertificateError (Invalid)          the client certificate cannot be used
    │   ├── CertificateUnreadable           neither PKCS#12 nor PEM, or the file is missing
    │   ├── CertificatePasswordWrong        the password does not open the PKCS#12 / key
    │   ├── CertificateKeyMissing           a certificate without its private key
    │   ├── CertificateKeyMismatch          the key belongs to another certificate
    │   └── CertificateExpired              outside its validity period
    └── TransportError (Unavailable)        the exchange with the AEAT did not complete
        ├── NotSent                         the AEAT stored nothing: the same message may go again
        │   ├── ConnectFailed               refused, unreachable, name or TLS handshake failure
        │   ├── ConnectTimeout              no connection within the connect timeout
        │   ├── PoolTimeout                 no free connection within the pool timeout
        │   ├── HttpRefused                 an HTTP 3xx/4xx before any processing (302 erro4011,
        │   │   └── Throttled               429 …); 429 is the AEAT asking to slow down
        │   └── MessageRefused              a SOAP Fault: the whole message refused [SWEB §3]
        └── OutcomeUnknown                  the records may have arrived: reconcile first
            ├── ReadTimeout                 the request went out, no reply in time
            ├── WriteFailed                 the connection failed while the request was written
            ├── ConnectionLost              the connection dropped after the request was written
            ├── BrokenReply                 truncated, hostile, or not the reply to this request
            └── ServerError                 HTTP 5xx without a SOAP Fault in the body

``OutcomeUnknown`` never means "failed": :mod:`facturo.verifactu.client.reconcile` asks the
AEAT (ConsultaFactuSistemaFacturacion) which records it holds, and only the missing ones are
sent again. Every error keeps the httpx or parser error that caused it in ``__cause__``.
"""

from __future__ import annotations

from facturo.errors import Invalid, Unavailable
from facturo.verifactu.errors import AeatFault, VerifactuError


class CertificateError(VerifactuError, Invalid):
    """The client certificate cannot be used; check the file, its password and its dates."""


class CertificateUnreadable(CertificateError):
    """The certificate is not a PKCS#12 (.p12/.pfx) or PEM file, or cannot be read."""


class CertificatePasswordWrong(CertificateError):
    """The password does not open the certificate (or the PKCS#12 file is damaged)."""


class CertificateKeyMissing(CertificateError):
    """The certificate comes without its private key; export it with the key included."""


class CertificateKeyMismatch(CertificateError):
    """The private key does not belong to the certificate; pair the right key and certificate."""


class CertificateExpired(CertificateError):
    """The certificate is outside its validity period; renew it (the AEAT answers 302 erro4011)."""


class TransportError(VerifactuError, Unavailable):
    """The exchange with the AEAT did not complete."""


class NotSent(TransportError):
    """The AEAT stored nothing from this message; sending the same message again is safe."""


class ConnectFailed(NotSent):
    """No connection to the AEAT (refused, unreachable, DNS or TLS handshake); retry later."""


class ConnectTimeout(NotSent):
    """No connection to the AEAT within the connect timeout; retry later."""


class PoolTimeout(NotSent):
    """No free connection within the pool timeout; the message never left. Retry later."""


class HttpRefused(NotSent):
    """The AEAT answered HTTP 3xx/4xx before processing the message; nothing was stored.

    A 302 to ``erro4011`` means the AEAT did not accept the client certificate (unknown,
    self-signed or expired) [spec §9.1]. ``status`` and ``location`` say which.
    """

    def __init__(self, detail: str | None = None, *, status: int, location: str | None = None):
        self.status = status
        self.location = location
        super().__init__(detail)


class Throttled(HttpRefused):
    """The AEAT answered 429: too many requests. Wait ``retry_after`` seconds, then resend."""

    def __init__(self, detail: str | None = None, *, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(detail, status=429)


class MessageRefused(NotSent):
    """The AEAT refused the whole message with a SOAP Fault; it stored none of its records.

    ``fault`` is the AEAT's fault (``fault.code`` holds the ``Codigo[NNNN]``). With
    ``env:Server`` (``retry_same`` is true) send the same message again; with ``env:Client``
    the message must change first (4102 schema, 4104 header, 4114 too many records…) [SWEB §3].
    ``retry_after`` is the ``Retry-After`` header's seconds, when the answer carried one.
    """

    def __init__(self, fault: AeatFault, *, retry_after: float | None = None) -> None:
        self.fault = fault
        self.retry_after = retry_after
        super().__init__(fault.detail, faults=fault.faults)

    @property
    def retry_same(self) -> bool:
        """Whether sending the very same message again may succeed (a server-side fault)."""
        return not self.fault.faultcode.endswith("Client")


class OutcomeUnknown(TransportError):
    """The AEAT may have stored these records: query it (reconcile) before sending any again."""


class ReadTimeout(OutcomeUnknown):
    """The request went out and no reply came in time; reconcile before resending."""


class WriteFailed(OutcomeUnknown):
    """The connection failed while the request was being written; reconcile before resending.

    The AEAT may have read the whole message before the failure was noticed on our side.
    """


class ConnectionLost(OutcomeUnknown):
    """The connection dropped after the request was written; reconcile before resending."""


class BrokenReply(OutcomeUnknown):
    """The reply is truncated, hostile (DOCTYPE, entities, too large) or not for this request.

    The AEAT did answer, so it probably processed the message; reconcile before resending.
    """


class ServerError(OutcomeUnknown):
    """The AEAT answered HTTP 5xx without a SOAP Fault; reconcile before resending."""

    def __init__(self, detail: str | None = None, *, status: int) -> None:
        self.status = status
        super().__init__(detail)


__all__ = [
    "BrokenReply",
    "CertificateError",
    "CertificateExpired",
    "CertificateKeyMismatch",
    "CertificateKeyMissing",
    "CertificatePasswordWrong",
    "CertificateUnreadable",
    "ConnectFailed",
    "ConnectTimeout",
    "ConnectionLost",
    "HttpRefused",
    "MessageRefused",
    "NotSent",
    "OutcomeUnknown",
    "PoolTimeout",
    "ReadTimeout",
    "ServerError",
    "Throttled",
    "TransportError",
    "WriteFailed",
]
