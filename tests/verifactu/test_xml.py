"""XML writing and XSD validation: the shared samples rebuild exactly, every variant validates."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from facturo.verifactu import records as r
from facturo.verifactu import xml
from facturo.verifactu.errors import RecordInvalid, SchemaInvalid
from facturo.verifactu.messages import Cabecera, ConsultaFactu, Persona
from facturo.verifactu.requests import parse_consulta_request, parse_reg_factu_request
from facturo.verifactu.xml_records import XML_DECLARATION, in_envelope

from .conftest import CET, DATA

D = Decimal
SAMPLES = DATA / "samples"
EMISOR = Persona("EMPRESA EMISORA DE PRUEBAS SL", "B87654323")


def c14n(data: bytes) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(data, parser), method="c14n")


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.xml")))
def test_every_sample_validates(name: str) -> None:
    payload = xml.validate((SAMPLES / name).read_bytes())
    assert payload.tag.startswith("{")


@pytest.mark.parametrize(
    "name",
    ["01-regfactu-alta-primer-registro.xml", "02-regfactu-lote-alta-rectificativa-anulacion.xml"],
)
def test_sample_requests_round_trip_exactly(name: str) -> None:
    data = (SAMPLES / name).read_bytes()
    request = parse_reg_factu_request(data)
    built = [reg.record for reg in request.registros]
    assert all(reg.huella_matches for reg in request.registros)
    assert [rec.huella if rec else None for rec in built] == [
        reg.huella for reg in request.registros
    ]
    records = [rec for rec in built if rec is not None]
    assert c14n(xml.reg_factu_xml(request.cabecera, records)) == c14n(data)


def test_sample_01_built_from_models(sif: r.SistemaInformatico) -> None:
    alta = r.RegistroAlta(
        id_factura=r.IDFactura("B87654323", "FP2025/0001", date(2025, 3, 10)),
        ref_externa="PEDIDO-7781",
        nombre_razon_emisor="EMPRESA EMISORA DE PRUEBAS SL",
        tipo_factura=r.TipoFactura.F1,
        descripcion_operacion="Servicios de consultoría marzo 2025",
        destinatarios=(r.PersonaFisicaJuridica("CLIENTE DE PRUEBAS", nif="12345678Z"),),
        desglose=(
            r.DetalleDesglose(
                D("58.81"),
                clave_regimen="01",
                calificacion_operacion="S1",
                tipo_impositivo=D("21"),
                cuota_repercutida=D("12.35"),
            ),
            r.DetalleDesglose(D("52.29"), clave_regimen="01", operacion_exenta="E1"),
        ),
        cuota_total=D("12.35"),
        importe_total=D("123.45"),
        sistema_informatico=sif,
        fecha_hora_huso_gen_registro=datetime(2025, 3, 10, 10, 15, tzinfo=CET),
    )
    data = xml.reg_factu_xml(Cabecera(EMISOR), [alta])
    assert c14n(data) == c14n((SAMPLES / "01-regfactu-alta-primer-registro.xml").read_bytes())


def test_sample_05_query_round_trips_exactly() -> None:
    data = (SAMPLES / "05-consulta-emisor-paginada.xml").read_bytes()
    assert c14n(xml.consulta_xml(parse_consulta_request(data))) == c14n(data)


def _variants(make_alta: Callable[..., r.RegistroAlta]) -> list[r.Registro]:
    key = r.IDFactura("B87654323", "FP2024/0009", date(2024, 12, 30))
    extranjero = r.PersonaFisicaJuridica("Client SARL", id_otro=r.IDOtro(r.IDType.NIF_IVA, "FR1"))
    pasaporte = r.PersonaFisicaJuridica(
        "Jane", id_otro=r.IDOtro(r.IDType.PASAPORTE, "543210987", "GB")
    )
    exento = r.DetalleDesglose(D("50.00"), clave_regimen="02", operacion_exenta="E2")
    inversion = r.DetalleDesglose(
        D("10.00"),
        clave_regimen="01",
        calificacion_operacion="S2",
        tipo_impositivo=D(0),
        cuota_repercutida=D(0),
    )
    no_sujeta = r.DetalleDesglose(D("7.00"), clave_regimen="01", calificacion_operacion="N2")
    recargo = r.DetalleDesglose(
        D("100.00"),
        clave_regimen="18",
        calificacion_operacion="S1",
        tipo_impositivo=D("21"),
        cuota_repercutida=D("21.00"),
        tipo_recargo_equivalencia=D("5.2"),
        cuota_recargo_equivalencia=D("5.20"),
    )
    igic = r.DetalleDesglose(
        D("100.00"),
        impuesto=r.Impuesto.IGIC,
        clave_regimen="01",
        calificacion_operacion="S1",
        tipo_impositivo=D("7"),
        cuota_repercutida=D("7.00"),
    )
    ipsi = r.DetalleDesglose(
        D("10.00"),
        impuesto=r.Impuesto.IPSI,
        calificacion_operacion="S1",
        tipo_impositivo=D("4"),
        cuota_repercutida=D("0.40"),
        base_imponible_a_coste=D("10.00"),
    )
    otro = r.DetalleDesglose(D("3.00"), impuesto=r.Impuesto.OTROS, calificacion_operacion="N1")
    grupo = r.DetalleDesglose(
        D("10.00"),
        clave_regimen="06",
        calificacion_operacion="S1",
        tipo_impositivo=D("21"),
        cuota_repercutida=D("2.10"),
        base_imponible_a_coste=D("8.00"),
    )
    first = make_alta()
    out: list[r.Registro] = [
        first,
        make_alta(
            tipo_factura=r.TipoFactura.F2, destinatarios=(), registro_anterior=first.as_anterior()
        ),
        make_alta(tipo_factura=r.TipoFactura.F3, facturas_sustituidas=(key, key)),
        make_alta(destinatarios=(extranjero, pasaporte), desglose=(exento, inversion, no_sujeta)),
        make_alta(desglose=(recargo, igic, ipsi, otro, grupo), fecha_operacion=date(2025, 2, 1)),
        make_alta(
            subsanacion=True,
            rechazo_previo="X",
            ref_externa="R-1",
            factura_simplificada_art7273=True,
            num_registro_acuerdo_facturacion="A1",
            id_acuerdo_sistema_informatico="B2",
        ),
        make_alta(
            emitida_por_tercero_o_destinatario="T",
            tercero=r.PersonaFisicaJuridica("Gestoria SL", nif="B12345674"),
        ),
        make_alta(emitida_por_tercero_o_destinatario="D"),
        make_alta(importe_total=D("123456789.00")),
        make_alta(
            tipo_factura=r.TipoFactura.R5,
            tipo_rectificativa=r.TipoRectificativa.DIFERENCIAS,
            destinatarios=(),
            cupon=True,
            factura_sin_identif_destinatario_art61d=True,
        ),
        r.RegistroAnulacion(
            key,
            first.sistema_informatico,
            datetime(2025, 1, 2, 9, tzinfo=CET),
            registro_anterior=first.as_anterior(),
            ref_externa="X",
            sin_registro_previo=True,
            rechazo_previo=True,
            generado_por="D",
            generador=r.PersonaFisicaJuridica("Cliente", nif="12345678Z"),
        ),
    ]
    for tipo in ("R1", "R2", "R3", "R4"):
        out.append(
            make_alta(
                tipo_factura=r.TipoFactura(tipo),
                tipo_rectificativa=r.TipoRectificativa.SUSTITUCION,
                facturas_rectificadas=(key,),
                importe_rectificacion=r.ImporteRectificacion(D("-1.00"), D("0"), D("0.01")),
            )
        )
    return out


def test_every_variant_validates(make_alta: Callable[..., r.RegistroAlta]) -> None:
    records = _variants(make_alta)
    cabecera = Cabecera(
        EMISOR,
        representante=Persona("ASESOR SL", "B12345674"),
        fecha_fin_verifactu=date(2025, 12, 31),
        incidencia=True,
    )
    xml.validate(xml.reg_factu_xml(cabecera, records))
    for record in records:  # each alone, bare (no SOAP envelope) too
        xml.validate(xml.reg_factu_xml(Cabecera(EMISOR), [record], envelope=False))


def test_requerimiento_header_validates(make_alta: Callable[..., r.RegistroAlta]) -> None:
    cab = Cabecera(EMISOR, ref_requerimiento="REQ123", fin_requerimiento=True)
    xml.validate(xml.reg_factu_xml(cab, [make_alta()]))


def test_every_variant_reads_back_to_the_same_record(
    make_alta: Callable[..., r.RegistroAlta],
) -> None:
    records = _variants(make_alta)
    request = parse_reg_factu_request(xml.reg_factu_xml(Cabecera(EMISOR), records))
    assert [reg.record for reg in request.registros] == records
    assert all(reg.huella_matches for reg in request.registros)


def test_record_element_is_the_signable_unit(make_alta: Callable[..., r.RegistroAlta]) -> None:
    element = xml.record_element(make_alta())
    assert etree.QName(element).localname == "RegistroAlta"
    assert element.findtext(f"{{{xml.NS_SUMINISTRO_INFO}}}Huella") == make_alta().huella


def test_wrong_element_order_is_a_schema_fault(make_alta: Callable[..., r.RegistroAlta]) -> None:
    payload = xml.reg_factu_element(Cabecera(EMISOR), [make_alta()])
    alta = payload[1][0]
    alta.append(alta[0])  # IDVersion moved to the end
    with pytest.raises(SchemaInvalid) as exc:
        xml.validate(xml.to_bytes(xml.soap_envelope(payload)))
    assert {f.code for f in exc.value.faults} == {"4102"}
    assert all(f.paths for f in exc.value.faults)


def test_amount_with_three_decimals_is_a_schema_fault() -> None:
    data = (SAMPLES / "01-regfactu-alta-primer-registro.xml").read_bytes()
    data = data.replace(b">123.45<", b">123.456<")
    with pytest.raises(SchemaInvalid):
        xml.validate(data)


def test_unknown_root_is_refused() -> None:
    with pytest.raises(SchemaInvalid, match="no AEAT schema"):
        xml.validate(b"<a/>")


def test_message_holds_1_to_1000_records(make_alta: Callable[..., r.RegistroAlta]) -> None:
    with pytest.raises(SchemaInvalid) as exc:
        xml.reg_factu_element(Cabecera(EMISOR), [])
    assert exc.value.faults[0].code == "4114"
    alta = make_alta()
    xml.validate(xml.reg_factu_element(Cabecera(EMISOR), [alta] * 1000))
    with pytest.raises(SchemaInvalid):
        xml.reg_factu_element(Cabecera(EMISOR), [alta] * 1001)


def test_records_of_another_taxpayer_are_refused(
    make_alta: Callable[..., r.RegistroAlta],
) -> None:
    with pytest.raises(SchemaInvalid) as exc:
        xml.reg_factu_element(Cabecera(Persona("OTRA SL", "B12345674")), [make_alta()])
    assert exc.value.faults[0].code == "1108"


@pytest.mark.parametrize(
    "consulta",
    [
        ConsultaFactu(
            2025,
            3,
            obligado_emision=EMISOR,
            num_serie_factura="A-1",
            fecha_desde=date(2025, 3, 1),
            fecha_hasta=date(2025, 3, 31),
            contraparte=r.PersonaFisicaJuridica("C", nif="12345678Z"),
            ref_externa="X",
            indicador_representante=True,
            mostrar_nombre_razon_emisor=True,
        ),
        ConsultaFactu(
            2024,
            12,
            destinatario=Persona("CLIENTE", "12345678Z"),
            fecha_expedicion=date(2024, 12, 1),
            mostrar_sistema_informatico=False,
        ),
    ],
)
def test_queries_validate_and_read_back(consulta: ConsultaFactu) -> None:
    data = xml.consulta_xml(consulta)
    xml.validate(data)
    assert parse_consulta_request(data) == consulta


def test_schemas_are_loaded_once() -> None:
    assert xml.schema("SuministroLR.xsd") is xml.schema("SuministroLR.xsd")


def test_xsd_files_ship_with_the_package() -> None:
    folder = Path(xml.__file__).parent / "xsd"
    names = {p.name for p in folder.iterdir()}
    assert set(xml.SCHEMA_FOR_ROOT.values()) <= names
    assert "SistemaFacturacion.wsdl" in names


def test_text_is_escaped(make_alta: Callable[..., r.RegistroAlta]) -> None:
    alta = make_alta(
        descripcion_operacion="Tornillos <M6> & tuercas",
        destinatarios=(r.PersonaFisicaJuridica("Q&A <S.L.>", nif="12345678Z"),),
    )
    data = xml.reg_factu_xml(Cabecera(Persona("A & B", "B87654323")), [alta])
    xml.validate(data)
    (received,) = parse_reg_factu_request(data).registros
    assert received.record == alta
    assert b"Tornillos &lt;M6&gt; &amp; tuercas" in data


def test_control_characters_are_refused(make_alta: Callable[..., r.RegistroAlta]) -> None:
    with pytest.raises(RecordInvalid) as exc:
        make_alta(descripcion_operacion="bell\x07")
    assert exc.value.faults[0].code == "1100"


def test_threads_build_and_parse_their_own_messages_at_once(
    make_alta: Callable[..., r.RegistroAlta],
) -> None:
    """Eight threads write, validate and parse back messages at the same time.

    lxml parsers keep per-parse state, so each thread must parse with its own: every message
    comes back whole and with its own invoice number, and no thread shares another's parser.
    """
    cabecera = Cabecera(EMISOR)
    start = threading.Barrier(8, timeout=60)
    parsers: dict[int, set[int]] = {}
    numbers: dict[int, list[str]] = {}

    def work(thread: int) -> None:
        start.wait()
        seen: list[str] = []
        for i in range(40):
            number = f"T{thread}/{i:04d}"
            alta = make_alta(id_factura=r.IDFactura("B87654323", number, date(2025, 3, 10)))
            payload = xml.reg_factu_element(cabecera, [alta])
            element = xml.record_element(alta)
            for root in (payload, element):
                found = root.findtext(f".//{{{xml.NS_SUMINISTRO_INFO}}}NumSerieFactura")
                assert found == number
            seen.append(number)
            parsers.setdefault(thread, set()).add(id(xml._trusted()))
        numbers[thread] = seen

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(8)))

    assert all(len(numbers[t]) == 40 for t in range(8))
    assert all(len(ids) == 1 for ids in parsers.values())  # one parser per thread, reused
    assert len(set().union(*parsers.values())) == 8  # and no two threads share one


def test_envelope_holds_the_validated_message_byte_for_byte(
    make_alta: Callable[..., r.RegistroAlta],
) -> None:
    """The SOAP message is the bare message moved into the envelope, and nothing else."""
    cabecera = Cabecera(EMISOR)
    records = [make_alta(), make_alta(descripcion_operacion="Q&A <S.L.>")]
    bare = xml.reg_factu_xml(cabecera, records, envelope=False)
    sent = xml.reg_factu_xml(cabecera, records)
    declaration = XML_DECLARATION.encode()
    assert sent == declaration + in_envelope(bare[len(declaration) :].decode()).encode()


def test_each_installation_writes_its_own_sistema_informatico(
    make_alta: Callable[..., r.RegistroAlta], sif: r.SistemaInformatico
) -> None:
    other = dataclasses.replace(sif, numero_instalacion="INST-0002")
    for installation in (sif, other, sif, other):
        data = xml.reg_factu_xml(Cabecera(EMISOR), [make_alta(sistema_informatico=installation)])
        number = installation.numero_instalacion
        assert f"<sum1:NumeroInstalacion>{number}</sum1:NumeroInstalacion>".encode() in data


def test_threads_validating_at_once_each_get_their_own_faults(
    make_alta: Callable[..., r.RegistroAlta],
) -> None:
    """A schema object keeps the error log of its last run, so each thread validates with its
    own: eight threads checking broken messages at once each get the fault of their message."""
    cabecera = Cabecera(EMISOR)
    good = xml.reg_factu_xml(cabecera, [make_alta()])
    start = threading.Barrier(8, timeout=60)
    schemas: dict[int, set[int]] = {}

    def work(thread: int) -> None:
        # Each thread breaks a different element, so a fault read from another thread's run
        # would name the wrong one.
        wrong = f"BAD{thread}"
        broken = good.replace(b"<sum1:TipoFactura>F1<", f"<sum1:TipoFactura>{wrong}<".encode())
        start.wait()
        for _ in range(30):
            with pytest.raises(xml.SchemaInvalid) as caught:
                xml.validate(broken)
            messages = [fault.message for fault in caught.value.faults]
            assert messages, "a broken message has faults"
            assert all(wrong in message for message in messages), messages
            schemas.setdefault(thread, set()).add(id(xml.schema("SuministroLR.xsd")))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(8)))

    assert all(len(ids) == 1 for ids in schemas.values())  # loaded once per thread
    assert len(set().union(*schemas.values())) == 8  # and never shared
