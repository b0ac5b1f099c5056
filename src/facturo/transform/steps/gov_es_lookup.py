"""``gov-es.lookup.verify``: is the party's Spanish tax ID in the AEAT census?

Invopop's action (catalogue: "Verify that a Spanish tax ID (NIF/CIF) exists in the AEAT census.
For companies, this confirms the tax ID is valid. For individuals, it also verifies that the name
matches the tax ID on record.") runs first in the supplier registration workflow, so an issuer
AEAT does not know is stopped before any paperwork starts (and before AEAT would refuse its
records with 4104/4107).

Results (spec §5.2, ``DOCS:guides/es-lookup.mdx``):

- SKIP when the party is empty, has no tax ID, or the ID is not Spanish. With the config key
  ``vies: true`` an EU VAT number of another member state is checked with VIES instead of
  skipped (an extension: Invopop offers no VIES action id, and the template leaves it off).
- OK when the census identifies the NIF and, if it answers a name, that name matches the
  party's loosely (case, accents, punctuation and the legal form are ignored).
- KO ``invalid`` for a NIF whose format or control character is wrong (nothing is asked);
  KO ``not-found`` when the census does not identify it, with AEAT's code ``4107`` as a fault;
  KO ``name-mismatch`` when the census holds another name.
- ERR when the census service cannot be reached (retried by the step's policy).

The census is AEAT's NIF check service (VNifV2); :class:`CensusClient` speaks the shape the AEAT
sandbox serves (see :mod:`facturo.aeat_sandbox.census`, which says what is emulated).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import httpx
from lxml import etree
from pydantic import BaseModel, ConfigDict
from stdnum.eu import vat as eu_vat

from facturo.errors import Fault, NotFound, Unavailable
from facturo.silo import service as silo
from facturo.transform.engine.retry import RetryPolicy
from facturo.transform.steps.base import StepContext, StepResult, provider
from facturo.verifactu import nif as nif_rules
from facturo.verifactu.errors import UntrustedXmlError
from facturo.verifactu.names import names_match
from facturo.verifactu.xml import parse_untrusted

PROVIDER: Final = "gov-es"
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
NOT_IN_CENSUS: Final = "4107"
"""AEAT's code for "El NIF no está identificado en el censo de la AEAT." (errores.csv)."""
_MAX_REPLY: Final = 1_000_000

LOOKUP_RETRY = RetryPolicy(max_attempts=8, base=5.0, cap=600.0)
"""The census down: retry with backoff for about half an hour, then give up (KO)."""


class CensusUnavailable(Unavailable):
    """The AEAT census service could not be reached or gave no usable answer."""


@dataclass(frozen=True, slots=True)
class CensusAnswer:
    """What the census said of one NIF."""

    nif: str
    name: str
    identified: bool
    result: str


@dataclass(frozen=True, slots=True)
class ViesAnswer:
    """What VIES said of one VAT number."""

    country: str
    number: str
    valid: bool
    name: str


class CensusClient:
    """HTTP client of the census lookup (VNifV2) and VIES, both at one base URL.

    Self-hosted installations point it at the AEAT sandbox (which serves both offline); the base
    is the origin of the VERI*FACTU endpoint (:meth:`for_endpoint`).
    """

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    @classmethod
    def for_endpoint(cls, endpoint: str, *, timeout: float = 30.0) -> CensusClient:
        """A client at the origin of ``endpoint`` (e.g. the VERI*FACTU SOAP URL)."""
        url = httpx.URL(endpoint)
        return cls(str(url.copy_with(path="/", query=None, fragment=None)), timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def verify_nif(self, nif: str, name: str) -> CensusAnswer:
        """Ask the census about one NIF (and the name it should carry)."""
        try:
            reply = self._http.post(
                PATH_VNIF,
                content=_vnif_request(nif, name),
                headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
            )
        except httpx.HTTPError as exc:
            raise CensusUnavailable(f"the census service could not be reached: {exc}") from exc
        if reply.status_code != 200:
            raise CensusUnavailable(f"the census service answered HTTP {reply.status_code}")
        try:
            return _vnif_answer(reply.content, nif)
        except (UntrustedXmlError, ValueError) as exc:
            raise CensusUnavailable(f"the census service's reply is unusable: {exc}") from exc

    def check_vat(self, country: str, number: str) -> ViesAnswer:
        """Ask VIES whether an EU VAT number is valid (its format is checked before)."""
        try:
            reply = self._http.post(PATH_VIES, json={"countryCode": country, "vatNumber": number})
            body = reply.json() if reply.status_code in (200, 400) else None
        except (httpx.HTTPError, ValueError) as exc:
            raise CensusUnavailable(f"VIES could not be reached: {exc}") from exc
        if not isinstance(body, dict) or reply.status_code != 200:
            raise CensusUnavailable(f"VIES answered HTTP {reply.status_code}")
        name = str(body.get("name") or "")
        return ViesAnswer(country, number, bool(body.get("valid")), "" if name == "---" else name)


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _vnif_request(nif: str, name: str) -> bytes:
    envelope = etree.Element(_q(NS_SOAP, "Envelope"), nsmap={"soapenv": NS_SOAP, "vnif": NS_ENT})
    etree.SubElement(envelope, _q(NS_SOAP, "Header"))
    body = etree.SubElement(envelope, _q(NS_SOAP, "Body"))
    request = etree.SubElement(body, _q(NS_ENT, "VNifV2Ent"))
    item = etree.SubElement(request, _q(NS_ENT, "Contribuyente"))
    etree.SubElement(item, _q(NS_ENT, "Nif")).text = nif
    etree.SubElement(item, _q(NS_ENT, "Nombre")).text = name
    data: bytes = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    return data


def _vnif_answer(data: bytes, nif: str) -> CensusAnswer:
    root = parse_untrusted(data, max_bytes=_MAX_REPLY)
    reply = root.find(f"{_q(NS_SOAP, 'Body')}/{_q(NS_SAL, 'VNifV2Sal')}")
    if reply is None:
        raise ValueError("no VNifV2Sal in the reply")
    for item in reply.findall(_q(NS_SAL, "Contribuyente")):
        if (item.findtext(_q(NS_SAL, "Nif")) or "").strip().upper() == nif:
            result = (item.findtext(_q(NS_SAL, "Resultado")) or "").strip()
            name = (item.findtext(_q(NS_SAL, "Nombre")) or "").strip()
            return CensusAnswer(nif, name, result == IDENTIFIED, result)
    raise ValueError(f"the reply does not mention {nif}")


class LookupConfig(BaseModel):
    """``vies`` checks EU VAT numbers of other member states instead of skipping them."""

    model_config = ConfigDict(extra="forbid")

    vies: bool = False


@dataclass(frozen=True, slots=True)
class Party:
    """The party a step works on, and the JSON path its tax ID code is at."""

    data: dict[str, Any]
    path: str

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "")

    @property
    def tax_id(self) -> dict[str, Any]:
        raw = self.data.get("tax_id")
        return raw if isinstance(raw, dict) else {}

    @property
    def country(self) -> str:
        return str(self.tax_id.get("country") or "").strip().upper()

    @property
    def code(self) -> str:
        return str(self.tax_id.get("code") or "").strip().upper().replace(" ", "")

    @property
    def code_path(self) -> str:
        return f"{self.path}.tax_id.code"


