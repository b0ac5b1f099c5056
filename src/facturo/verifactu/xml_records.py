"""Text serialization of records and of the RegFactuSistemaFacturacion message.

Writes the XML as text, element by element in XSD sequence order, instead of building an lxml
tree node by node: a record has about 80 elements, and creating namespaced lxml nodes one by
one cost more than everything else in making a record (see ``benchmarks/bench_verifactu.py``).
The text is exactly what the tree would serialize to; :mod:`facturo.verifactu.xml` parses it
back when a caller wants an element, and validates it against the XSD.

Escaping: every value goes through :func:`_esc` (``&``, ``<``, ``>``); values never go into
attributes. Records refuse control characters, which XML 1.0 cannot carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from facturo.verifactu import formats
from facturo.verifactu.messages import Cabecera
from facturo.verifactu.records import (
    ID_VERSION,
    TIPO_HUELLA,
    DetalleDesglose,
    IDFactura,
    IDOtro,
    PersonaFisicaJuridica,
    Registro,
    RegistroAlta,
    RegistroAnterior,
    RegistroAnulacion,
    SistemaInformatico,
)

_BASE: Final = (
    "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/"
    "es/aeat/tike/cont/ws/"
)
NS_SOAP: Final = "http://schemas.xmlsoap.org/soap/envelope/"
NS_SUMINISTRO_LR: Final = _BASE + "SuministroLR.xsd"
NS_SUMINISTRO_INFO: Final = _BASE + "SuministroInformacion.xsd"

XML_DECLARATION: Final = "<?xml version='1.0' encoding='UTF-8'?>\n"
_DECLS: Final = f' xmlns:sum="{NS_SUMINISTRO_LR}" xmlns:sum1="{NS_SUMINISTRO_INFO}"'


def _esc(value: str) -> str:
    if "&" in value or "<" in value or ">" in value:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _el(out: list[str], name: str, value: str) -> None:
    out.append(f"<sum1:{name}>{_esc(value)}</sum1:{name}>")


def _id_otro(out: list[str], value: IDOtro) -> None:
    out.append("<sum1:IDOtro>")
    if value.codigo_pais is not None:
        _el(out, "CodigoPais", value.codigo_pais)
    _el(out, "IDType", value.id_type.value)
    _el(out, "ID", value.id)
    out.append("</sum1:IDOtro>")


def _persona(out: list[str], tag: str, value: PersonaFisicaJuridica) -> None:
    name = _esc(value.nombre_razon)
    if value.nif is not None:  # NIF_RE: nothing to escape
        out.append(
            f"<sum1:{tag}><sum1:NombreRazon>{name}</sum1:NombreRazon>"
            f"<sum1:NIF>{value.nif}</sum1:NIF></sum1:{tag}>"
        )
        return
    out.append(f"<sum1:{tag}><sum1:NombreRazon>{name}</sum1:NombreRazon>")
    if value.id_otro is not None:
        _id_otro(out, value.id_otro)
    out.append(f"</sum1:{tag}>")


def _id_factura(out: list[str], tag: str, key: IDFactura) -> None:
    out.append(
        f"<sum1:{tag}>"
        f"<sum1:IDEmisorFactura>{key.id_emisor_factura}</sum1:IDEmisorFactura>"
        f"<sum1:NumSerieFactura>{_esc(key.num_serie_factura)}</sum1:NumSerieFactura>"
        f"<sum1:FechaExpedicionFactura>{key.fecha_text}</sum1:FechaExpedicionFactura>"
        f"</sum1:{tag}>"
    )


def _encadenamiento(out: list[str], anterior: RegistroAnterior | None) -> None:
    out.append(_encadenamiento_text(anterior))


def _encadenamiento_text(anterior: RegistroAnterior | None) -> str:
    if anterior is None:
        return (
            "<sum1:Encadenamiento><sum1:PrimerRegistro>S</sum1:PrimerRegistro>"
            "</sum1:Encadenamiento>"
        )
    key = anterior.id_factura
    return (
        "<sum1:Encadenamiento><sum1:RegistroAnterior>"
        f"<sum1:IDEmisorFactura>{key.id_emisor_factura}</sum1:IDEmisorFactura>"
        f"<sum1:NumSerieFactura>{_esc(key.num_serie_factura)}</sum1:NumSerieFactura>"
        f"<sum1:FechaExpedicionFactura>{key.fecha_text}</sum1:FechaExpedicionFactura>"
        f"<sum1:Huella>{anterior.huella}</sum1:Huella>"
        "</sum1:RegistroAnterior></sum1:Encadenamiento>"
    )


def _sistema(out: list[str], value: SistemaInformatico) -> None:
    out.append(_sistema_text(value))


#: SistemaInformatico blocks already written, by the identity of the value: one installation
#: writes the same block on every record, and hashing a ten-field dataclass to find it in an
#: ``lru_cache`` cost as much as writing it. The value is kept with its text, so its id cannot
#: be reused while the entry lives; a new value with equal fields is simply written again.
_SISTEMA_TEXTS: Final[dict[int, tuple[SistemaInformatico, str]]] = {}
_SISTEMA_TEXTS_MAX: Final = 64


def _sistema_text(value: SistemaInformatico) -> str:
    hit = _SISTEMA_TEXTS.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    text = _sistema_block(value)
    if len(_SISTEMA_TEXTS) >= _SISTEMA_TEXTS_MAX:
        _SISTEMA_TEXTS.clear()
    _SISTEMA_TEXTS[id(value)] = (value, text)
    return text


def _sistema_block(value: SistemaInformatico) -> str:
    out: list[str] = ["<sum1:SistemaInformatico>"]
    _el(out, "NombreRazon", value.nombre_razon)
    if value.nif is not None:
        _el(out, "NIF", value.nif)
    elif value.id_otro is not None:
        _id_otro(out, value.id_otro)
    _el(out, "NombreSistemaInformatico", value.nombre_sistema_informatico)
    _el(out, "IdSistemaInformatico", value.id_sistema_informatico)
    _el(out, "Version", value.version)
    _el(out, "NumeroInstalacion", value.numero_instalacion)
    _el(out, "TipoUsoPosibleSoloVerifactu", formats.flag(value.tipo_uso_posible_solo_verifactu))
    _el(out, "TipoUsoPosibleMultiOT", formats.flag(value.tipo_uso_posible_multi_ot))
    _el(out, "IndicadorMultiplesOT", formats.flag(value.indicador_multiples_ot))
    out.append("</sum1:SistemaInformatico>")
    return "".join(out)


def _detalle(out: list[str], line: DetalleDesglose) -> None:
    """One DetalleDesglose, its elements in XSD order, each only when it has a value.

    Codes were checked against their lists and numbers written by :mod:`formats`: nothing to
    escape. The common taxed line (a regime, a qualification, a rate and a cuota, no cost
    base and no surcharge) is written in one piece; it is the same text the element-by-element
    branch writes for it, with fewer steps on a line every invoice has.
    """
    clave, calif = line.clave_regimen, line.calificacion_operacion
    tipo, coste = line.tipo_impositivo_text, line.base_a_coste_text
    cuota, tipo_re, cuota_re = line.cuota_text, line.tipo_recargo_text, line.cuota_recargo_text
    if (
        clave is not None
        and calif is not None
        and tipo is not None
        and coste is None
        and cuota is not None
        and tipo_re is None
        and cuota_re is None
    ):
        out.append(
            f"<sum1:DetalleDesglose><sum1:Impuesto>{line.impuesto}</sum1:Impuesto>"
            f"<sum1:ClaveRegimen>{clave}</sum1:ClaveRegimen>"
            f"<sum1:CalificacionOperacion>{calif}</sum1:CalificacionOperacion>"
            f"<sum1:TipoImpositivo>{tipo}</sum1:TipoImpositivo>"
            f"<sum1:BaseImponibleOimporteNoSujeto>{line.base_text}"
            "</sum1:BaseImponibleOimporteNoSujeto>"
            f"<sum1:CuotaRepercutida>{cuota}</sum1:CuotaRepercutida></sum1:DetalleDesglose>"
        )
        return
    _detalle_elements(out, line)


def _detalle_elements(out: list[str], line: DetalleDesglose) -> None:
    """Any DetalleDesglose, element by element (see :func:`_detalle`)."""
    clave, calif, exenta = line.clave_regimen, line.calificacion_operacion, line.operacion_exenta
    tipo, coste = line.tipo_impositivo_text, line.base_a_coste_text
    cuota, tipo_re, cuota_re = line.cuota_text, line.tipo_recargo_text, line.cuota_recargo_text
    out.append(f"<sum1:DetalleDesglose><sum1:Impuesto>{line.impuesto}</sum1:Impuesto>")
    if clave is not None:
        out.append(f"<sum1:ClaveRegimen>{clave}</sum1:ClaveRegimen>")
    if calif is not None:
        out.append(f"<sum1:CalificacionOperacion>{calif}</sum1:CalificacionOperacion>")
    elif exenta is not None:
        out.append(f"<sum1:OperacionExenta>{exenta}</sum1:OperacionExenta>")
    if tipo is not None:
        out.append(f"<sum1:TipoImpositivo>{tipo}</sum1:TipoImpositivo>")
    out.append(
        f"<sum1:BaseImponibleOimporteNoSujeto>{line.base_text}</sum1:BaseImponibleOimporteNoSujeto>"
    )
    if coste is not None:
        out.append(f"<sum1:BaseImponibleACoste>{coste}</sum1:BaseImponibleACoste>")
    if cuota is not None:
        out.append(f"<sum1:CuotaRepercutida>{cuota}</sum1:CuotaRepercutida>")
    if tipo_re is not None:
        out.append(f"<sum1:TipoRecargoEquivalencia>{tipo_re}</sum1:TipoRecargoEquivalencia>")
    if cuota_re is not None:
        out.append(f"<sum1:CuotaRecargoEquivalencia>{cuota_re}</sum1:CuotaRecargoEquivalencia>")
    out.append("</sum1:DetalleDesglose>")


def _alta(out: list[str], r: RegistroAlta, decls: str) -> None:
    key = r.id_factura
    out.append(
        f"<sum1:RegistroAlta{decls}><sum1:IDVersion>{ID_VERSION}</sum1:IDVersion>"
        "<sum1:IDFactura>"
        f"<sum1:IDEmisorFactura>{key.id_emisor_factura}</sum1:IDEmisorFactura>"
        f"<sum1:NumSerieFactura>{_esc(key.num_serie_factura)}</sum1:NumSerieFactura>"
        f"<sum1:FechaExpedicionFactura>{key.fecha_text}</sum1:FechaExpedicionFactura>"
        "</sum1:IDFactura>"
    )
    if r.ref_externa is not None:
        _el(out, "RefExterna", r.ref_externa)
    out.append(f"<sum1:NombreRazonEmisor>{_esc(r.nombre_razon_emisor)}</sum1:NombreRazonEmisor>")
    if r.subsanacion:
        out.append("<sum1:Subsanacion>S</sum1:Subsanacion>")
    if r.rechazo_previo is not None:
        _el(out, "RechazoPrevio", r.rechazo_previo)
    out.append(f"<sum1:TipoFactura>{r.tipo_factura}</sum1:TipoFactura>")  # a StrEnum: its value
    if r.tipo_rectificativa is not None:
        _el(out, "TipoRectificativa", r.tipo_rectificativa.value)
    if r.facturas_rectificadas:
        out.append("<sum1:FacturasRectificadas>")
        for ref in r.facturas_rectificadas:
            _id_factura(out, "IDFacturaRectificada", ref)
        out.append("</sum1:FacturasRectificadas>")
    if r.facturas_sustituidas:
        out.append("<sum1:FacturasSustituidas>")
        for ref in r.facturas_sustituidas:
            _id_factura(out, "IDFacturaSustituida", ref)
        out.append("</sum1:FacturasSustituidas>")
    if r.importe_rectificacion is not None:
        imp = r.importe_rectificacion
        out.append("<sum1:ImporteRectificacion>")
        _el(out, "BaseRectificada", imp.base_text)
        _el(out, "CuotaRectificada", imp.cuota_text)
        if imp.cuota_recargo_text is not None:
            _el(out, "CuotaRecargoRectificado", imp.cuota_recargo_text)
        out.append("</sum1:ImporteRectificacion>")
    if r.fecha_operacion is not None:
        _el(out, "FechaOperacion", formats.fecha(r.fecha_operacion))
    out.append(
        f"<sum1:DescripcionOperacion>{_esc(r.descripcion_operacion)}</sum1:DescripcionOperacion>"
    )
    if r.factura_simplificada_art7273:
        _el(out, "FacturaSimplificadaArt7273", "S")
    if r.factura_sin_identif_destinatario_art61d:
        _el(out, "FacturaSinIdentifDestinatarioArt61d", "S")
    if r.macrodato:
        _el(out, "Macrodato", "S")
    if r.emitida_por_tercero_o_destinatario is not None:
        _el(out, "EmitidaPorTerceroODestinatario", r.emitida_por_tercero_o_destinatario)
    if r.tercero is not None:
        _persona(out, "Tercero", r.tercero)
    if r.destinatarios:
        out.append("<sum1:Destinatarios>")
        for dest in r.destinatarios:
            if dest.nif is not None:  # as _persona writes it, for the common recipient
                out.append(
                    "<sum1:IDDestinatario>"
                    f"<sum1:NombreRazon>{_esc(dest.nombre_razon)}</sum1:NombreRazon>"
                    f"<sum1:NIF>{dest.nif}</sum1:NIF></sum1:IDDestinatario>"
                )
            else:
                _persona(out, "IDDestinatario", dest)
        out.append("</sum1:Destinatarios>")
    if r.cupon:
        _el(out, "Cupon", "S")
    out.append("<sum1:Desglose>")
    for line in r.desglose:
        _detalle(out, line)
    # From the end of the breakdown to the end of the record in one piece when there are no
    # agreement numbers, as almost every record has none.
    tail = (
        "</sum1:Desglose>"
        f"<sum1:CuotaTotal>{r.cuota_total_text}</sum1:CuotaTotal>"
        f"<sum1:ImporteTotal>{r.importe_total_text}</sum1:ImporteTotal>"
        f"{_encadenamiento_text(r.registro_anterior)}{_sistema_text(r.sistema_informatico)}"
        f"<sum1:FechaHoraHusoGenRegistro>{r.fecha_hora_text}</sum1:FechaHoraHusoGenRegistro>"
    )
    huella = (
        f"<sum1:TipoHuella>{TIPO_HUELLA}</sum1:TipoHuella>"
        f"<sum1:Huella>{r.huella}</sum1:Huella></sum1:RegistroAlta>"
    )
    acuerdo, id_acuerdo = r.num_registro_acuerdo_facturacion, r.id_acuerdo_sistema_informatico
    if acuerdo is None and id_acuerdo is None:
        out.append(tail + huella)
        return
    out.append(tail)
    if acuerdo is not None:
        _el(out, "NumRegistroAcuerdoFacturacion", acuerdo)
    if id_acuerdo is not None:
        _el(out, "IdAcuerdoSistemaInformatico", id_acuerdo)
    out.append(huella)


def _anulacion(out: list[str], r: RegistroAnulacion, decls: str) -> None:
    key = r.id_factura
    out.append(
        f"<sum1:RegistroAnulacion{decls}><sum1:IDVersion>{ID_VERSION}</sum1:IDVersion>"
        "<sum1:IDFactura>"
        f"<sum1:IDEmisorFacturaAnulada>{key.id_emisor_factura}</sum1:IDEmisorFacturaAnulada>"
        f"<sum1:NumSerieFacturaAnulada>{_esc(key.num_serie_factura)}"
        "</sum1:NumSerieFacturaAnulada>"
        f"<sum1:FechaExpedicionFacturaAnulada>{key.fecha_text}"
        "</sum1:FechaExpedicionFacturaAnulada>"
        "</sum1:IDFactura>"
    )
    if r.ref_externa is not None:
        _el(out, "RefExterna", r.ref_externa)
    if r.sin_registro_previo:
        _el(out, "SinRegistroPrevio", "S")
    if r.rechazo_previo:
        _el(out, "RechazoPrevio", "S")
    if r.generado_por is not None:
        _el(out, "GeneradoPor", r.generado_por)
    if r.generador is not None:
        _persona(out, "Generador", r.generador)
    _encadenamiento(out, r.registro_anterior)
    _sistema(out, r.sistema_informatico)
    _el(out, "FechaHoraHusoGenRegistro", r.fecha_hora_text)
    out.append(
        f"<sum1:TipoHuella>{TIPO_HUELLA}</sum1:TipoHuella>"
        f"<sum1:Huella>{r.huella}</sum1:Huella></sum1:RegistroAnulacion>"
    )


def _registro(out: list[str], record: Registro, decls: str = "") -> None:
    if isinstance(record, RegistroAlta):
        _alta(out, record, decls)
    else:
        _anulacion(out, record, decls)


def _persona_es(out: list[str], tag: str, nombre: str, nif: str) -> None:
    out.append(  # Persona checked the NIF against NIF_RE: nothing to escape
        f"<sum1:{tag}><sum1:NombreRazon>{_esc(nombre)}</sum1:NombreRazon>"
        f"<sum1:NIF>{nif}</sum1:NIF></sum1:{tag}>"
    )


def _cabecera(out: list[str], cab: Cabecera) -> None:
    out.append("<sum:Cabecera>")
    _persona_es(out, "ObligadoEmision", cab.obligado_emision.nombre_razon,
                cab.obligado_emision.nif)  # fmt: skip
    if cab.representante is not None:
        _persona_es(out, "Representante", cab.representante.nombre_razon, cab.representante.nif)
    if cab.fecha_fin_verifactu is not None or cab.incidencia is not None:
        out.append("<sum1:RemisionVoluntaria>")
        if cab.fecha_fin_verifactu is not None:
            _el(out, "FechaFinVeriFactu", formats.fecha(cab.fecha_fin_verifactu))
        if cab.incidencia is not None:
            _el(out, "Incidencia", formats.flag(cab.incidencia))
        out.append("</sum1:RemisionVoluntaria>")
    if cab.ref_requerimiento is not None:
        out.append("<sum1:RemisionRequerimiento>")
        _el(out, "RefRequerimiento", cab.ref_requerimiento)
        if cab.fin_requerimiento is not None:
            _el(out, "FinRequerimiento", formats.flag(cab.fin_requerimiento))
        out.append("</sum1:RemisionRequerimiento>")
    out.append("</sum:Cabecera>")


SOAP_CLOSE: Final = "</soapenv:Body></soapenv:Envelope>"


def in_envelope(payload: str) -> str:
    """``payload`` (no XML declaration) inside a SOAP 1.1 envelope with an empty Header.

    The payload's namespace declarations move up to the Envelope, where the AEAT examples
    declare them, so the bytes match theirs.
    """
    head, sep, rest = payload.partition(">")
    if head.endswith(_DECLS):
        head = head[: -len(_DECLS)]
        decls = _DECLS
    else:
        decls = ""
    return (
        f'<soapenv:Envelope xmlns:soapenv="{NS_SOAP}"{decls}><soapenv:Header/><soapenv:Body>'
        f"{head}{sep}{rest}{SOAP_CLOSE}"
    )


#: The message root as it opens a bare message, declaring both namespaces.
REG_FACTU_OPEN: Final = f"<sum:RegFactuSistemaFacturacion{_DECLS}>"
#: The SOAP envelope up to and with the message root, the namespaces declared on the Envelope:
#: what :func:`in_envelope` makes of :data:`REG_FACTU_OPEN`, written once.
REG_FACTU_ENVELOPE_OPEN: Final = (
    f'<soapenv:Envelope xmlns:soapenv="{NS_SOAP}"{_DECLS}><soapenv:Header/><soapenv:Body>'
    "<sum:RegFactuSistemaFacturacion>"
)


def reg_factu_content(cabecera: Cabecera, records: Sequence[Registro]) -> str:
    """The message after its opening tag: Cabecera, the records and the closing tag.

    Written once per message and framed twice by :mod:`facturo.verifactu.xml`: after
    :data:`REG_FACTU_OPEN` for the XSD check, after :data:`REG_FACTU_ENVELOPE_OPEN` for
    sending.
    """
    out: list[str] = []
    _cabecera(out, cabecera)
    for record in records:
        out.append("<sum:RegistroFactura>")
        _registro(out, record)
        out.append("</sum:RegistroFactura>")
    out.append("</sum:RegFactuSistemaFacturacion>")
    return "".join(out)


def record_text(record: Registro) -> str:
    """One ``RegistroAlta`` or ``RegistroAnulacion`` alone, declaring its own namespace."""
    out: list[str] = []
    _registro(out, record, f' xmlns:sum1="{NS_SUMINISTRO_INFO}"')
    return "".join(out)


__all__ = [
    "REG_FACTU_ENVELOPE_OPEN",
    "REG_FACTU_OPEN",
    "SOAP_CLOSE",
    "XML_DECLARATION",
    "in_envelope",
    "record_text",
    "reg_factu_content",
]
