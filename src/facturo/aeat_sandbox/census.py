"""The sandbox's census lookup (AEAT "VNifV2") and VIES check, served offline.

**Census (VNifV2).** AEAT's NIF check service answers, for each ``Contribuyente`` (``Nif`` and
``Nombre``) sent, whether the census identifies it. Its WSDL is not among the AEAT documents this
project keeps (``shared/data/verifactu/docs``), so the shape here is an emulation of the
published one: a SOAP 1.1 POST to ``/wlpl/BURT-JDIT/ws/VNifV2SOAP`` whose body is ``VNifV2Ent``
(namespace :data:`NS_ENT`) holding 1 to 10,000 ``Contribuyente``; the reply's ``VNifV2Sal``
(namespace :data:`NS_SAL`) repeats each with ``Resultado`` ``IDENTIFICADO`` or ``NO
IDENTIFICADO`` and the census name. The census is the sandbox's own NIF list (the one the
VERI*FACTU endpoints check for 4104/4107). Names are optional: a NIF with a registered name
answers that name, and for a natural person (a NIF starting with a digit or K, L, M, X, Y, Z) a
name that does not match loosely is NO IDENTIFICADO, as AEAT checks persons by name. A NIF with no
registered name answers the name it was asked with (an assumption: AEAT always knows the name).

**VIES.** The European Commission's REST check (``POST
/taxation_customs/vies/rest-api/check-vat-number`` with ``countryCode`` and ``vatNumber``),
answering ``valid`` from a configurable list; a number whose format or check digits are wrong
(python-stdnum) gets VIES's ``INVALID_INPUT`` error. The list starts empty.

Admin routes (like the rest of ``/admin``): ``GET|PUT|DELETE /admin/census/names/{nif}`` and
``GET|POST /admin/vies``, ``DELETE /admin/vies/{country}/{number}``.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, HTTPException, Path, Request, Response, status
from fastapi.responses import JSONResponse
from lxml import etree
from pydantic import BaseModel, Field
from stdnum.eu import vat as eu_vat

from facturo.aeat_sandbox.store import Store
from facturo.verifactu import nif as nif_rules
from facturo.verifactu.errors import UntrustedXmlError
from facturo.verifactu.names import names_match, normalise_name
from facturo.verifactu.xml import parse_untrusted

PATH_VNIF: Final = "/wlpl/BURT-JDIT/ws/VNifV2SOAP"
PATH_VIES: Final = "/taxation_customs/vies/rest-api/check-vat-number"
_BASE: Final = (
    "http://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat"
    "/burt/jdit/ws/"
)
NS_ENT: Final = _BASE + "VNifV2Ent.xsd"
NS_SAL: Final = _BASE + "VNifV2Sal.xsd"
NS_SOAP: Final = "http://schemas.xmlsoap.org/soap/envelope/"
IDENTIFIED: Final = "IDENTIFICADO"
NOT_IDENTIFIED: Final = "NO IDENTIFICADO"
MAX_CONTRIBUYENTES: Final = 10_000
_PERSON_FIRST: Final = frozenset("0123456789KLMXYZ")

NifPath = Annotated[str, Path(pattern=r"^[0-9A-Z]{9}$", description="A Spanish NIF")]


class CensusBook:
    """The names and VIES numbers the sandbox knows, beside the store's NIF census.

    Kept in memory only (the persisted store's format belongs to the VERI*FACTU sandbox).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.names: dict[str, str] = {}
        self.vies: dict[str, str] = {}  # "DE136695976" -> the trader's name

    def set_name(self, nif: str, name: str | None) -> None:
        with self.lock:
            if name is None:
                self.names.pop(nif, None)
            else:
                self.names[nif] = name

    def set_vies(self, number: str, name: str | None) -> None:
        with self.lock:
            if name is None:
                self.vies.pop(number, None)
            else:
                self.vies[number] = name


def identify(store: Store, book: CensusBook, nif: str, name: str) -> tuple[str, str]:
    """The census verdict for one contribuyente: ``(Resultado, Nombre)``."""
    with store.lock:
        present = nif in store.census
    with book.lock:
        known = book.names.get(nif)
    if not present:
        return NOT_IDENTIFIED, name
    if known is None:
        return IDENTIFIED, name
    if nif[:1] in _PERSON_FIRST and not names_match(name, known):
        return NOT_IDENTIFIED, name
    return IDENTIFIED, known


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _fault(message: str, *, client: bool = True) -> Response:
    envelope = etree.Element(_q(NS_SOAP, "Envelope"), nsmap={"env": NS_SOAP})
    body = etree.SubElement(envelope, _q(NS_SOAP, "Body"))
    fault = etree.SubElement(body, _q(NS_SOAP, "Fault"))
    etree.SubElement(fault, "faultcode").text = "env:Client" if client else "env:Server"
    etree.SubElement(fault, "faultstring").text = message
    return _xml(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"), 500)


def _xml(data: bytes, status_code: int = 200) -> Response:
    return Response(data, status_code=status_code, media_type="text/xml; charset=utf-8")


def _contribuyentes(data: bytes) -> list[tuple[str, str]]:
    """The (Nif, Nombre) pairs of a VNifV2Ent request; ValueError when it is not one."""
    root = parse_untrusted(data)
    if root.tag != _q(NS_SOAP, "Envelope"):
        raise ValueError("not a SOAP 1.1 envelope")
    request = root.find(f"{_q(NS_SOAP, 'Body')}/{_q(NS_ENT, 'VNifV2Ent')}")
    if request is None:
        raise ValueError("the body holds no VNifV2Ent")
    found = request.findall(_q(NS_ENT, "Contribuyente"))
    if not 1 <= len(found) <= MAX_CONTRIBUYENTES:
        raise ValueError(f"between 1 and {MAX_CONTRIBUYENTES} Contribuyente are allowed")
    pairs = []
    for item in found:
        nif = (item.findtext(_q(NS_ENT, "Nif")) or "").strip().upper()
        name = (item.findtext(_q(NS_ENT, "Nombre")) or "").strip()
        if not nif or len(nif) > 9:
            raise ValueError("each Contribuyente needs a Nif of at most 9 characters")
        pairs.append((nif, name))
    return pairs


def vnif_reply(store: Store, book: CensusBook, data: bytes) -> Response:
    """Answer one VNifV2 request body."""
    try:
        pairs = _contribuyentes(data)
    except (UntrustedXmlError, ValueError) as exc:
        return _fault(f"Petición incorrecta: {exc}")
    envelope = etree.Element(_q(NS_SOAP, "Envelope"), nsmap={"env": NS_SOAP, "VNifV2Sal": NS_SAL})
    body = etree.SubElement(envelope, _q(NS_SOAP, "Body"))
    reply = etree.SubElement(body, _q(NS_SAL, "VNifV2Sal"))
    for nif, name in pairs:
        resultado, nombre = identify(store, book, nif, name)
        item = etree.SubElement(reply, _q(NS_SAL, "Contribuyente"))
        etree.SubElement(item, _q(NS_SAL, "Nif")).text = nif
        etree.SubElement(item, _q(NS_SAL, "Nombre")).text = nombre
        etree.SubElement(item, _q(NS_SAL, "Resultado")).text = resultado
    return _xml(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


class ViesRequest(BaseModel):
    """The body of VIES's ``check-vat-number``."""

    countryCode: str = Field(min_length=2, max_length=2)  # noqa: N815 (VIES's own field names)
    vatNumber: str = Field(min_length=1, max_length=20)  # noqa: N815


class ViesEntry(BaseModel):
    """A VAT number the sandbox's VIES holds as valid."""

    country_code: str = Field(pattern=r"^[A-Z]{2}$")
    vat_number: str = Field(pattern=r"^[0-9A-Z+*]{2,14}$")
    name: str = Field(default="---", max_length=200)

    @property
    def number(self) -> str:
        return self.country_code + self.vat_number


class CensusName(BaseModel):
    """The name the census holds for a NIF."""

    name: str = Field(min_length=1, max_length=120)


def vies_reply(book: CensusBook, request: ViesRequest) -> JSONResponse:
    """VIES's answer for one number."""
    country = request.countryCode.upper()
    number = request.vatNumber.upper().replace(" ", "")
    if country == "GR":
        country = "EL"
    if not eu_vat.is_valid(country + number):
        return JSONResponse(
            {"actionSucceed": False, "errorWrappers": [{"error": "INVALID_INPUT"}]},
            status_code=status.HTTP_400_BAD_REQUEST,
        )
    with book.lock:
        name = book.vies.get(country + number)
    return JSONResponse(
        {
            "countryCode": country,
            "vatNumber": number,
            "requestDate": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "valid": name is not None,
            "requestIdentifier": "",
            "name": name if name is not None else "---",
            "address": "---",
        }
    )


def census_router(store: Store, book: CensusBook) -> APIRouter:
    """The VNifV2 and VIES endpoints and their admin routes, over one store and book."""
    router = APIRouter()

    @router.post(PATH_VNIF)
    async def vnif(request: Request) -> Response:
        data = await request.body()
        return vnif_reply(store, book, data)

    @router.post(PATH_VIES)
    def vies(request: ViesRequest) -> JSONResponse:
        return vies_reply(book, request)

    @router.get("/admin/census/names")
    def list_names() -> dict[str, dict[str, str]]:
        with book.lock:
            return {"names": dict(sorted(book.names.items()))}

    @router.put("/admin/census/names/{nif}")
    def set_name(nif: NifPath, body: CensusName) -> dict[str, str]:
        if not nif_rules.is_valid(nif):
            raise HTTPException(422, "the NIF control character is wrong")
        book.set_name(nif, body.name)
        return {"nif": nif, "name": body.name}

    @router.delete("/admin/census/names/{nif}")
    def remove_name(nif: NifPath) -> dict[str, str]:
        book.set_name(nif, None)
        return {"nif": nif}

    @router.get("/admin/vies")
    def list_vies() -> dict[str, Any]:
        with book.lock:
            return {"vies": dict(sorted(book.vies.items()))}

    @router.post("/admin/vies", status_code=status.HTTP_201_CREATED)
    def add_vies(entry: ViesEntry) -> dict[str, Any]:
        book.set_vies(entry.number, entry.name)
        return list_vies()

    @router.delete("/admin/vies/{country}/{number}")
    def remove_vies(country: str, number: str) -> dict[str, Any]:
        book.set_vies(country.upper() + number.upper(), None)
        return list_vies()

    return router


__all__ = [
    "IDENTIFIED",
    "NOT_IDENTIFIED",
    "NS_ENT",
    "NS_SAL",
    "PATH_VIES",
    "PATH_VNIF",
    "CensusBook",
    "census_router",
    "identify",
    "names_match",
    "normalise_name",
]