def party_of(ctx: StepContext) -> Party | None:
    """The job entry's party: the document itself for ``org/party``, else its supplier."""
    if ctx.job.silo_entry_id is None:
        return None
    try:
        entry = silo.get_entry(
            ctx.uow, workspace_id=ctx.job.workspace_id, entry_id=ctx.job.silo_entry_id
        )
    except NotFound:
        return None
    doc = entry.data.get("doc")
    if not isinstance(doc, dict):
        return None
    if str(doc.get("$schema", "")).endswith("org/party"):
        # GOBL gives every document a uuid; a party with nothing else is empty.
        return Party({k: v for k, v in doc.items() if k not in ("$schema", "uuid")}, "$.doc")
    supplier = doc.get("supplier")
    return Party(supplier, "$.doc.supplier") if isinstance(supplier, dict) else None


def _verify_nif(ctx: StepContext, party: Party) -> StepResult:
    nif = party.code
    if not nif_rules.is_valid(nif):
        return StepResult.ko(
            "invalid", f"{nif!r} is not a valid Spanish NIF", paths=(party.code_path,)
        )
    try:
        answer = ctx.resources.get(CensusClient).verify_nif(nif, party.name)
    except CensusUnavailable as exc:
        return StepResult.err("census.unavailable", exc.detail)
    if not answer.identified:
        fault = Fault(
            NOT_IN_CENSUS,
            "El NIF no está identificado en el censo de la AEAT.",
            (party.code_path,),
            provider=PROVIDER,
        )
        return StepResult.ko(
            "not-found",
            f"NIF {nif} is not identified in the AEAT census ({answer.result or 'no result'})",
            paths=(party.code_path,),
            faults=(fault,),
        )
    if answer.name and party.name and not names_match(party.name, answer.name):
        return StepResult.ko(
            "name-mismatch",
            f"the AEAT census holds NIF {nif} under another name: {answer.name!r}",
            paths=(party.path + ".name",),
        )
    return StepResult.ok(message=f"NIF {nif} is identified in the AEAT census")


def _verify_vat(ctx: StepContext, party: Party) -> StepResult:
    country = "EL" if party.country == "GR" else party.country
    number = party.code.removeprefix(country)
    if not eu_vat.is_valid(country + number):
        return StepResult.ko(
            "invalid", f"{country}{number} is not a valid VAT number", paths=(party.code_path,)
        )
    try:
        answer = ctx.resources.get(CensusClient).check_vat(country, number)
    except CensusUnavailable as exc:
        return StepResult.err("vies.unavailable", exc.detail)
    if not answer.valid:
        return StepResult.ko(
            "not-found", f"VIES does not know {country}{number}", paths=(party.code_path,)
        )
    return StepResult.ok(message=f"VIES knows {country}{number}")


def vies_member(country: str) -> bool:
    """Whether ``country`` (ISO, or VIES's ``EL``) is an EU member state VIES covers."""
    code = country.lower()
    return code != "es" and ("gr" if code == "el" else code) in eu_vat.MEMBER_STATES


@provider("gov-es.lookup.verify", config=LookupConfig, retry=LOOKUP_RETRY, timeout=120.0)
def verify(ctx: StepContext, config: LookupConfig) -> StepResult:
    """Check the party's tax ID with the AEAT census (or VIES, when asked to)."""
    party = party_of(ctx)
    if party is None or not party.data:
        return StepResult.skip("empty", "there is no party to verify")
    if not party.code:
        return StepResult.skip("no-tax-id", "the party has no tax ID")
    if party.country == "ES":
        return _verify_nif(ctx, party)
    if config.vies and vies_member(party.country):
        return _verify_vat(ctx, party)
    return StepResult.skip("not-spanish", f"the tax ID is not Spanish ({party.country or '?'})")
