"""Tax ID codes normalized by their own country's regime, in a build and alone.

The French row is gobl's own: its example of a Spanish invoice to a French customer gives the
customer's SIREN ``356000000`` as the VAT code ``39356000000``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from facturo.gobl import build
from facturo.gobl.regimes.identity_codes import normalize_code
from facturo.gobl.regimes.identity_common import go_upper, luhn_check_digit

from ..samples import U, verifactu_invoice


@pytest.mark.parametrize(
    ("country", "given", "normalized"),
    [
        # the common normalizer: upper-case, separators out, own country prefix trimmed once
        ("DE", "DE 123-456.789", "123456789"),
        ("DE", "de123456789", "123456789"),
        ("DE", "DEDE123", "DE123"),
        ("NL", "nl 1234.56.789.B01", "123456789B01"),
        ("PT", "PT 501 964 843", "501964843"),
        ("IT", "IT-01234567890", "01234567890"),
        ("AT", "ATU 1234 5678", "U12345678"),
        ("ZZ", "zz-12/34", "1234"),  # a country without a regime gets the common one
        ("DE", "123ß4É", "1234"),  # Go keeps ß as it is (then dropped), É is not A-Z
        ("DE", "A&B Ñ1", "A&BÑ1"),  # the characters a code may hold
        ("", "ab-1", "AB1"),
        # France: a SIREN or SIRET with a good Luhn digit becomes the VAT code
        ("FR", "356000000", "39356000000"),
        ("FR", "356 000 000 00048", "39356000000"),
        ("FR", "FR 39 356 000 000", "39356000000"),
        ("FR", "356000001", "356000001"),  # bad Luhn digit: left for validation
        ("FR", "", ""),
        # regimes with a step of their own
        ("CH", "CHE-123.456.789 MWST", "E123456789"),
        ("CH", "CHE-123.456.789 TVA", "E123456789"),
        ("NO", "NO 923 609 016 MVA", "923609016"),
        ("GB", "GB 123 4567 89", "123456789"),
        ("XI", "XI123456789", "123456789"),
        ("GB", "XI123456789", "123456789"),
        ("EL", "EL 094014298", "094014298"),
        ("GR", "GR094014298", "094014298"),
        ("HU", "13895459-2-41", "13895459"),
        ("HU", "HU13895459", "13895459"),
        ("IN", "IN 27AAPFU0939F1ZV", "27AAPFU0939F1ZV"),
        ("MX", "mx xaxx-010101-000", "XAXX010101000"),
        ("MX", "MX&ÑA010101AB1", "&ÑA010101AB1"),
        ("MX", "MXZ", "MXZ"),  # what is left is no RFC: the prefix stays
        ("MY", " c 2584563202 ", "C2584563202"),
        ("MY", "IG1150-12345678-001", "IG1150-12345678-001"),
        ("PA", "PA-8-888-8888-12", "8-888-8888-12"),
        ("US", "12-3456789", "12-3456789"),  # no normalizer in the US regime
        ("ES", "es b-98602642", "B98602642"),
        ("ES", "3157928M", "03157928M"),
    ],
)
def test_code_normalized_by_its_country(country: str, given: str, normalized: str) -> None:
    assert normalize_code(given, country) == normalized


@pytest.mark.parametrize(
    ("number", "digit"), [("35600000", "0"), ("73282932", "0"), ("7992739871", "3"), ("0", "0")]
)
def test_luhn_check_digit(number: str, digit: str) -> None:
    assert luhn_check_digit(number) == digit


def test_go_upper_maps_one_character_to_one() -> None:
    assert go_upper("añb") == "AÑB"
    assert go_upper("ß") == "ß"
    assert go_upper("ŉ") == "ŉ"  # its upper case is two characters in Python


def _built(doc: dict[str, Any]) -> dict[str, Any]:
    return build(doc, uuid_factory=lambda: U).doc


def test_french_customer_siren_becomes_its_vat_code_in_a_build() -> None:
    doc = verifactu_invoice()
    del doc["$addons"]
    doc["customer"] = {"name": "Client SA", "tax_id": {"country": "FR", "code": "356 000 000"}}
    assert _built(doc)["customer"]["tax_id"] == {"country": "FR", "code": "39356000000"}


def test_greek_identity_is_named_el() -> None:
    doc = verifactu_invoice()
    del doc["$addons"]
    doc["customer"] = {"name": "Pelatis", "tax_id": {"country": "GR", "code": "GR094014298"}}
    assert _built(doc)["customer"]["tax_id"] == {"country": "EL", "code": "094014298"}


def test_every_party_of_an_invoice_is_normalized() -> None:
    """Not only the supplier and the customer: ordering, payment, delivery and line parties."""
    doc = verifactu_invoice()
    messy = {"name": "  Other S.L. ", "tax_id": {"country": "ES", "code": "es b-98602642"}}
    clean = {"name": "Other S.L.", "tax_id": {"country": "ES", "code": "B98602642"}}
    doc["ordering"] = {"seller": copy.deepcopy(messy), "issuer": copy.deepcopy(messy)}
    doc["payment"] = {"payee": copy.deepcopy(messy)}
    doc["delivery"] = {"receiver": copy.deepcopy(messy)}
    doc["lines"][0]["seller"] = copy.deepcopy(messy)
    out = _built(doc)
    assert out["ordering"]["seller"] == clean
    assert out["ordering"]["issuer"] == clean
    assert out["payment"]["payee"] == clean
    assert out["delivery"]["receiver"] == clean
    assert out["lines"][0]["seller"] == clean
