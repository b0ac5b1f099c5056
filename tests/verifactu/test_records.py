"""Record models: formatting once, and the AEAT rules a record can check by itself [VAL §3.1]."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facturo.verifactu import formats
from facturo.verifactu import records as r
from facturo.verifactu.errors import RecordInvalid

from .conftest import CET

D = Decimal


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("12.3"), "12.30"),
        (D("-2.1"), "-2.10"),
        (D("0"), "0.00"),
        (D("-0.00"), "0.00"),
        (D("100"), "100.00"),
        (D("999999999999.99"), "999999999999.99"),
    ],
)
def test_amount_text(value: Decimal, text: str) -> None:
    assert formats.amount(value) == text


@pytest.mark.parametrize("value", [D("1.005"), D("1000000000000"), D("NaN")])
def test_amount_refuses_what_the_xsd_cannot_hold(value: Decimal) -> None:
    with pytest.raises(ValueError, match="amount"):
        formats.amount(value)


def test_amount_refuses_float() -> None:
    with pytest.raises(ValueError, match="Decimal"):
        formats.amount(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("21.0"), "21"),
        (D("5.20"), "5.2"),
        (D("0.26"), "0.26"),
        (D("0"), "0"),
        (D("7.5"), "7.5"),
        (D("10"), "10"),
    ],
)
def test_rate_text(value: Decimal, text: str) -> None:
    assert formats.rate(value) == text


def test_rate_with_three_decimals_is_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        formats.rate(D("0.125"))


def test_timestamp_keeps_the_offset_and_drops_fractions() -> None:
    value = datetime(2024, 1, 1, 19, 20, 30, 123456, tzinfo=CET)
    assert formats.fecha_hora_huso(value) == "2024-01-01T19:20:30+01:00"


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        formats.fecha_hora_huso(datetime(2024, 1, 1))  # noqa: DTZ001 - the case under test


def test_dates_round_trip() -> None:
    assert formats.fecha(date(2014, 7, 2)) == "02-07-2014"
    assert formats.parse_fecha("02-07-2014") == date(2014, 7, 2)
    with pytest.raises(ValueError, match="dd-mm-yyyy"):
        formats.parse_fecha("2014-07-02")


def codes(exc: pytest.ExceptionInfo[RecordInvalid]) -> set[str]:
    return {f.code for f in exc.value.faults}


def test_alta_hash_uses_the_formatted_strings(make_alta: Callable[..., r.RegistroAlta]) -> None:
    alta = make_alta(cuota_total=D("21"), importe_total=D("121"))
    assert alta.cuota_total_text == "21.00"
    assert dict(alta.hash_pairs())["ImporteTotal"] == "121.00"
    assert dict(alta.hash_pairs())["Huella"] == ""
    assert alta.primer_registro


def test_chained_alta_hashes_the_previous_huella(make_alta: Callable[..., r.RegistroAlta]) -> None:
    first = make_alta()
    second = make_alta(
        id_factura=r.IDFactura("B87654323", "FP2025/0002", date(2025, 3, 10)),
        registro_anterior=first.as_anterior(),
    )
    assert dict(second.hash_pairs())["Huella"] == first.huella
    assert second.huella != first.huella
    assert r.check_chain([first, second]) == []


def test_check_chain_finds_a_broken_link(make_alta: Callable[..., r.RegistroAlta]) -> None:
    first = make_alta()
    stranger = make_alta(
        id_factura=r.IDFactura("B87654323", "X-1", date(2025, 3, 10)),
        registro_anterior=r.RegistroAnterior(first.id_factura, "A" * 64),
    )
    restart = make_alta(id_factura=r.IDFactura("B87654323", "X-2", date(2025, 3, 10)))
    assert [f.code for f in r.check_chain([first, stranger, restart])] == ["2000", "2007"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"tipo_factura": r.TipoFactura.R1}, "1114"),
        ({"tipo_rectificativa": r.TipoRectificativa.DIFERENCIAS}, "1115"),
        ({"destinatarios": ()}, "1189"),
        ({"tipo_factura": r.TipoFactura.F2}, "1190"),
        ({"rechazo_previo": "X"}, "1153"),
        ({"rechazo_previo": "S"}, "1161"),
        ({"cupon": True}, "1157"),
        ({"desglose": ()}, "1100"),
        ({"descripcion_operacion": ""}, "1100"),
        ({"descripcion_operacion": " padded"}, "1100"),
        ({"importe_total": D("1.001")}, "1100"),
        ({"factura_sin_identif_destinatario_art61d": True}, "1185"),
        ({"emitida_por_tercero_o_destinatario": "T"}, "1186"),
        ({"facturas_sustituidas": (r.IDFactura("B87654323", "A-1", date(2025, 1, 1)),)}, "1116"),
        ({"facturas_rectificadas": (r.IDFactura("B87654323", "A-1", date(2025, 1, 1)),)}, "1117"),
        ({"destinatarios": (r.PersonaFisicaJuridica("Yo", nif="B87654323"),)}, "1193"),
        ({"fecha_hora_huso_gen_registro": datetime(2025, 3, 10)}, "1100"),  # noqa: DTZ001
    ],
)
def test_alta_rules(
    make_alta: Callable[..., r.RegistroAlta], overrides: dict[str, object], code: str
) -> None:
    with pytest.raises(RecordInvalid) as exc:
        make_alta(**overrides)
    assert code in codes(exc)


def test_substitutive_corrective_needs_importe_rectificacion(
    make_alta: Callable[..., r.RegistroAlta],
) -> None:
    with pytest.raises(RecordInvalid) as exc:
        make_alta(tipo_factura=r.TipoFactura.R1, tipo_rectificativa=r.TipoRectificativa.SUSTITUCION)
    assert codes(exc) == {"1118"}
    ok = make_alta(
        tipo_factura=r.TipoFactura.R1,
        tipo_rectificativa=r.TipoRectificativa.SUSTITUCION,
        importe_rectificacion=r.ImporteRectificacion(D("100"), D("21")),
    )
    assert ok.importe_rectificacion is not None
    assert ok.importe_rectificacion.base_text == "100.00"


def test_every_broken_rule_is_reported_at_once(make_alta: Callable[..., r.RegistroAlta]) -> None:
    with pytest.raises(RecordInvalid) as exc:
        make_alta(tipo_factura=r.TipoFactura.R2, destinatarios=(), rechazo_previo="X")
    assert {"1114", "1189", "1153"} <= codes(exc)
    assert all(f.paths for f in exc.value.faults)


def test_f2_ceiling(make_alta: Callable[..., r.RegistroAlta]) -> None:
    big = {"tipo_factura": r.TipoFactura.F2, "destinatarios": (), "importe_total": D("3010.01")}
    with pytest.raises(RecordInvalid) as exc:
        make_alta(**big)
    assert codes(exc) == {"1150"}
    assert make_alta(**big, factura_sin_identif_destinatario_art61d=True).importe_total


def test_macrodato_follows_the_total(make_alta: Callable[..., r.RegistroAlta]) -> None:
    assert not make_alta().macrodato
    assert make_alta(importe_total=D("-100000000.00")).macrodato


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"calificacion_operacion": "S1", "operacion_exenta": "E1"}, "1195"),
        ({}, "1195"),
        ({"operacion_exenta": "E1", "tipo_impositivo": D("21")}, "1238"),
        ({"calificacion_operacion": "N1", "cuota_repercutida": D("0")}, "1237"),
        ({"calificacion_operacion": "S2", "tipo_impositivo": D("21")}, "1198"),
        ({"calificacion_operacion": "S1", "tipo_impositivo": D("21")}, "1100"),
        (
            {
                "calificacion_operacion": "S1",
                "cuota_repercutida": D("-1"),
                "tipo_impositivo": D(21),
            },
            "1143",
        ),
        (
            {
                "calificacion_operacion": "S1",
                "cuota_repercutida": D("21"),
                "tipo_recargo_equivalencia": D("5.2"),
            },
            "1284",
        ),
        (
            {
                "calificacion_operacion": "N2",
                "tipo_recargo_equivalencia": D("5.2"),
                "cuota_recargo_equivalencia": D("5.20"),
            },
            "1281",
        ),
        ({"calificacion_operacion": "X9"}, "1100"),
    ],
)
def test_detalle_rules(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(RecordInvalid) as exc:
        r.DetalleDesglose(D("100.00"), clave_regimen="01", **kwargs)  # type: ignore[arg-type]
    assert code in codes(exc)


def test_detalle_needs_clave_regimen_for_iva_but_not_for_other_taxes() -> None:
    with pytest.raises(RecordInvalid) as exc:
        r.DetalleDesglose(D("1"), calificacion_operacion="N1")
    assert codes(exc) == {"1245"}
    line = r.DetalleDesglose(D("1"), impuesto=r.Impuesto.OTROS, calificacion_operacion="N1")
    assert line.clave_regimen is None


@pytest.mark.parametrize(
    ("nif", "numserie", "code"),
    [
        ("b8765432", "A-1", "1123"),
        ("B87654323", "A<1", "1130"),
        ("B87654323", "", "1130"),
        ("B87654323", "A" * 61, "1130"),
        ("B87654323", "ñ-1", "1130"),
        ("B87654323", " A-1", "1104"),
    ],
)
def test_invoice_key_rules(nif: str, numserie: str, code: str) -> None:
    with pytest.raises(RecordInvalid) as exc:
        r.IDFactura(nif, numserie, date(2025, 1, 1))
    assert codes(exc) == {code}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"id_type": r.IDType.PASAPORTE, "id": "X1"}, "1111"),
        ({"id_type": r.IDType.OTRO_DOC, "id": "X1", "codigo_pais": "ES"}, "1126"),
        ({"id_type": r.IDType.NO_CENSADO, "id": "12345678Z", "codigo_pais": "FR"}, "1126"),
        ({"id_type": r.IDType.NIF_IVA, "id": "FR123", "codigo_pais": "DE"}, "1122"),
    ],
)
def test_id_otro_rules(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(RecordInvalid) as exc:
        r.IDOtro(**kwargs)  # type: ignore[arg-type]
    assert codes(exc) == {code}


def test_party_needs_exactly_one_identifier() -> None:
    with pytest.raises(RecordInvalid):
        r.PersonaFisicaJuridica("X")
    with pytest.raises(RecordInvalid):
        r.PersonaFisicaJuridica(
            "X", nif="12345678Z", id_otro=r.IDOtro(r.IDType.PASAPORTE, "1", "GB")
        )


def test_sif_id_is_two_upper_case_characters(sif: r.SistemaInformatico) -> None:
    with pytest.raises(RecordInvalid) as exc:
        r.SistemaInformatico(
            nombre_razon="P",
            nif="B12345674",
            nombre_sistema_informatico="S",
            id_sistema_informatico="Ñ1",
            version="1",
            numero_instalacion="1",
        )
    assert codes(exc) == {"1177"}


def test_previous_huella_must_look_like_one() -> None:
    with pytest.raises(RecordInvalid) as exc:
        r.RegistroAnterior(r.IDFactura("B87654323", "A-1", date(2025, 1, 1)), "abc")
    assert codes(exc) == {"2002"}


def test_anulacion_rules(sif: r.SistemaInformatico) -> None:
    key = r.IDFactura("B87654323", "A-1", date(2025, 1, 1))
    now = datetime(2025, 1, 2, tzinfo=CET)
    with pytest.raises(RecordInvalid) as exc:
        r.RegistroAnulacion(key, sif, now, generado_por="E")
    assert codes(exc) == {"1224"}
    with pytest.raises(RecordInvalid) as exc:
        r.RegistroAnulacion(
            key,
            sif,
            now,
            generado_por="E",
            generador=r.PersonaFisicaJuridica("G", id_otro=r.IDOtro(r.IDType.PASAPORTE, "1", "GB")),
        )
    assert codes(exc) == {"1227"}


def test_records_are_frozen(make_alta: Callable[..., r.RegistroAlta]) -> None:
    alta = make_alta()
    with pytest.raises(AttributeError):
        alta.huella = "X"  # type: ignore[misc]


def detalle_outcome(build: Callable[[], r.DetalleDesglose]) -> object:
    """A line and every text it carries, or the faults (code and path) that refused it."""
    try:
        line = build()
    except RecordInvalid as exc:
        return sorted((f.code, f.paths) for f in exc.faults)
    texts = (
        line.base_text,
        line.tipo_impositivo_text,
        line.base_a_coste_text,
        line.cuota_text,
        line.tipo_recargo_text,
        line.cuota_recargo_text,
    )
    return line, texts


amounts = st.sampled_from(["0", "0.00", "-0.00", "100.00", "-100.00", "21.00", "-21", "0.005"])
amounts |= st.sampled_from(["1E+13", "12.345", "999999999999.99", "5.20"])
rates = st.none() | st.sampled_from(["21", "21.0", "10", "5.2", "0", "1000", "0.001", "-4"])


@given(
    base=amounts.map(D),
    cuota=amounts.map(D) | st.none(),
    tipo=rates.map(lambda v: None if v is None else D(v)),
    impuesto=st.sampled_from(list(r.Impuesto)),
    clave=st.sampled_from([None, "01", "06", "20", "99"]),
    coste=st.none() | amounts.map(D),
    tipo_re=rates.map(lambda v: None if v is None else D(v)),
    cuota_re=st.none() | amounts.map(D),
)
def test_s1_builds_what_the_constructor_builds(
    base: Decimal,
    cuota: Decimal | None,
    tipo: Decimal | None,
    impuesto: r.Impuesto,
    clave: str | None,
    coste: Decimal | None,
    tipo_re: Decimal | None,
    cuota_re: Decimal | None,
) -> None:
    """The S1 factory skips only the rules S1 satisfies by its shape: same line, same faults."""
    general = detalle_outcome(
        lambda: r.DetalleDesglose(
            base, impuesto, clave, "S1", None, tipo, coste, cuota, tipo_re, cuota_re
        )
    )
    factory = detalle_outcome(
        lambda: r.DetalleDesglose.s1(
            base,
            cuota,  # type: ignore[arg-type]  # None: the constructor's 1100 fault
            tipo,
            impuesto=impuesto,
            clave=clave,
            base_a_coste=coste,
            tipo_recargo=tipo_re,
            cuota_recargo=cuota_re,
        )
    )
    assert factory == general


def test_s1_refuses_with_the_constructors_codes() -> None:
    with pytest.raises(RecordInvalid) as exc:
        r.DetalleDesglose.s1(D("100.00"), D("-21.00"), D("21"), clave="01")
    assert codes(exc) == {"1143"}
    with pytest.raises(RecordInvalid) as exc:
        r.DetalleDesglose.s1(D("100.00"), D("21.00"), D("21"))
    assert codes(exc) == {"1245"}
    with pytest.raises(RecordInvalid) as exc:
        r.DetalleDesglose.s1(D("1"), D("1"), D("21"), clave="01", tipo_recargo=D("5.2"))
    assert codes(exc) == {"1284"}


def test_as_anterior_is_the_checked_previous_record(
    make_alta: Callable[..., r.RegistroAlta], sif: r.SistemaInformatico
) -> None:
    alta = make_alta()
    assert alta.as_anterior() == r.RegistroAnterior(alta.id_factura, alta.huella)
    anulacion = r.RegistroAnulacion(
        id_factura=alta.id_factura,
        sistema_informatico=sif,
        fecha_hora_huso_gen_registro=datetime(2025, 3, 11, 9, 0, tzinfo=CET),
        registro_anterior=alta.as_anterior(),
    )
    assert anulacion.as_anterior() == r.RegistroAnterior(alta.id_factura, anulacion.huella)


@pytest.mark.parametrize(
    ("nombre", "nif"),
    [
        ("CLIENTE DE PRUEBAS", "12345678Z"),
        ("Q&A <S.L.>", "B87654323"),
        ("", "12345678Z"),
        (" CLIENTE", "12345678Z"),
        ("x" * 121, "12345678Z"),
        ("bell\x07", "12345678Z"),
        ("CLIENTE", "12345678z"),
        ("CLIENTE", "1234"),
        ("", "1234"),
    ],
)
def test_with_nif_builds_what_the_constructor_builds(nombre: str, nif: str) -> None:
    def outcome(build: Callable[[], r.PersonaFisicaJuridica]) -> object:
        try:
            return build()
        except RecordInvalid as exc:
            return sorted((f.code, f.paths) for f in exc.faults)

    general = outcome(lambda: r.PersonaFisicaJuridica(nombre, nif=nif))
    assert outcome(lambda: r.PersonaFisicaJuridica.with_nif(nombre, nif)) == general
