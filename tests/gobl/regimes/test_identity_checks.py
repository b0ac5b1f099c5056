"""Foreign tax ID checks, compared with python-stdnum and seen in builds and validation.

python-stdnum implements the same national algorithms, so thousands of drawn codes per country
are judged by both. Where the two agree on the algorithm the answers must be equal; where gobl
knowingly differs, the relation that must hold is asserted instead, with gobl's reason:

* gobl checks less: Cyprus has no check letter in gobl; Denmark, Romania and Slovakia accept a
  leading zero or any third digit (Slovak birth numbers, which stdnum also takes, are left out);
  France checks the key, not the SIREN's Luhn digit; Italy skips the office code; the
  Netherlands takes a remainder of 10 as a check digit 0.
* gobl checks more: Belgium and Malta want the one check value, not another with the same
  remainder; the UK accepts the classic and the 9755 checks but not stdnum's third; Hungary,
  Poland and Portugal check the first digits.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
import stdnum.at.uid
import stdnum.be.vat
import stdnum.ch.uid
import stdnum.cy.vat
import stdnum.cz.dic
import stdnum.de.vat
import stdnum.dk.cvr
import stdnum.ee.kmkr
import stdnum.fi.alv
import stdnum.fr.tva
import stdnum.gb.vat
import stdnum.gr.vat
import stdnum.hr.oib
import stdnum.hu.anum
import stdnum.ie.vat
import stdnum.it.iva
import stdnum.lt.pvm
import stdnum.lu.tva
import stdnum.lv.pvn
import stdnum.mt.vat
import stdnum.nl.btw
import stdnum.no.orgnr
import stdnum.pl.nip
import stdnum.pt.nif
import stdnum.ro.cf
import stdnum.se.vat
import stdnum.si.ddv
import stdnum.sk.dph
import stdnum.sk.rc

from facturo.gobl import GoblError, build
from facturo.gobl.calculate import calculate_typed
from facturo.gobl.regimes.identity_checks import CHECKS, code_fault
from facturo.gobl.rules.clean_invoice import is_clean
from facturo.gobl.schema.codec import decode_document
from facturo.gobl.validate import rule_faults, typed_faults

from ..samples import U, verifactu_invoice

Draw = Callable[[random.Random], str]
cy = stdnum.cy.vat.is_valid
rc = stdnum.sk.rc.is_valid  # a birth number, which stdnum takes as a Slovak VAT code and gobl not


def _d(n: int, first: str = "0123456789") -> Draw:
    return lambda r: r.choice(first) + "".join(r.choice("0123456789") for _ in range(n - 1))


def _ie(r: random.Random) -> str:
    return _d(7)(r) + r.choice("ABCDEFGHIJKLMNOPQRSTUVW") + r.choice(["", "A", "H"])


def _lt(r: random.Random) -> str:
    return _d(7)(r) + "1" + _d(1)(r) if r.random() < 0.5 else _d(10)(r) + "1" + _d(1)(r)


# country -> (a drawn code of the country's shape, stdnum's answer, the relation that holds)
CASES: dict[str, tuple[Draw, Callable[[str], Any], str]] = {
    "AT": (lambda r: "U" + _d(8)(r), stdnum.at.uid.is_valid, "equal"),
    "CH": (lambda r: "E" + _d(9)(r), lambda c: stdnum.ch.uid.is_valid("CHE" + c[1:]), "equal"),
    "DE": (_d(9), stdnum.de.vat.is_valid, "equal"),
    "EE": (_d(9), stdnum.ee.kmkr.is_valid, "equal"),
    "EL": (_d(9), stdnum.gr.vat.is_valid, "equal"),
    "FI": (_d(8), stdnum.fi.alv.is_valid, "equal"),
    "HR": (_d(11), stdnum.hr.oib.is_valid, "equal"),
    "IE": (_ie, stdnum.ie.vat.is_valid, "equal"),
    "LT": (_lt, stdnum.lt.pvm.is_valid, "equal"),
    "LU": (_d(8), stdnum.lu.tva.is_valid, "equal"),
    "LV": (_d(11, "456789"), stdnum.lv.pvn.is_valid, "equal"),
    "NO": (_d(9), stdnum.no.orgnr.is_valid, "equal"),
    "SE": (lambda r: _d(10)(r) + "01", stdnum.se.vat.is_valid, "equal"),
    "SI": (_d(8), stdnum.si.ddv.is_valid, "equal"),
    "CY": (lambda r: _d(r.choice([7, 8]))(r) + r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ"), cy, ">="),
    "CZ": (_d(8), stdnum.cz.dic.is_valid, ">="),
    "DK": (_d(8), stdnum.dk.cvr.is_valid, ">="),
    "FR": (_d(11), stdnum.fr.tva.is_valid, ">="),
    "IT": (_d(11), stdnum.it.iva.is_valid, ">="),
    "NL": (lambda r: _d(9)(r) + "B" + _d(2)(r), stdnum.nl.btw.is_valid, ">="),
    "RO": (lambda r: _d(r.randint(2, 10))(r), stdnum.ro.cf.is_valid, ">="),
    "SK": (_d(10, "123456789"), lambda c: stdnum.sk.dph.is_valid(c) and not rc(c), ">="),
    "BE": (lambda r: r.choice("01") + _d(9)(r), stdnum.be.vat.is_valid, "<="),
    "GB": (lambda r: _d(r.choice([9, 12]))(r), stdnum.gb.vat.is_valid, "<="),
    "HU": (_d(8), stdnum.hu.anum.is_valid, "<="),
    "MT": (_d(8, "123456789"), stdnum.mt.vat.is_valid, "<="),
    "PL": (_d(10), stdnum.pl.nip.is_valid, "<="),
    "PT": (_d(9), stdnum.pt.nif.is_valid, "<="),
}


def test_every_checked_country_is_compared() -> None:
    assert set(CASES) == set(CHECKS)


@pytest.mark.parametrize("country", sorted(CASES))
def test_check_agrees_with_stdnum(country: str) -> None:
    draw, theirs, relation = CASES[country]
    r = random.Random(country)
    ours_valid = 0
    for _ in range(3000):
        code = draw(r)
        ours, std = code_fault(country, code) is None, bool(theirs(code))
        ours_valid += ours
        if relation == "equal":
            assert ours == std, code
        elif relation == ">=":  # gobl checks less: what stdnum accepts, gobl accepts
            assert ours or not std, code
        else:  # gobl checks more: what gobl accepts, stdnum accepts
            assert std or not ours, code
    assert 0 < ours_valid < 3000  # the draws reach both answers


@pytest.mark.parametrize(
    ("country", "code", "rule"),
    [
        ("FR", "39356000000", None),
        ("FR", "38356000000", "GOBL-FR-TAX-IDENTITY-01"),
        ("FR", "356000000", "GOBL-FR-TAX-IDENTITY-01"),  # a SIREN normalization did not take
        ("DE", "111111125", None),
        ("DE", "111111126", "GOBL-DE-TAX-IDENTITY-01"),
        ("NL", "000099998B57", None),  # a sole trader's code: the mod-97 form
        ("EL", "094014298", None),
        ("EL", "094014299", "GOBL-GR-TAX-IDENTITY-01"),
        ("GB", "GD001", None),
        ("GB", "GD500", "GOBL-GB-TAX-IDENTITY-01"),
        ("GB", "HA500", None),
        ("GB", "000000000", "GOBL-GB-TAX-IDENTITY-02"),
        ("GB", "980780684", None),
        ("GB", "980780685", "GOBL-GB-TAX-IDENTITY-03"),
        ("LT", "119511515", None),
        ("LT", "119511516", "GOBL-LT-TAX-IDENTITY-02"),
        ("LT", "11951151", "GOBL-LT-TAX-IDENTITY-01"),
        ("US", "anything", None),  # no regime check here
        ("CZ", "123456789", None),  # nine digits carry no check digit
    ],
)
def test_rule_of_a_code(country: str, code: str, rule: str | None) -> None:
    fault = code_fault(country, code)
    assert (fault[0] if fault else None) == rule


def _build(customer_tid: dict[str, str]) -> Any:
    doc = verifactu_invoice()
    del doc["$addons"]
    doc["customer"] = {"name": "Client", "tax_id": customer_tid}
    return build(doc, uuid_factory=lambda: U)


def test_a_build_refuses_a_foreign_code_its_regime_refuses() -> None:
    with pytest.raises(GoblError) as err:
        _build({"country": "DE", "code": "DE 111 111 126"})
    faults = [(f.code, f.paths) for f in err.value.faults]
    assert faults == [("GOBL-DE-TAX-IDENTITY-01", ("$.doc.customer.tax_id.code",))]
    assert _build({"country": "DE", "code": "DE 111 111 125"}).doc["customer"]["tax_id"] == {
        "country": "DE",
        "code": "111111125",
    }


def test_every_tax_id_of_an_invoice_is_checked_by_its_country() -> None:
    """A Spanish code on an ordering party is checked too, not only on supplier and customer."""
    doc = verifactu_invoice()
    doc["ordering"] = {
        "seller": {"name": "Other", "tax_id": {"country": "ES", "code": "B98602643"}}
    }
    doc["lines"][0]["seller"] = {"name": "Seller", "tax_id": {"country": "FR", "code": "1"}}
    with pytest.raises(GoblError) as err:
        build(doc, uuid_factory=lambda: U)
    faults = {f.code: f.paths for f in err.value.faults}
    assert faults["GOBL-ES-TAX-IDENTITY-01"] == ("$.doc.ordering.seller.tax_id.code",)
    assert faults["GOBL-FR-TAX-IDENTITY-01"] == ("$.doc.lines[0].seller.tax_id.code",)


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("FR", "39356000000"),
        ("FR", "38356000000"),
        ("DE", "111111125"),
        ("DE", "111111126"),
        ("NL", "000099998B57"),
        ("NL", "000099998B58"),
        ("GB", "000000000"),
        ("PT", "501964843"),
        ("PT", "501964844"),
        ("US", "123"),
    ],
)
def test_one_pass_validation_gives_the_general_answer(country: str, code: str) -> None:
    """:func:`is_clean` reads the customer's tax ID itself: it must see the same checks."""
    doc = verifactu_invoice()
    del doc["$addons"]
    doc["customer"] = {"name": "Client", "tax_id": {"country": country, "code": code}}
    typed = decode_document(doc)
    calculate_typed(typed)
    general = rule_faults(typed)
    assert is_clean(typed) == (not general)
    assert typed_faults(typed) == general
