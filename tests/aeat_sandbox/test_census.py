"""The sandbox's census lookup (VNifV2 shape) and VIES check, over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lxml import etree

from facturo.aeat_sandbox.census import NS_ENT, NS_SAL, PATH_VIES, PATH_VNIF
from facturo.aeat_sandbox.testing import SandboxHandle, running_sandbox

COMPANY = "B87654323"
PERSON = "12345678Z"
UNKNOWN = "A58818501"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(census=[COMPANY, PERSON]) as handle:
        yield handle


def vnif(url: str, *pairs: tuple[str, str]) -> httpx.Response:
    items = "".join(
        f"<v:Contribuyente><v:Nif>{nif}</v:Nif><v:Nombre>{name}</v:Nombre></v:Contribuyente>"
        for nif, name in pairs
    )
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP}" xmlns:v="{NS_ENT}">'
        f"<s:Body><v:VNifV2Ent>{items}</v:VNifV2Ent></s:Body></s:Envelope>"
    )
    return httpx.post(url + PATH_VNIF, content=body.encode(), timeout=10)


def answers(response: httpx.Response) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    return [
        (
            item.findtext(f"{{{NS_SAL}}}Nif") or "",
            item.findtext(f"{{{NS_SAL}}}Nombre") or "",
            item.findtext(f"{{{NS_SAL}}}Resultado") or "",
        )
        for item in root.iter(f"{{{NS_SAL}}}Contribuyente")
    ]


def test_the_census_identifies_its_nifs_one_by_one(sandbox: SandboxHandle) -> None:
    reply = vnif(sandbox.url, (COMPANY, "Empresa SL"), (UNKNOWN, "Otra SA"))
    assert answers(reply) == [
        (COMPANY, "Empresa SL", "IDENTIFICADO"),
        (UNKNOWN, "Otra SA", "NO IDENTIFICADO"),
    ]


def test_census_changes_through_the_admin_api_apply_at_once(sandbox: SandboxHandle) -> None:
    sandbox.add_census(UNKNOWN)
    assert answers(vnif(sandbox.url, (UNKNOWN, "X")))[0][2] == "IDENTIFICADO"
    sandbox.remove_census(UNKNOWN)
    assert answers(vnif(sandbox.url, (UNKNOWN, "X")))[0][2] == "NO IDENTIFICADO"


def test_a_known_name_is_answered_and_checked_for_persons(sandbox: SandboxHandle) -> None:
    with httpx.Client(base_url=sandbox.url + "/admin", timeout=10) as admin:
        assert_names(admin, sandbox)


def assert_names(admin: httpx.Client, sandbox: SandboxHandle) -> None:
    assert admin.put(f"/census/names/{COMPANY}", json={"name": "EMPRESA REAL SL"}).is_success
    assert admin.put(f"/census/names/{PERSON}", json={"name": "GARCÍA LÓPEZ ANA"}).is_success
    assert answers(vnif(sandbox.url, (COMPANY, "Nombre comercial"))) == [
        (COMPANY, "EMPRESA REAL SL", "IDENTIFICADO")
    ]
    assert answers(vnif(sandbox.url, (PERSON, "garcia lopez ana"))) == [
        (PERSON, "GARCÍA LÓPEZ ANA", "IDENTIFICADO")
    ]
    assert answers(vnif(sandbox.url, (PERSON, "Pérez Ruiz Juan")))[0][2] == "NO IDENTIFICADO"
    assert admin.get("/census/names").json()["names"][PERSON] == "GARCÍA LÓPEZ ANA"
    assert admin.put("/census/names/B87654320", json={"name": "x"}).status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        b"not xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        f'<s:Envelope xmlns:s="{SOAP}"><s:Body/></s:Envelope>'.encode(),
    ],
)
def test_a_bad_request_is_a_soap_client_fault(sandbox: SandboxHandle, body: bytes) -> None:
    reply = httpx.post(sandbox.url + PATH_VNIF, content=body, timeout=10)
    assert reply.status_code == 500
    root = etree.fromstring(reply.content)
    assert root.findtext(f".//{{{SOAP}}}Fault/faultcode") == "env:Client"


def test_vies_answers_from_its_list(sandbox: SandboxHandle) -> None:
    with httpx.Client(base_url=sandbox.url + "/admin", timeout=10) as admin:
        assert_vies(admin, sandbox)


def assert_vies(admin: httpx.Client, sandbox: SandboxHandle) -> None:
    entry = {"country_code": "DE", "vat_number": "136695976", "name": "Musterfirma GmbH"}
    assert admin.post("/vies", json=entry).status_code == 201

    def check(country: str, number: str) -> httpx.Response:
        body = {"countryCode": country, "vatNumber": number}
        return httpx.post(sandbox.url + PATH_VIES, json=body, timeout=10)

    known = check("DE", "136695976").json()
    assert (known["valid"], known["name"], known["countryCode"]) == (
        True,
        "Musterfirma GmbH",
        "DE",
    )
    assert check("FR", "40303265045").json()["valid"] is False
    wrong = check("DE", "136695977")
    assert wrong.status_code == 400
    assert wrong.json()["errorWrappers"] == [{"error": "INVALID_INPUT"}]

    assert admin.delete("/vies/DE/136695976").json() == {"vies": {}}
    assert check("DE", "136695976").json()["valid"] is False
