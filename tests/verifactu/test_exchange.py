"""Invoices in another currency become records in euros, converted the way gobl converts them.

Expected figures are worked out by hand from gobl's rule (bill/invoice_convert.go): each price
gets two more decimals, is multiplied by the rate keeping that exponent (half away from zero),
and the invoice is calculated again in EUR.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

import pytest

from facturo.gobl import calculate
from facturo.gobl.num import Amount
from facturo.verifactu import records as r
from facturo.verifactu import xml
from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.exchange import convert_into_eur, match_rate
from facturo.verifactu.from_gobl import alta_from_gobl
from facturo.verifactu.messages import Cabecera, Persona

from .conftest import CET, DATA

NOW = datetime(2025, 7, 10, 12, 0, 0, tzinfo=CET)
USD_EUR = {"from": "USD", "to": "EUR", "amount": "0.875967"}


def usd_invoice(rates: list[dict[str, str]], **line0_item: Any) -> dict[str, Any]:
    """The F1 example (two lines: 20 h at 90.00 less 10 %, 1 at 10.00) issued in USD."""
    env = json.loads((DATA / "gobl" / "invoice-es-es-verifactu.json").read_text("utf-8"))
    doc = copy.deepcopy(env["doc"])
    doc["currency"] = "USD"
    doc["exchange_rates"] = rates
    doc["lines"][0]["item"].update(line0_item)
    del doc["totals"]
    return {"doc": calculate(doc)}


def faults_of(env: dict[str, Any], sif: r.SistemaInformatico) -> set[tuple[str, str]]:
    with pytest.raises(RecordInvalid) as exc:
        alta_from_gobl(env, sistema=sif, previous=None, now=NOW)
    return {(f.code, path) for f in exc.value.faults for path in f.paths}


def test_usd_invoice_with_a_rate_becomes_a_record_in_euros(sif: r.SistemaInformatico) -> None:
    env = usd_invoice([USD_EUR])
    assert env["doc"]["totals"]["total_with_tax"] == "1970.20"  # in USD
    alta = alta_from_gobl(env, sistema=sif, previous=None, now=NOW)
    # 90.00 -> 90.0000 x 0.875967 = 78.83703 -> 78.8370; x 20 = 1576.7400; less 10 % (157.6740)
    # = 1419.0660; VAT 21 % of it = 297.99386 -> 298.00.  10.00 -> 8.75967 -> 8.7597 -> 8.76.
    standard, zero = alta.desglose
    assert (standard.base_text, standard.tipo_impositivo_text, standard.cuota_text) == (
        "1419.07",
        "21",
        "298.00",
    )
    assert (zero.base_text, zero.cuota_text) == ("8.76", "0.00")
    assert (alta.cuota_total_text, alta.importe_total_text) == ("298.00", "1725.83")
    # the key and the chain do not depend on the currency
    assert alta.id_factura == r.IDFactura(
        "B98602642", "SAMPLE-004", alta.id_factura.fecha_expedicion_factura
    )
    cab = Cabecera(Persona(alta.nombre_razon_emisor, alta.id_factura.id_emisor_factura))
    xml.validate(xml.reg_factu_xml(cab, [alta]))


def test_a_price_the_item_states_in_euros_wins_over_the_rate(sif: r.SistemaInformatico) -> None:
    # The first item is priced 90.00 EUR with a USD alternative of 100.00: in the USD invoice it
    # costs 100.00 USD and keeps 90.00 EUR as its alternative, which the conversion takes back.
    env = usd_invoice(
        [USD_EUR], currency="EUR", alt_prices=[{"currency": "USD", "value": "100.00"}]
    )
    assert env["doc"]["lines"][0]["item"]["price"] == "100.00"
    alta = alta_from_gobl(env, sistema=sif, previous=None, now=NOW)
    standard, zero = alta.desglose
    assert (standard.base_text, standard.cuota_text) == ("1620.00", "340.20")
    assert (zero.base_text, zero.cuota_text) == ("8.76", "0.00")
    assert (alta.cuota_total_text, alta.importe_total_text) == ("340.20", "1968.96")


def test_no_rate_into_euros_is_a_fault_on_the_currency(sif: r.SistemaInformatico) -> None:
    assert ("GOBL-ES-VERIFACTU-BILL-INVOICE-16", "$.currency") in faults_of(usd_invoice([]), sif)
    # a rate for another pair (or the inverse direction) does not convert into EUR
    other = [
        {"from": "EUR", "to": "USD", "amount": "1.14"},
        {"from": "MXN", "to": "USD", "amount": "0.059"},
    ]
    assert ("GOBL-ES-VERIFACTU-BILL-INVOICE-16", "$.currency") in faults_of(usd_invoice(other), sif)


@pytest.mark.parametrize("amount", ["0", "-0.9", "abc"])
def test_a_rate_that_is_not_a_positive_decimal_is_a_fault_with_its_path(
    amount: str, sif: r.SistemaInformatico
) -> None:
    env = usd_invoice([USD_EUR])
    env["doc"]["exchange_rates"] = [
        {"from": "MXN", "to": "EUR", "amount": "0.05"},
        {**USD_EUR, "amount": amount},
    ]
    assert faults_of(env, sif) == {("VERIFACTU-AMOUNT-01", "$.exchange_rates[1].amount")}


def test_the_first_matching_rate_is_used() -> None:
    doc = {
        "currency": "USD",
        "exchange_rates": [
            {"from": "MXN", "to": "EUR", "amount": "0.05"},
            {"from": "USD", "to": "EUR", "amount": "0.9"},
            {"from": "USD", "to": "EUR", "amount": "0.8"},
        ],
    }
    assert match_rate(doc) == (1, doc["exchange_rates"][1])
    assert match_rate({"currency": "EUR"}) is None
    assert match_rate({}) is None


def test_document_charges_outlays_and_advances_are_exchanged() -> None:
    env = usd_invoice([USD_EUR])
    doc = copy.deepcopy(env["doc"])
    doc["charges"] = [
        {"reason": "Shipping", "amount": "10.00", "taxes": [{"cat": "VAT", "rate": "general"}]}
    ]
    doc["payment"] = {"advances": [{"description": "Deposit", "amount": "100.00"}]}
    eur = convert_into_eur(calculate(doc), Amount.parse("0.875967"))
    assert eur["currency"] == "EUR"
    # 10.00 -> 10.0000 x 0.875967 = 8.75967 -> 8.7597, which the calculation rounds to cents
    assert eur["charges"][0]["amount"] == "8.76"
    # advances go back to their own decimals: 100.0000 x 0.875967 = 87.5967 -> 87.60
    assert eur["payment"]["advances"][0]["amount"] == "87.60"
    # original USD prices are kept as alternatives, as gobl does
    assert eur["lines"][1]["item"]["alt_prices"] == [{"currency": "USD", "value": "10.00"}]
    # the input is not modified
    assert doc["currency"] == "USD"
