"""The VERI*FACTU client: SOAP to the AEAT with flow control and reconciliation.

The one part of :mod:`facturo.verifactu` that does I/O (httpx). It sends what the pure library
builds and parses, and sorts every failure by whether the AEAT may have stored the records
(:mod:`.errors`). Layers, each usable alone:

- :mod:`.certificates`: the client certificate (PKCS#12, legacy FNMT files, PEM) → SSL context;
- :mod:`.transport`: :class:`AeatTransport`, one SOAP POST per message, errors classified;
- :mod:`.flow`: :class:`Pacer`, TiempoEsperaEnvio and 1,000-record batches per taxpayer;
- :mod:`.reconcile`: "does the AEAT hold this record?" by query, key and huella;
- :mod:`.sender`: :class:`BatchSender`, the loop that ties them together;
- :mod:`.outcomes`: one :class:`RecordOutcome` per record sent.
"""

from facturo.verifactu.client.certificates import ClientCertificate, load_certificate
from facturo.verifactu.client.errors import (
    BrokenReply,
    CertificateError,
    CertificateExpired,
    CertificateKeyMismatch,
    CertificateKeyMissing,
    CertificatePasswordWrong,
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
    TransportError,
    WriteFailed,
)
from facturo.verifactu.client.flow import Clock, Pacer, SystemClock, batches
from facturo.verifactu.client.outcomes import (
    RecordOutcome,
    SendReport,
    Source,
    Status,
    Submission,
)
from facturo.verifactu.client.reconcile import Finding, Presence
from facturo.verifactu.client.sender import BatchSender
from facturo.verifactu.client.transport import (
    AeatTransport,
    Environment,
    endpoint,
    open_transport,
)

__all__ = [
    "AeatTransport",
    "BatchSender",
    "BrokenReply",
    "CertificateError",
    "CertificateExpired",
    "CertificateKeyMismatch",
    "CertificateKeyMissing",
    "CertificatePasswordWrong",
    "CertificateUnreadable",
    "ClientCertificate",
    "Clock",
    "ConnectFailed",
    "ConnectTimeout",
    "ConnectionLost",
    "Environment",
    "Finding",
    "HttpRefused",
    "MessageRefused",
    "NotSent",
    "OutcomeUnknown",
    "Pacer",
    "PoolTimeout",
    "Presence",
    "ReadTimeout",
    "RecordOutcome",
    "SendReport",
    "ServerError",
    "Source",
    "Status",
    "Submission",
    "SystemClock",
    "Throttled",
    "TransportError",
    "WriteFailed",
    "batches",
    "endpoint",
    "load_certificate",
    "open_transport",
]
