"""Errors raised by ``facturo.verifactu``, each a kind from :mod:`facturo.errors`.

The tree separates what went wrong, so a caller knows whether to fix the data, retry the
same message, or reconcile with the AEAT first (httpx's drawn hierarchy)::

    FacturoError
    └── VerifactuError                      anything raised by facturo.verifactu
        ├── RecordInvalid        (Invalid)  a record cannot be built: faults with code + path
        ├── SchemaInvalid        (Invalid)  an XML message does not match the AEAT XSDs (4102)
        ├── UntrustedXmlError    (BadRequest)
        │                                   bytes refused before or while parsing: DOCTYPE,
        │                                   entities, too large, not well formed (4103)
        ├── UnexpectedReply      (Invalid)  well-formed XML, but not an AEAT message we know
        └── AeatError                       the AEAT answered with an error
            ├── AeatFault                   SOAP Fault: the whole message was refused,
            │   │                           nothing stored [SWEB §3, §5.1]
            │   ├── AeatClientFault (Invalid)      env:Client: fix the message first
            │   └── AeatServerFault (Unavailable)  env:Server: resend the same message
            └── AeatRejected     (Invalid)  one record came back Incorrecto (code, description)

Fault codes inside ``RecordInvalid`` are the AEAT error codes of ``errores.csv`` when the rule
is an AEAT rule (``"1189"``), and ``VERIFACTU-…`` codes for conversion problems that the AEAT
list has no code for (a GOBL field the record needs is missing).
"""

from __future__ import annotations

from collections.abc import Sequence

from facturo.errors import BadRequest, FacturoError, Fault, Invalid, Unavailable


class VerifactuError(FacturoError):
    """A VERI*FACTU record or message could not be made or understood."""


class RecordInvalid(VerifactuError, Invalid):
    """The document cannot become a valid VERI*FACTU record; see the faults."""


class SchemaInvalid(VerifactuError, Invalid):
    """The XML does not match the AEAT schemas; the AEAT would answer 4102."""


class UntrustedXmlError(VerifactuError, BadRequest):
    """The XML was refused: not well formed, too large, or it declares a DOCTYPE or entities."""


class UnexpectedReply(VerifactuError, Invalid):
    """The XML is well formed but not a VERI*FACTU message shape (reply or request) we know."""


class AeatError(VerifactuError):
    """The AEAT answered with an error."""


class AeatFault(AeatError):
    """The AEAT refused the whole message with a SOAP Fault; nothing was stored.

    ``code`` is the number inside ``Codigo[NNNN]`` of the faultstring, or ``None`` when the
    faultstring carries none (a server-side failure).
    """

    def __init__(self, faultcode: str, faultstring: str, code: int | None) -> None:
        self.faultcode = faultcode
        self.faultstring = faultstring
        self.code = code
        super().__init__(
            faultstring or faultcode,
            faults=[Fault(code=str(code) if code is not None else faultcode, message=faultstring)],
        )


class AeatClientFault(AeatFault, Invalid):
    """The AEAT refused the message (env:Client); change it before sending again."""


class AeatServerFault(AeatFault, Unavailable):
    """The AEAT failed to process the message (env:Server); send the same message again."""


class AeatRejected(AeatError, Invalid):
    """The AEAT rejected a record (EstadoRegistro=Incorrecto); fix it and send a new record."""

    def __init__(self, code: int, description: str, *, faults: Sequence[Fault] = ()) -> None:
        self.code = code
        self.description = description
        super().__init__(
            f"{code}: {description}",
            faults=faults or [Fault(code=str(code), message=description)],
        )


__all__ = [
    "AeatClientFault",
    "AeatError",
    "AeatFault",
    "AeatRejected",
    "AeatServerFault",
    "RecordInvalid",
    "SchemaInvalid",
    "UnexpectedReply",
    "UntrustedXmlError",
    "VerifactuError",
]
