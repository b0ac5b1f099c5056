"""AEAT's QR cotejo service (``ValidarQR``, ``ValidarQRNoVerifactu``), answered from the store.

The URL printed in an invoice's QR is a GET on this service with ``nif``, ``numserie``,
``fecha`` (DD-MM-AAAA) and ``importe`` [QR §6; spec §11]. A person who scans it gets an HTML
page; a program that adds ``formato=json`` gets JSON, and ``idioma`` picks the page's language
[QR §7]. What the AEAT answers [QR §9-§10; spec §11, §14 item 8]:

- ``ValidarQR``: ``resultado`` ``00`` ("Encontrada") when the invoice key is stored, not
  cancelled, and its ImporteTotal equals ``importe`` numerically (``241.4`` = ``241.40``);
  ``01`` ("No encontrada") otherwise, cancelled invoices included [QR v0.4.6]. The amount
  compared is that of the last accepted alta, so an accepted subsanación that changes
  ImporteTotal changes the answer;
- ``ValidarQRNoVerifactu``: ``02`` ("No contrastable"), since such records stay with the issuer;
- bad parameters: ``status`` ``KO`` with every code found joined by ``.`` in ``codigo_error``
  and ``mensaje`` (1001-1004 a missing parameter, 2001 NIF, 2002/2003 series number, 2004
  date, 2005/2006 amount), in the order of the parameters.

The reply echoes the parameters as received, with ``importe`` written with two decimals
(AEAT's example answers ``"241.40"`` to ``importe=241.4``).

Assumptions, since the AEAT documents none of this: every answer is HTTP 200 (errors are told
by ``status``), an empty parameter counts as missing, a repeated parameter is read at its first
occurrence (as a Java servlet's ``getParameter`` does), the JSON is always in Spanish (only the
page follows ``idioma``), an unknown ``idioma`` gives the Spanish page, and the daily limit
(3002) and technical errors (3001) are never answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from facturo.aeat_sandbox.cotejo_page import render_page
from facturo.aeat_sandbox.store import Store
from facturo.verifactu import nif as nif_rules
from facturo.verifactu.xml import parse_untrusted

PATH_QR: Final = "/wlpl/TIKE-CONT/ValidarQR"
PATH_QR_NO_VERIFACTU: Final = "/wlpl/TIKE-CONT/ValidarQRNoVerifactu"

Resultado = Literal["00", "01", "02"]

#: The four parameters, in the order the URL carries them and errors are reported [QR §6].
PARAMETERS: Final = ("nif", "numserie", "fecha", "importe")

#: AEAT's URL validation errors, word for word [QR §10; qr-examples.json].
ERRORS: Final[dict[str, str]] = {
    "1001": 'No se ha remitido el parámetro: nif (El parámetro "nif" es el número de '
    "identificación fiscal (NIF) del obligado a expedir la factura)",
    "1002": 'No se ha remitido el parámetro: numserie (El parámetro "numserie" es el número '
    "de serie y número de factura que identifica a la factura emitida)",
    "1003": 'No se ha remitido el parámetro: fecha (El parámetro "fecha" es la fecha de '
    "expedición de la factura)",
    "1004": 'No se ha remitido el parámetro: importe (El parámetro "importe" es el importe '
    "total de la factura)",
    "2001": "El NIF tiene un formato erróneo o no es válido",
    "2002": "El número de serie excede el número máximo de caracteres",
    "2003": "El número de serie contiene caracteres no permitidos",
    "2004": "La fecha de expedición tiene formato inválido y debe tener el formato DD-MM-AAAA",
    "2005": "El importe tiene un formato incorrecto",
    "2006": "El importe excede el número máximo de caracteres",
}

#: ``mensaje`` of each ``resultado`` in the JSON reply (v0.5.0 wording) [QR §9].
MENSAJES: Final[dict[Resultado, str]] = {
    "00": "Encontrada",
    "01": "No encontrada",
    "02": "No contrastable",
}

_MISSING: Final = dict(zip(PARAMETERS, ("1001", "1002", "1003", "1004"), strict=True))
_MAX_NUMSERIE: Final = 60
_FECHA: Final = re.compile(r"[0-9]{2}-[0-9]{2}-[0-9]{4}")
_IMPORTE: Final = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")
_MAX_INTEGER_DIGITS: Final = 12
_MAX_DECIMAL_DIGITS: Final = 2


@dataclass(frozen=True, slots=True)
class Cotejo:
    """One answered request: the parameters as read, and either a verdict or error codes."""

    params: dict[str, str]
    resultado: Resultado | None
    errors: tuple[str, ...]
    amount_differs: bool = False
    """The key is stored and not cancelled but ImporteTotal is another amount (a ``01``)."""

    @property
    def importe(self) -> str:
        """The requested amount with two decimals, as AEAT echoes it."""
        return f"{Decimal(self.params['importe']):.2f}"

    @property
    def messages(self) -> tuple[str, ...]:
        """AEAT's text for each error code, in the same order."""
        return tuple(ERRORS[code] for code in self.errors)

    def as_json(self) -> dict[str, Any]:
        """The body ``formato=json`` answers [QR §9]."""
        if self.resultado is None:
            return {
                "status": "KO",
                "mensaje": ".".join(self.messages),
                "visible": "S",
                "crashlytics": "N",
                "codigo_error": ".".join(self.errors),
            }
        return {
            "status": "OK",
            "mensaje": MENSAJES[self.resultado],
            "visible": "N",
            "crashlytics": "N",
            "respuesta": {
                "resultado": self.resultado,
                "nif": self.params["nif"],
                "numserie": self.params["numserie"],
                "fecha": self.params["fecha"],
                "importe": self.importe,
            },
        }


