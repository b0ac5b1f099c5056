"""GOBL envelope → record: every verifactu example builds a valid record; rules and faults."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facturo.verifactu import from_gobl, xml
from facturo.verifactu import records as r
from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.from_gobl import alta_from_gobl, anulacion_from_gobl, invoice_key
from facturo.verifactu.history import (
    AltaFlags,
    AnulacionFlags,
    Attempt,
    TipoOperacion,
    alta_flags,
    anulacion_flags,
)
from facturo.verifactu.messages import Cabecera, Persona
from facturo.verifactu.replies import EstadoRegistro

from .conftest import CET, DATA, gobl_examples

NOW = datetime(2025, 7, 10, 12, 0, 0, tzinfo=CET)
D = Decimal


def envelope(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "gobl" / name).read_text(encoding="utf-8"))
    return data


def doc_of(env: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = env.get("doc", env)
    return doc


def build(env: dict[str, Any], sif: r.SistemaInformatico, **kw: Any) -> r.RegistroAlta:
    alta = alta_from_gobl(env, sistema=sif, previous=kw.pop("previous", None), now=NOW, **kw)
    cab = Cabecera(Persona(alta.nombre_razon_emisor, alta.id_factura.id_emisor_factura))
    xml.validate(xml.reg_factu_xml(cab, [alta]))
    return alta


@pytest.mark.parametrize("path", gobl_examples(), ids=lambda p: Path(p).stem)
def test_every_example_builds_a_valid_record(path: Path, sif: r.SistemaInformatico) -> None:
    env = json.loads(path.read_text(encoding="utf-8"))
    alta = build(env, sif)
    doc = doc_of(env)
    assert alta.tipo_factura.value == doc["tax"]["ext"]["es-verifactu-doc-type"]
    assert alta.id_factura.id_emisor_factura == doc["supplier"]["tax_id"]["code"]
    # The totals the AEAT checks [VAL 16-17]: cuota = Σ lines, importe = Σ base + cuota.
    assert alta.cuota_total == sum(line.cuota_total for line in alta.desglose)
    bases = sum(line.base_imponible_o_importe_no_sujeto for line in alta.desglose)
    assert alta.importe_total == bases + alta.cuota_total
    sign = -1 if doc["type"] == "credit-note" else 1
    assert alta.importe_total == sign * D(doc["totals"]["total_with_tax"])


def test_f1_example_in_detail(sif: r.SistemaInformatico) -> None:
    alta = build(envelope("invoice-es-es-verifactu.json"), sif)
    assert alta.id_factura == r.IDFactura("B98602642", "SAMPLE-004", date(2024, 12, 4))
    assert alta.descripcion_operacion == "Random invoice"
    assert alta.destinatarios == (r.PersonaFisicaJuridica("Sample Consumer", nif="54387763P"),)
    standard, zero = alta.desglose
    assert (standard.tipo_impositivo_text, standard.base_text, standard.cuota_text) == (
        "21",
        "1620.00",
        "340.20",
    )
    assert (zero.calificacion_operacion, zero.tipo_impositivo_text, zero.cuota_text) == (
        "S1",
        "0",
        "0.00",
    )
    assert (alta.cuota_total_text, alta.importe_total_text) == ("340.20", "1970.20")
    assert alta.primer_registro
    assert not alta.subsanacion


def test_n2_example_sends_foreign_customer_as_idotro(sif: r.SistemaInformatico) -> None:
    alta = build(envelope("invoice-es-es-verifactu-N2.json"), sif)
    (customer,) = alta.destinatarios
    assert customer.id_otro == r.IDOtro(r.IDType.DOC_OFICIAL_RESIDENCIA, "1234567890", "US")
    (line,) = alta.desglose
    assert (line.calificacion_operacion, line.tipo_impositivo, line.cuota_repercutida) == (
        "N2",
        None,
        None,
    )


def test_credit_note_is_sent_as_a_negative_difference(sif: r.SistemaInformatico) -> None:
    alta = build(envelope("invoice-es-es-verifactu-credit-note-no-preceding.json"), sif)
    assert alta.tipo_factura is r.TipoFactura.R1
    assert alta.tipo_rectificativa is r.TipoRectificativa.DIFERENCIAS
    assert alta.facturas_rectificadas == ()
    assert alta.importe_total_text == "-1970.20"
    assert alta.desglose[0].base_text == "-1620.00"
    assert alta.importe_rectificacion is None
    assert alta.descripcion_operacion  # no general note: falls back to the item names


def test_replacement_lists_the_substituted_invoices(sif: r.SistemaInformatico) -> None:
    alta = build(envelope("invoice-es-es-verifactu-replacement.json"), sif)
    assert alta.tipo_factura is r.TipoFactura.F3
    assert alta.facturas_sustituidas == (r.IDFactura("B98602642", "SAMPLE-003", date(2025, 7, 1)),)


def test_simplified_invoice_has_no_recipients(sif: r.SistemaInformatico) -> None:
    alta = build(envelope("invoice-es-es-verifactu-simplified-with-customer.json"), sif)
    assert alta.tipo_factura is r.TipoFactura.F2
    assert alta.destinatarios == ()


def test_chained_record_carries_the_previous_key_and_huella(sif: r.SistemaInformatico) -> None:
    first = build(envelope("invoice-es-es-verifactu.json"), sif)
    second = build(
        envelope("es-verifactu-b2b-invoice.built.json"), sif, previous=first.as_anterior()
    )
    assert second.registro_anterior == r.RegistroAnterior(first.id_factura, first.huella)
    assert dict(second.hash_pairs())["Huella"] == first.huella
    assert r.check_chain([first, second]) == []


def corrective(doc_type: str, correction: str, **changes: Any) -> dict[str, Any]:
    env = copy.deepcopy(envelope("invoice-es-es-verifactu.json"))
    doc = env["doc"]
    doc["type"] = "corrective" if correction == "S" else "credit-note"
    doc["tax"]["ext"] = {
        "es-verifactu-doc-type": doc_type,
        "es-verifactu-correction-type": correction,
    }
    doc["preceding"] = [
        {
            "type": "invoice",
            "issue_date": "2024-11-01",
            "series": "SAMPLE",
            "code": "001",
            "tax": {
                "categories": [
                    {
                        "code": "VAT",
                        "rates": [
                            {
                                "base": "1000.00",
                                "percent": "21.0%",
                                "amount": "210.00",
                                "surcharge": {"percent": "5.2%", "amount": "52.00"},
                            }
                        ],
                        "amount": "210.00",
                        "surcharge": "52.00",
                    },
                    {
                        "code": "IRPF",
                        "retained": True,
                        "rates": [{"base": "1000.00", "amount": "150.00"}],
                        "amount": "150.00",
                    },
                ],
                "sum": "262.00",
            },
        }
    ]
    doc.update(changes)
    return env


@pytest.mark.parametrize("doc_type", ["R1", "R2", "R3", "R4"])
def test_substitutive_correctives(doc_type: str, sif: r.SistemaInformatico) -> None:
    alta = build(corrective(doc_type, "S"), sif)
    assert alta.tipo_factura.value == doc_type
    assert alta.tipo_rectificativa is r.TipoRectificativa.SUSTITUCION
    assert alta.facturas_rectificadas == (
        r.IDFactura("B98602642", "SAMPLE-001", date(2024, 11, 1)),
    )
    assert alta.importe_rectificacion == r.ImporteRectificacion(
        D("1000.00"), D("210.00"), D("52.00")
    )
    assert alta.importe_total_text == "1970.20"  # the full new amounts, positive


def test_r5_corrects_a_simplified_invoice_without_recipients(sif: r.SistemaInformatico) -> None:
    env = corrective("R5", "I")
    alta = build(env, sif)
    assert alta.tipo_factura is r.TipoFactura.R5
    assert alta.destinatarios == ()
    assert alta.importe_total_text == "-1970.20"


def test_surcharge_retention_and_exemption(sif: r.SistemaInformatico) -> None:
    env = copy.deepcopy(envelope("invoice-es-es-verifactu.json"))
    doc = env["doc"]
    doc["totals"] = {
        "sum": "700.00",
        "total": "700.00",
        "taxes": {
            "categories": [
                {
                    "code": "VAT",
                    "rates": [
                        {
                            "key": "standard",
                            "ext": {"es-verifactu-op-class": "S1", "es-verifactu-regime": "18"},
                            "base": "500.00",
                            "percent": "21.0%",
                            "surcharge": {"percent": "5.2%", "amount": "26.00"},
                            "amount": "105.00",
                        },
                        {
                            "key": "exempt",
                            "ext": {"es-verifactu-exempt": "E1", "es-verifactu-regime": "01"},
                            "base": "100.00",
                            "amount": "0.00",
                        },
                        {
                            "key": "reverse-charge",
                            "ext": {"es-verifactu-op-class": "S2", "es-verifactu-regime": "01"},
                            "base": "100.00",
                            "amount": "0.00",
                        },
                    ],
                    "amount": "105.00",
                    "surcharge": "26.00",
                },
                {
                    "code": "IRPF",
                    "retained": True,
                    "rates": [{"base": "700.00", "percent": "15%", "amount": "105.00"}],
                    "amount": "105.00",
                },
            ],
            "sum": "131.00",
            "retained": "105.00",
        },
        "tax": "131.00",
        "total_with_tax": "831.00",
        "retained_tax": "105.00",
        "payable": "726.00",
    }
    alta = build(env, sif)
    recargo, exento, inversion = alta.desglose
    assert (recargo.clave_regimen, recargo.tipo_recargo_text, recargo.cuota_recargo_text) == (
        "18",
        "5.2",
        "26.00",
    )
    assert exento.operacion_exenta == "E1"
    assert exento.cuota_repercutida is None
    assert (inversion.calificacion_operacion, inversion.tipo_impositivo_text) == ("S2", "0")
    assert alta.cuota_total_text == "131.00"  # IRPF is left out
    assert alta.importe_total_text == "831.00"


def test_igic_goes_as_tax_03(sif: r.SistemaInformatico) -> None:
    env = copy.deepcopy(envelope("invoice-es-es-verifactu.json"))
    cat = env["doc"]["totals"]["taxes"]["categories"][0]
    cat["code"] = "IGIC"
    cat["rates"] = cat["rates"][:1]
    cat["rates"][0]["percent"] = "7.0%"
    cat["rates"][0]["amount"] = "113.40"
    cat["rates"][0]["base"] = "1630.00"
    cat["amount"] = "113.40"
    alta = build(env, sif)
    assert alta.desglose[0].impuesto is r.Impuesto.IGIC
    assert alta.cuota_total_text == "113.40"
    assert alta.importe_total_text == "1743.40"


@pytest.mark.parametrize(
    ("customer", "expected"),
    [
        (
            {"name": "ACME GmbH", "tax_id": {"country": "DE", "code": "111111125"}},
            r.IDOtro(r.IDType.NIF_IVA, "DE111111125"),
        ),
        (
            {"name": "Nikos", "tax_id": {"country": "GR", "code": "EL123456783"}},
            r.IDOtro(r.IDType.NIF_IVA, "EL123456783"),
        ),
        (  # as a build leaves a Greek tax ID: named EL, the prefix trimmed
            {"name": "Nikos", "tax_id": {"country": "EL", "code": "094014298"}},
            r.IDOtro(r.IDType.NIF_IVA, "EL094014298"),
        ),
        (
            {
                "name": "Jane",
                "identities": [
                    {
                        "country": "GB",
                        "key": "passport",
                        "code": "5432",
                        "ext": {"es-verifactu-identity-type": "03"},
                    }
                ],
            },
            r.IDOtro(r.IDType.PASAPORTE, "5432", "GB"),
        ),
        (
            {
                "name": "Pepe",
                "identities": [{"code": "12345678Z", "ext": {"es-verifactu-identity-type": "07"}}],
            },
            r.IDOtro(r.IDType.NO_CENSADO, "12345678Z", "ES"),
        ),
    ],
)
def test_customer_identities(
    customer: dict[str, Any], expected: r.IDOtro, sif: r.SistemaInformatico
) -> None:
    env = copy.deepcopy(envelope("invoice-es-es-verifactu.json"))
    env["doc"]["customer"] = customer
    alta = build(env, sif)
    assert alta.destinatarios[0].id_otro == expected


def test_third_party_issuer(sif: r.SistemaInformatico) -> None:
    env = copy.deepcopy(envelope("invoice-es-es-verifactu.json"))
    env["doc"]["tax"]["ext"]["es-verifactu-issuer-type"] = "T"
    env["doc"]["ordering"] = {
        "issuer": {"name": "Gestoría SL", "tax_id": {"country": "ES", "code": "B12345674"}}
    }
    alta = build(env, sif)
    assert alta.emitida_por_tercero_o_destinatario == "T"
    assert alta.tercero == r.PersonaFisicaJuridica("Gestoría SL", nif="B12345674")


def test_operation_date_and_simplified_flag(sif: r.SistemaInformatico) -> None:
    env = copy.deepcopy(envelope("invoice-es-es-verifactu.json"))
    env["doc"]["operation_date"] = "2024-11-30"
    env["doc"]["tax"]["ext"]["es-verifactu-simplified-art7273"] = "S"
    alta = build(env, sif)
    assert alta.fecha_operacion == date(2024, 11, 30)
    assert alta.factura_simplificada_art7273


def fault_set(env: dict[str, Any], sif: r.SistemaInformatico) -> set[tuple[str, str]]:
    with pytest.raises(RecordInvalid) as exc:
        alta_from_gobl(env, sistema=sif, previous=None, now=NOW)
    return {(f.code, path) for f in exc.value.faults for path in f.paths}


def mutate(path: list[str | int], value: Any) -> dict[str, Any]:
    env = copy.deepcopy(envelope("invoice-es-es-verifactu.json"))
    target: Any = env["doc"]
    for step in path[:-1]:
        target = target[step]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return env


@pytest.mark.parametrize(
    ("path", "value", "fault"),
    [
        (
            ["tax", "ext", "es-verifactu-doc-type"],
            None,
            ("GOBL-ES-VERIFACTU-BILL-INVOICE-10", "$.tax.ext"),
        ),
        (["customer"], None, ("1189", "$.customer")),
        (["customer"], {"name": "Nadie"}, ("GOBL-ES-VERIFACTU-BILL-INVOICE-07", "$.customer")),
        (["customer", "tax_id", "code"], "54387763X", ("1123", "$.customer.tax_id.code")),
        (["currency"], "USD", ("GOBL-ES-VERIFACTU-BILL-INVOICE-16", "$.currency")),
        (
            ["supplier", "tax_id"],
            {"country": "FR", "code": "X"},
            ("VERIFACTU-SUPPLIER-01", "$.supplier.tax_id"),
        ),
        (["supplier", "tax_id", "code"], "B98602643", ("1123", "$.supplier.tax_id.code")),
        (
            ["totals", "taxes", "categories", 0, "rates", 0, "ext", "es-verifactu-regime"],
            None,
            ("GOBL-ES-VERIFACTU-TAX-COMBO-01", "$.totals.taxes.categories[0].rates[0].ext"),
        ),
        (
            ["totals", "taxes", "categories", 0, "rates", 1, "ext", "es-verifactu-op-class"],
            None,
            ("GOBL-ES-VERIFACTU-TAX-COMBO-04", "$.totals.taxes.categories[0].rates[1].ext"),
        ),
        (
            ["totals", "taxes", "categories", 0, "rates", 0, "base"],
            "12.3.4",
            ("VERIFACTU-AMOUNT-01", "$.totals.taxes.categories[0].rates[0].base"),
        ),
        (["totals", "total"], 1630.0, ("VERIFACTU-AMOUNT-01", "$.totals.total")),
        (
            ["totals", "taxes", "categories", 0, "rates", 0, "surcharge"],
            {"amount": "84.24"},
            (
                "VERIFACTU-AMOUNT-01",
                "$.totals.taxes.categories[0].rates[0].surcharge.percent",
            ),
        ),
        (["issue_date"], "04/12/2024", ("VERIFACTU-DATE-01", "$.issue_date")),
        (["$addons"], [], ("VERIFACTU-DOC-02", "$.$addons")),
        (
            ["notes"],
            [{"key": "general", "text": "x" * 501}],
            ("GOBL-ES-VERIFACTU-BILL-INVOICE-14", "$.notes"),
        ),
        (
            ["totals", "taxes", "categories"],
            [],
            ("GOBL-ES-VERIFACTU-BILL-INVOICE-15", "$.totals.taxes"),
        ),
    ],
)
def test_problems_come_with_code_and_path(
    path: list[str | int], value: Any, fault: tuple[str, str], sif: r.SistemaInformatico
) -> None:
    assert fault in fault_set(mutate(path, value), sif)


def test_all_problems_are_reported_together(sif: r.SistemaInformatico) -> None:
    env = mutate(["currency"], "USD")
    del env["doc"]["customer"]
    faults = fault_set(env, sif)
    assert {code for code, _ in faults} >= {"GOBL-ES-VERIFACTU-BILL-INVOICE-16", "1189"}


def test_corrective_needs_correction_type_and_preceding_tax(sif: r.SistemaInformatico) -> None:
    env = corrective("R1", "S")
    del env["doc"]["tax"]["ext"]["es-verifactu-correction-type"]
    assert ("GOBL-ES-VERIFACTU-BILL-INVOICE-13", "$.tax.ext") in fault_set(env, sif)
    env = corrective("R1", "S")
    del env["doc"]["preceding"][0]["tax"]
    assert ("GOBL-ES-VERIFACTU-BILL-INVOICE-03", "$.preceding[0].tax") in fault_set(env, sif)
    env = corrective("R1", "S", preceding=[])
    assert ("GOBL-ES-VERIFACTU-BILL-INVOICE-01", "$.preceding") in fault_set(env, sif)


def test_not_an_invoice(sif: r.SistemaInformatico) -> None:
    with pytest.raises(RecordInvalid) as exc:
        alta_from_gobl(
            {"doc": {"$schema": "https://gobl.org/draft-0/org/party"}},
            sistema=sif,
            previous=None,
            now=NOW,
        )
    assert exc.value.faults[0].code == "VERIFACTU-DOC-01"


def test_bare_document_is_accepted(sif: r.SistemaInformatico) -> None:
    env = envelope("invoice-es-es-verifactu.json")
    assert build(env["doc"], sif).huella == build(env, sif).huella


def test_naive_now_is_refused(sif: r.SistemaInformatico) -> None:
    with pytest.raises(RecordInvalid):
        alta_from_gobl(
            envelope("invoice-es-es-verifactu.json"),
            sistema=sif,
            previous=None,
            now=datetime(2025, 1, 1),  # noqa: DTZ001 - the case under test
        )


def attempts(*spec: tuple[str, str] | tuple[str, str, int]) -> list[Attempt]:
    return [Attempt(TipoOperacion(s[0]), EstadoRegistro(s[1]), *s[2:]) for s in spec]


@pytest.mark.parametrize(
    ("history", "flags"),
    [
        ([], AltaFlags()),
        ([("Alta", "Incorrecto")], AltaFlags(True, "X")),
        ([("Alta", "Incorrecto"), ("Alta", "Incorrecto")], AltaFlags(True, "X")),
        ([("Alta", "Correcto")], AltaFlags(True, None)),
        ([("Alta", "AceptadoConErrores")], AltaFlags(True, None)),
        ([("Alta", "Correcto"), ("Alta", "Incorrecto")], AltaFlags(True, "S")),
        ([("Alta", "Incorrecto", 3000)], AltaFlags(True, None)),
        ([("Alta", "Correcto"), ("Anulacion", "Correcto")], AltaFlags(True, None)),
        ([("Alta", "Correcto"), ("Anulacion", "Incorrecto")], AltaFlags(True, None)),
    ],
)
def test_alta_flags(history: list[tuple[str, str]], flags: AltaFlags) -> None:
    assert alta_flags(attempts(*history)) == flags


@pytest.mark.parametrize(
    ("history", "flags"),
    [
        ([("Alta", "Correcto")], AnulacionFlags(False, False)),
        ([], AnulacionFlags(True, False)),
        ([("Alta", "Incorrecto")], AnulacionFlags(True, False)),
        ([("Alta", "Correcto"), ("Anulacion", "Incorrecto")], AnulacionFlags(False, True)),
        ([("Anulacion", "Incorrecto")], AnulacionFlags(True, True)),
        ([("Alta", "AceptadoConErrores"), ("Anulacion", "Correcto")], AnulacionFlags(False, False)),
    ],
)
def test_anulacion_flags(history: list[tuple[str, str]], flags: AnulacionFlags) -> None:
    assert anulacion_flags(attempts(*history)) == flags


def test_flags_reach_the_records(sif: r.SistemaInformatico) -> None:
    env = envelope("invoice-es-es-verifactu.json")
    retry = build(env, sif, previous_attempts=attempts(("Alta", "Incorrecto")))
    assert (retry.subsanacion, retry.rechazo_previo) == (True, "X")
    anulacion = anulacion_from_gobl(
        env,
        sistema=sif,
        previous=retry.as_anterior(),
        now=NOW,
        previous_attempts=attempts(("Alta", "Correcto"), ("Anulacion", "Incorrecto")),
    )
    assert (anulacion.sin_registro_previo, anulacion.rechazo_previo) == (False, True)
    assert anulacion.id_factura == invoice_key(env) == retry.id_factura
    cab = Cabecera(Persona("Provide One S.L.", "B98602642"))
    xml.validate(xml.reg_factu_xml(cab, [retry, anulacion]))
    assert r.check_chain([retry, anulacion]) == []


@given(
    st.sampled_from(["21.0%", "0%", "5.2%", "21%", "1.%", ".5%", "21.0", "%", "21.0%%", "٢١%"])
    | st.text(st.sampled_from("0123456789.%-٢²a "), max_size=8)
)
def test_a_percentage_is_plain_as_the_expression_says_seen_or_not(text: str) -> None:
    """The mapper keeps the plain percentages it has seen; seen or not, a text is plain
    exactly when it matches ``_PLAIN_PERCENT``, and only matching texts are kept."""
    matches = from_gobl._PLAIN_PERCENT.fullmatch(text) is not None
    from_gobl._PLAIN_PERCENTS.clear()
    assert from_gobl._is_plain_percent(text) == matches
    assert (text in from_gobl._PLAIN_PERCENTS) == matches
    assert (text in from_gobl._PLAIN_PERCENTS or from_gobl._is_plain_percent(text)) == matches
    assert all(from_gobl._PLAIN_PERCENT.fullmatch(t) for t in from_gobl._PLAIN_PERCENTS)


def test_a_line_maps_alike_before_and_after_its_percentage_is_seen(
    sif: r.SistemaInformatico,
) -> None:
    envelope = json.loads((DATA / "gobl" / "invoice-es-es-verifactu.json").read_text())
    from_gobl._PLAIN_PERCENTS.clear()
    first = alta_from_gobl(envelope, sistema=sif, previous=None, now=NOW)
    assert {"21.0%", "0%"} <= from_gobl._PLAIN_PERCENTS
    again = alta_from_gobl(envelope, sistema=sif, previous=None, now=NOW)
    assert again == first
    assert repr(again.desglose) == repr(first.desglose)
    assert again.huella == first.huella
