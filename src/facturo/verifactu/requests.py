"""Read the requests a SIF sends: RegFactuSistemaFacturacion and ConsultaFactuSistemaFacturacion.

The reverse of :mod:`facturo.verifactu.xml`'s writers, for whoever receives these messages (the
AEAT emulator, an import of stored XML). Bytes go through
:func:`~facturo.verifactu.xml.parse_untrusted`; call :func:`~facturo.verifactu.xml.validate`
first when the schema must hold (the AEAT answers 4102 otherwise).

Each record keeps what was **sent** apart from what it means: ``hash_fields`` and ``huella``
are the literal texts, so a receiver can recompute the huella exactly as sent (2000 when it
differs) [VAL 18]; ``record`` is the typed record, or ``None`` with ``faults`` saying which AEAT
rules it breaks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from lxml import etree

from facturo.errors import Fault
from facturo.verifactu import chain, formats
from facturo.verifactu.errors import RecordInvalid, UnexpectedReply
from facturo.verifactu.messages import Cabecera, ConsultaFactu, Persona
from facturo.verifactu.records import (
    DetalleDesglose,
    IDFactura,
    IDOtro,
    IDType,
    ImporteRectificacion,
    Impuesto,
    PersonaFisicaJuridica,
    Registro,
    RegistroAlta,
    RegistroAnterior,
    RegistroAnulacion,
    SistemaInformatico,
    TipoFactura,
    TipoRectificativa,
)
from facturo.verifactu.xml import NS_CONSULTA, NS_SOAP, NS_SUMINISTRO_INFO, NS_SUMINISTRO_LR
from facturo.verifactu.xml import parse_untrusted as _parse_untrusted

_SF = f"{{{NS_SUMINISTRO_INFO}}}"
_LR = f"{{{NS_SUMINISTRO_LR}}}"
_CON = f"{{{NS_CONSULTA}}}"
_SOAP = f"{{{NS_SOAP}}}"


@dataclass(frozen=True, slots=True)
class RegistroRecibido:
    """One RegistroFactura as received."""

    kind: Literal["alta", "anulacion"]
    hash_fields: Mapping[str, str]
    huella: str
    record: Registro | None
    faults: tuple[Fault, ...] = ()

    @property
    def huella_matches(self) -> bool:
        """Whether the sent Huella is the huella of the sent fields [HASH §3]."""
        return chain.huella_of_fields(self.kind, self.hash_fields) == self.huella


@dataclass(frozen=True, slots=True)
class RegFactuRequest:
    """A RegFactuSistemaFacturacion as received."""

    cabecera: Cabecera
    registros: tuple[RegistroRecibido, ...]


def _t(node: etree._Element | None, tag: str) -> str | None:
    if node is None:
        return None
    child = node.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip()


def _req(node: etree._Element | None, tag: str) -> str:
    value = _t(node, tag)
    if value is None:
        raise ValueError(f"missing {etree.QName(tag).localname}")
    return value


def _dec(node: etree._Element | None, tag: str) -> Decimal | None:
    value = _t(node, tag)
    return None if value is None else formats.parse_decimal(value)


def _yes(node: etree._Element | None, tag: str) -> bool:
    return _t(node, tag) == "S"


def _payload(data: bytes) -> etree._Element:
    root = _parse_untrusted(data)
    if root.tag != _SOAP + "Envelope":
        return root
    body = root.find(_SOAP + "Body")
    if body is None or len(body) == 0:
        raise UnexpectedReply("SOAP envelope without a Body payload")
    return body[0]


def _persona(node: etree._Element) -> Persona:
    return Persona(_req(node, _SF + "NombreRazon"), _req(node, _SF + "NIF"))


def _id_otro(node: etree._Element) -> IDOtro:
    return IDOtro(
        IDType(_req(node, _SF + "IDType")), _req(node, _SF + "ID"), _t(node, _SF + "CodigoPais")
    )


def _party(node: etree._Element | None) -> PersonaFisicaJuridica | None:
    if node is None:
        return None
    otro = node.find(_SF + "IDOtro")
    return PersonaFisicaJuridica(
        _req(node, _SF + "NombreRazon"),
        nif=_t(node, _SF + "NIF"),
        id_otro=_id_otro(otro) if otro is not None else None,
    )


def _key(node: etree._Element, suffix: str = "") -> IDFactura:
    return IDFactura(
        _req(node, _SF + "IDEmisorFactura" + suffix),
        _req(node, _SF + "NumSerieFactura" + suffix),
        formats.parse_fecha(_req(node, _SF + "FechaExpedicionFactura" + suffix)),
    )


def _anterior(node: etree._Element) -> RegistroAnterior | None:
    prev = node.find(f"{_SF}Encadenamiento/{_SF}RegistroAnterior")
    return None if prev is None else RegistroAnterior(_key(prev), _req(prev, _SF + "Huella"))


def _sistema(node: etree._Element | None) -> SistemaInformatico:
    if node is None:
        raise ValueError("missing SistemaInformatico")
    otro = node.find(_SF + "IDOtro")
    return SistemaInformatico(
        nombre_razon=_req(node, _SF + "NombreRazon"),
        nif=_t(node, _SF + "NIF"),
        id_otro=_id_otro(otro) if otro is not None else None,
        nombre_sistema_informatico=_req(node, _SF + "NombreSistemaInformatico"),
        id_sistema_informatico=_req(node, _SF + "IdSistemaInformatico"),
        version=_req(node, _SF + "Version"),
        numero_instalacion=_req(node, _SF + "NumeroInstalacion"),
        tipo_uso_posible_solo_verifactu=_yes(node, _SF + "TipoUsoPosibleSoloVerifactu"),
        tipo_uso_posible_multi_ot=_yes(node, _SF + "TipoUsoPosibleMultiOT"),
        indicador_multiples_ot=_yes(node, _SF + "IndicadorMultiplesOT"),
    )


def _timestamp(node: etree._Element) -> str:
    return _req(node, _SF + "FechaHoraHusoGenRegistro")


def _detalle(node: etree._Element) -> DetalleDesglose:
    return DetalleDesglose(
        formats.parse_decimal(_req(node, _SF + "BaseImponibleOimporteNoSujeto")),
        impuesto=Impuesto(_t(node, _SF + "Impuesto") or "01"),
        clave_regimen=_t(node, _SF + "ClaveRegimen"),
        calificacion_operacion=_t(node, _SF + "CalificacionOperacion"),
        operacion_exenta=_t(node, _SF + "OperacionExenta"),
        tipo_impositivo=_dec(node, _SF + "TipoImpositivo"),
        base_imponible_a_coste=_dec(node, _SF + "BaseImponibleACoste"),
        cuota_repercutida=_dec(node, _SF + "CuotaRepercutida"),
        tipo_recargo_equivalencia=_dec(node, _SF + "TipoRecargoEquivalencia"),
        cuota_recargo_equivalencia=_dec(node, _SF + "CuotaRecargoEquivalencia"),
    )


def _alta(node: etree._Element) -> RegistroAlta:
    imp = node.find(_SF + "ImporteRectificacion")
    fecha_op = _t(node, _SF + "FechaOperacion")
    return RegistroAlta(
        id_factura=_key(_must(node, "IDFactura")),
        ref_externa=_t(node, _SF + "RefExterna"),
        nombre_razon_emisor=_req(node, _SF + "NombreRazonEmisor"),
        subsanacion=_yes(node, _SF + "Subsanacion"),
        rechazo_previo=_t(node, _SF + "RechazoPrevio"),
        tipo_factura=TipoFactura(_req(node, _SF + "TipoFactura")),
        tipo_rectificativa=(
            TipoRectificativa(v) if (v := _t(node, _SF + "TipoRectificativa")) else None
        ),
        facturas_rectificadas=tuple(
            _key(n) for n in node.iterfind(f"{_SF}FacturasRectificadas/{_SF}IDFacturaRectificada")
        ),
        facturas_sustituidas=tuple(
            _key(n) for n in node.iterfind(f"{_SF}FacturasSustituidas/{_SF}IDFacturaSustituida")
        ),
        importe_rectificacion=(
            None
            if imp is None
            else ImporteRectificacion(
                formats.parse_decimal(_req(imp, _SF + "BaseRectificada")),
                formats.parse_decimal(_req(imp, _SF + "CuotaRectificada")),
                _dec(imp, _SF + "CuotaRecargoRectificado"),
            )
        ),
        fecha_operacion=formats.parse_fecha(fecha_op) if fecha_op else None,
        descripcion_operacion=_req(node, _SF + "DescripcionOperacion"),
        factura_simplificada_art7273=_yes(node, _SF + "FacturaSimplificadaArt7273"),
        factura_sin_identif_destinatario_art61d=_yes(
            node, _SF + "FacturaSinIdentifDestinatarioArt61d"
        ),
        emitida_por_tercero_o_destinatario=_t(node, _SF + "EmitidaPorTerceroODestinatario"),
        tercero=_party(node.find(_SF + "Tercero")),
        destinatarios=tuple(
            p
            for n in node.iterfind(f"{_SF}Destinatarios/{_SF}IDDestinatario")
            if (p := _party(n)) is not None
        ),
        cupon=_yes(node, _SF + "Cupon"),
        desglose=tuple(_detalle(n) for n in node.iterfind(f"{_SF}Desglose/{_SF}DetalleDesglose")),
        cuota_total=formats.parse_decimal(_req(node, _SF + "CuotaTotal")),
        importe_total=formats.parse_decimal(_req(node, _SF + "ImporteTotal")),
        registro_anterior=_anterior(node),
        sistema_informatico=_sistema(node.find(_SF + "SistemaInformatico")),
        fecha_hora_huso_gen_registro=datetime.fromisoformat(_timestamp(node)),
        num_registro_acuerdo_facturacion=_t(node, _SF + "NumRegistroAcuerdoFacturacion"),
        id_acuerdo_sistema_informatico=_t(node, _SF + "IdAcuerdoSistemaInformatico"),
    )


def _must(node: etree._Element, name: str) -> etree._Element:
    child = node.find(_SF + name)
    if child is None:
        raise ValueError(f"missing {name}")
    return child


def _anulacion(node: etree._Element) -> RegistroAnulacion:
    return RegistroAnulacion(
        id_factura=_key(_must(node, "IDFactura"), "Anulada"),
        ref_externa=_t(node, _SF + "RefExterna"),
        sin_registro_previo=_yes(node, _SF + "SinRegistroPrevio"),
        rechazo_previo=_yes(node, _SF + "RechazoPrevio"),
        generado_por=_t(node, _SF + "GeneradoPor"),
        generador=_party(node.find(_SF + "Generador")),
        registro_anterior=_anterior(node),
        sistema_informatico=_sistema(node.find(_SF + "SistemaInformatico")),
        fecha_hora_huso_gen_registro=datetime.fromisoformat(_timestamp(node)),
    )


def _hash_fields(node: etree._Element, kind: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = node.find(_SF + "IDFactura")
    if key is not None:
        for child in key:
            if isinstance(child.tag, str):
                fields[etree.QName(child).localname] = (child.text or "").strip()
    for name in ("TipoFactura", "CuotaTotal", "ImporteTotal", "FechaHoraHusoGenRegistro"):
        value = _t(node, _SF + name)
        if value is not None:
            fields[name] = value
    previous = node.find(f"{_SF}Encadenamiento/{_SF}RegistroAnterior/{_SF}Huella")
    fields["Huella"] = (previous.text or "").strip() if previous is not None else ""
    return fields


def _registro(holder: etree._Element) -> RegistroRecibido:
    if len(holder) != 1:
        raise UnexpectedReply("RegistroFactura holds exactly one record")
    node = holder[0]
    kind: Literal["alta", "anulacion"]
    if node.tag == _SF + "RegistroAlta":
        kind = "alta"
    elif node.tag == _SF + "RegistroAnulacion":
        kind = "anulacion"
    else:
        raise UnexpectedReply(f"unknown record {etree.QName(node).text}")
    record: Registro | None = None
    faults: tuple[Fault, ...] = ()
    try:
        record = _alta(node) if kind == "alta" else _anulacion(node)
    except RecordInvalid as exc:
        faults = exc.faults
    except ValueError as exc:
        faults = (Fault("1100", str(exc), (f"$.{etree.QName(node).localname}",)),)
    return RegistroRecibido(
        kind=kind,
        hash_fields=MappingProxyType(_hash_fields(node, kind)),
        huella=_t(node, _SF + "Huella") or "",
        record=record,
        faults=faults,
    )


def parse_reg_factu_request(data: bytes) -> RegFactuRequest:
    """Read a RegFactuSistemaFacturacion (bare or in a SOAP envelope)."""
    payload = _payload(data)
    if payload.tag != _LR + "RegFactuSistemaFacturacion":
        raise UnexpectedReply(f"not a RegFactuSistemaFacturacion: {etree.QName(payload).text}")
    cab = payload.find(_LR + "Cabecera")
    obligado = cab.find(_SF + "ObligadoEmision") if cab is not None else None
    if cab is None or obligado is None:
        raise UnexpectedReply("Cabecera/ObligadoEmision missing")
    representante = cab.find(_SF + "Representante")
    voluntaria = cab.find(_SF + "RemisionVoluntaria")
    requerimiento = cab.find(_SF + "RemisionRequerimiento")
    try:
        fin = _t(voluntaria, _SF + "FechaFinVeriFactu")
        incidencia = _t(voluntaria, _SF + "Incidencia")
        fin_req = _t(requerimiento, _SF + "FinRequerimiento")
        cabecera = Cabecera(
            obligado_emision=_persona(obligado),
            representante=_persona(representante) if representante is not None else None,
            fecha_fin_verifactu=formats.parse_fecha(fin) if fin else None,
            incidencia=None if incidencia is None else incidencia == "S",
            ref_requerimiento=_t(requerimiento, _SF + "RefRequerimiento"),
            fin_requerimiento=None if fin_req is None else fin_req == "S",
        )
    except ValueError as exc:
        raise UnexpectedReply(f"bad Cabecera: {exc}") from exc
    registros = tuple(_registro(h) for h in payload.iterfind(_LR + "RegistroFactura"))
    return RegFactuRequest(cabecera=cabecera, registros=registros)


def parse_record(data: bytes) -> Registro:
    """A record kept as its own ``RegistroAlta`` / ``RegistroAnulacion`` element, as a model.

    The ledger stores each record's XML exactly as generated; reading it back gives the same
    model (and the same huella), so a record is sent as it was chained, never rebuilt.
    """
    node = _parse_untrusted(data)
    if node.tag == _SF + "RegistroAlta":
        return _alta(node)
    if node.tag == _SF + "RegistroAnulacion":
        return _anulacion(node)
    raise UnexpectedReply(f"not a record: {etree.QName(node).text}")


def parse_consulta_request(data: bytes) -> ConsultaFactu:
    """Read a ConsultaFactuSistemaFacturacion (bare or in a SOAP envelope)."""
    payload = _payload(data)
    if payload.tag != _CON + "ConsultaFactuSistemaFacturacion":
        raise UnexpectedReply(f"not a ConsultaFactuSistemaFacturacion: {etree.QName(payload).text}")
    cab = payload.find(_CON + "Cabecera")
    filtro = payload.find(_CON + "FiltroConsulta")
    periodo = filtro.find(_CON + "PeriodoImputacion") if filtro is not None else None
    if cab is None or filtro is None or periodo is None:
        raise UnexpectedReply("Cabecera or FiltroConsulta/PeriodoImputacion missing")
    extra = payload.find(_CON + "DatosAdicionalesRespuesta")
    obligado = cab.find(_SF + "ObligadoEmision")
    destinatario = cab.find(_SF + "Destinatario")
    fechas = filtro.find(_CON + "FechaExpedicionFactura")
    rango = fechas.find(_SF + "RangoFechaExpedicion") if fechas is not None else None
    clave = filtro.find(_CON + "ClavePaginacion")
    contraparte = filtro.find(_CON + "Contraparte")

    def fecha(node: etree._Element | None, tag: str) -> date | None:
        value = _t(node, tag)
        return formats.parse_fecha(value) if value else None

    def flag(tag: str) -> bool | None:
        value = _t(extra, tag)
        return None if value is None else value == "S"

    try:
        return ConsultaFactu(
            ejercicio=int(_req(periodo, _SF + "Ejercicio")),
            periodo=int(_req(periodo, _SF + "Periodo")),
            obligado_emision=_persona(obligado) if obligado is not None else None,
            destinatario=_persona(destinatario) if destinatario is not None else None,
            indicador_representante=_yes(cab, _SF + "IndicadorRepresentante"),
            num_serie_factura=_t(filtro, _CON + "NumSerieFactura"),
            contraparte=_party(contraparte),
            fecha_expedicion=fecha(fechas, _SF + "FechaExpedicionFactura"),
            fecha_desde=fecha(rango, _SF + "Desde"),
            fecha_hasta=fecha(rango, _SF + "Hasta"),
            ref_externa=_t(filtro, _CON + "RefExterna"),
            clave_paginacion=_key(clave) if clave is not None else None,
            mostrar_nombre_razon_emisor=flag(_CON + "MostrarNombreRazonEmisor"),
            mostrar_sistema_informatico=flag(_CON + "MostrarSistemaInformatico"),
        )
    except ValueError as exc:
        raise UnexpectedReply(f"bad query: {exc}") from exc


__all__ = [
    "RegFactuRequest",
    "RegistroRecibido",
    "parse_consulta_request",
    "parse_record",
    "parse_reg_factu_request",
]