def read_params(query_string: bytes) -> dict[str, str]:
    """Every parameter at its first occurrence; values are UTF-8 [QR §4], ``+`` is a space.

    Bytes that are not UTF-8 become U+FFFD, which no parameter accepts.
    """
    params: dict[str, str] = {}
    pairs = parse_qsl(
        query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"
    )
    for name, value in pairs:
        params.setdefault(name, value)
    return params


def parameter_errors(params: dict[str, str]) -> tuple[str, ...]:
    """The error codes of the four parameters, in parameter order (empty when all are good)."""
    errors: list[str] = []
    for name in PARAMETERS:
        if not params.get(name):
            errors.append(_MISSING[name])
    nif = params.get("nif")
    if nif and not nif_rules.is_valid(nif):
        errors.append("2001")
    numserie = params.get("numserie")
    if numserie:
        if len(numserie) > _MAX_NUMSERIE:
            errors.append("2002")
        if any(not 32 <= ord(c) <= 126 for c in numserie):
            errors.append("2003")
    fecha = params.get("fecha")
    if fecha and not _valid_fecha(fecha):
        errors.append("2004")
    importe = params.get("importe")
    if importe:
        found = _IMPORTE.fullmatch(importe)
        if found is None:
            errors.append("2005")
        elif (
            len(found.group(1)) > _MAX_INTEGER_DIGITS
            or len(found.group(2) or "") > _MAX_DECIMAL_DIGITS
        ):
            errors.append("2006")
    return tuple(errors)


def _valid_fecha(value: str) -> bool:
    if _FECHA.fullmatch(value) is None:
        return False
    day, month, year = (int(part) for part in value.split("-"))
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _stored_importe(alta_xml: str) -> Decimal | None:
    importe = parse_untrusted(alta_xml.encode("utf-8")).findtext("{*}ImporteTotal")
    if importe is None:
        return None
    try:
        return Decimal(importe)
    except InvalidOperation:
        return None


def check(store: Store, params: dict[str, str], *, verifactu: bool) -> Cotejo:
    """The verdict on one request, from what the store holds now."""
    errors = parameter_errors(params)
    if errors:
        return Cotejo(params, None, errors)
    if not verifactu:
        return Cotejo(params, "02", ())
    with store.lock:
        stored = store.find(params["nif"], params["numserie"], params["fecha"])
        alta_xml = None if stored is None or stored.estado == "Anulado" else stored.alta_xml
    if alta_xml is None:
        return Cotejo(params, "01", ())
    if _stored_importe(alta_xml) != Decimal(params["importe"]):
        return Cotejo(params, "01", (), amount_differs=True)
    return Cotejo(params, "00", ())


def answer(store: Store, query_string: bytes, *, verifactu: bool) -> Response:
    """The HTTP reply: HTML for a scanned QR, JSON with ``formato=json``."""
    params = read_params(query_string)
    cotejo = check(store, params, verifactu=verifactu)
    if params.get("formato") == "json":
        return JSONResponse(cotejo.as_json())
    return HTMLResponse(render_page(cotejo, idioma=params.get("idioma", "")))


def cotejo_router(store: Store) -> APIRouter:
    """``GET`` on AEAT's two cotejo paths, over one store."""
    router = APIRouter()

    @router.get(PATH_QR, include_in_schema=False)
    def validar_qr(request: Request) -> Response:
        return answer(store, request.scope.get("query_string", b""), verifactu=True)

    @router.get(PATH_QR_NO_VERIFACTU, include_in_schema=False)
    def validar_qr_no_verifactu(request: Request) -> Response:
        return answer(store, request.scope.get("query_string", b""), verifactu=False)

    return router


__all__ = [
    "ERRORS",
    "MENSAJES",
    "PARAMETERS",
    "PATH_QR",
    "PATH_QR_NO_VERIFACTU",
    "Cotejo",
    "answer",
    "check",
    "cotejo_router",
    "parameter_errors",
    "read_params",
]
