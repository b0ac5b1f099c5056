"""The writer's one-piece texts are the texts it writes element by element, and read back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from facturo.verifactu import records as r
from facturo.verifactu import xml, xml_records
from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.messages import Cabecera, Persona
from facturo.verifactu.requests import parse_reg_factu_request

D = Decimal
amounts = st.sampled_from([D("0"), D("-0.00"), D("100.00"), D("12.5"), D("3000")]) | (
    st.decimals(min_value=0, max_value=10**11, places=2)
)
rates = st.sampled_from([D("0"), D("21"), D("21.0"), D("5.2"), D("1.75"), D("0.26")])


@st.composite
def lines(draw: Any) -> r.DetalleDesglose:
    """Any line the general constructor accepts, around every optional element."""
    impuesto = draw(st.sampled_from(list(r.Impuesto)))
    clave = None if impuesto is r.Impuesto.OTROS else draw(st.sampled_from(["01", "06", "18"]))
    if clave is None and impuesto is not r.Impuesto.OTROS:
        clave = "01"
    sign = draw(st.sampled_from([1, -1]))
    base = sign * draw(amounts)
    coste = draw(st.none() | amounts)
    shape = draw(st.sampled_from(["S1", "S1+RE", "S2", "N1", "N2", "E1", "E6"]))
    try:
        if shape.startswith("S1"):
            surcharge = shape == "S1+RE"
            return r.DetalleDesglose(
                base,
                impuesto,
                clave,
                "S1",
                None,
                draw(st.none() | rates),
                coste,
                sign * draw(amounts),
                draw(rates) if surcharge else None,
                sign * draw(amounts) if surcharge else None,
            )
        if shape == "S2":
            return r.DetalleDesglose(base, impuesto, clave, "S2", None, D(0), coste, D("0.00"))
        if shape in ("N1", "N2"):
            return r.DetalleDesglose(base, impuesto, clave, shape, base_imponible_a_coste=coste)
        return r.DetalleDesglose(base, impuesto, clave, None, shape, base_imponible_a_coste=coste)
    except RecordInvalid:
        assume(False)
        raise


def written(write: Any, line: r.DetalleDesglose) -> str:
    out: list[str] = []
    write(out, line)
    return "".join(out)


@settings(max_examples=1500, deadline=None)
@given(line=lines())
def test_a_line_is_written_as_element_by_element(line: r.DetalleDesglose) -> None:
    assert written(xml_records._detalle, line) == written(xml_records._detalle_elements, line)


def test_common_and_uncommon_lines_are_both_drawn() -> None:
    """A common taxed line, one with a surcharge and an exempt one, written both ways."""
    common = r.DetalleDesglose.s1(D("100.00"), D("21.00"), D("21"), clave="01")
    surcharge = r.DetalleDesglose.s1(
        D("100.00"), D("21.00"), D("21"), clave="01", tipo_recargo=D("5.2"), cuota_recargo=D("5.20")
    )
    exempt = r.DetalleDesglose(D("10.00"), clave_regimen="01", operacion_exenta="E1")
    for line in (common, surcharge, exempt):
        assert written(xml_records._detalle, line) == written(xml_records._detalle_elements, line)
    assert "<sum1:CuotaRepercutida>21.00</sum1:CuotaRepercutida>" in written(
        xml_records._detalle, common
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"num_registro_acuerdo_facturacion": "ACU-1"},
        {"id_acuerdo_sistema_informatico": "SIF-ACU-2"},
        {"num_registro_acuerdo_facturacion": "ACU-1", "id_acuerdo_sistema_informatico": "ID-2"},
        {
            "nombre_razon_emisor": "EMISORA & <HIJOS> SL",
            "descripcion_operacion": "Servicios <urgentes> & más",
            "destinatarios": (
                r.PersonaFisicaJuridica("A & B <SL>", nif="12345678Z"),
                r.PersonaFisicaJuridica(
                    "CLIENT GMBH", id_otro=r.IDOtro(r.IDType.NIF_IVA, "DE123456789")
                ),
                r.PersonaFisicaJuridica(
                    "CLIENT INC", id_otro=r.IDOtro(r.IDType.PASAPORTE, "X1", "US")
                ),
            ),
            "registro_anterior": r.RegistroAnterior(
                r.IDFactura("B87654323", "FP&0/1", date(2025, 1, 1)), "A" * 64
            ),
        },
    ],
)
def test_an_alta_reads_back_as_written(
    make_alta: Callable[..., r.RegistroAlta], overrides: dict[str, Any]
) -> None:
    """Every optional part the writer puts in one piece or element by element: the message
    passes the XSD check and reads back into the same record, with the same huella."""
    alta = make_alta(**overrides)
    data = xml.reg_factu_xml(Cabecera(Persona(alta.nombre_razon_emisor, "B87654323")), [alta])
    request = parse_reg_factu_request(data)
    assert [reg.record for reg in request.registros] == [alta]
    assert all(reg.huella_matches for reg in request.registros)
