"""The XML the sandbox answers: submission replies, query replies and SOAP Faults.

Shapes from RespuestaSuministro.xsd, RespuestaConsultaLR.xsd and SOAP 1.1, with the prefixes of
AEAT's own examples (``env``, ``tikR``, ``tikLRRC``, ``tik``) [spec §9.3, §9.4, §10]. Every reply
validates against the XSDs and parses with :func:`facturo.verifactu.replies.parse_reply`; the
tests check both.

The query reply's ``DatosRegistroFacturacion`` is rebuilt from the stored record: the record's
own children become elements of the response namespace (the XSD declares them locally there),
their content keeps SuministroInformacion's namespace, and they are put in the order of
``RespuestaDatosRegistroFacturacionType``, which differs from RegistroAlta's.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from lxml import etree

from facturo.aeat_sandbox.store import StoredRecord
from facturo.verifactu.xml import (
    NS_RESPUESTA,
    NS_RESPUESTA_CONSULTA,
    NS_SOAP,
    NS_SUMINISTRO_INFO,
    parse_untrusted,
    to_bytes,
)

_ENV = f"{{{NS_SOAP}}}"
_R = f"{{{NS_RESPUESTA}}}"
_RC = f"{{{NS_RESPUESTA_CONSULTA}}}"
_SF = f"{{{NS_SUMINISTRO_INFO}}}"

#: Element order of ``RespuestaDatosRegistroFacturacionType`` [RespuestaConsultaLR.xsd].
_DATOS_ORDER: Final = (
    "NombreRazonEmisor",
    "RefExterna",
    "Subsanacion",
    "RechazoPrevio",
    "SinRegistroPrevio",
    "GeneradoPor",
    "Generador",
    "TipoFactura",
    "TipoRectificativa",
    "FacturasRectificadas",
    "FacturasSustituidas",
    "ImporteRectificacion",
    "FechaOperacion",
    "DescripcionOperacion",
    "FacturaSimplificadaArt7273",
    "FacturaSinIdentifDestinatarioArt61d",
    "Macrodato",
    "EmitidaPorTerceroODestinatario",
    "Tercero",
    "Destinatarios",
    "Cupon",
    "Desglose",
    "CuotaTotal",
    "ImporteTotal",
    "Encadenamiento",
    "SistemaInformatico",
    "FechaHoraHusoGenRegistro",
    "NumRegistroAcuerdoFacturacion",
    "IdAcuerdoSistemaInformatico",
    "TipoHuella",
    "Huella",
)
#: Fields an anulación overrides when it cancels a stored alta: the query then shows the
#: huella and chain link of the last record stored for the key.
_ANULACION_FIELDS: Final = frozenset(
    {
        "RefExterna",
        "SinRegistroPrevio",
        "RechazoPrevio",
        "GeneradoPor",
        "Generador",
        "Encadenamiento",
        "SistemaInformatico",
        "FechaHoraHusoGenRegistro",
        "TipoHuella",
        "Huella",
    }
)
#: Containers whose children the response schema also declares locally.
_LOCAL_CHILDREN: Final = frozenset(
    {"FacturasRectificadas", "FacturasSustituidas", "Destinatarios", "Encadenamiento"}
)


def _add(parent: etree._Element, tag: str, text: str) -> etree._Element:
    child = etree.SubElement(parent, tag)
    child.text = text
    return child


def _envelope(payload: etree._Element) -> bytes:
    envelope = etree.Element(_ENV + "Envelope", nsmap={"env": NS_SOAP})
    etree.SubElement(envelope, _ENV + "Header")
    body = etree.SubElement(envelope, _ENV + "Body")
    body.append(payload)
    return to_bytes(envelope)


def soap_fault(
    code: int | None, message: str, *, server: bool = False, detail: str | None = None
) -> bytes:
    """A SOAP 1.1 Fault as the AEAT writes it: ``Codigo[NNNN].text`` [spec §9.4; sample 04].

    ``env:Client`` asks the sender to fix the message; ``server`` gives ``env:Server``: resend
    the same message later.
    """
    fault = etree.Element(_ENV + "Fault", nsmap={"env": NS_SOAP})
    _add(fault, "faultcode", "env:Server" if server else "env:Client")
    _add(fault, "faultstring", f"Codigo[{code}].{message}" if code is not None else message)
    if detail is not None:
        holder = etree.SubElement(fault, "detail")
        _add(holder, "callstack", detail)
    return _envelope(fault)


@dataclass(frozen=True, slots=True)
class Duplicado:
    """The stored record a 3000 collided with (``RegistroDuplicadoType``)."""

    id_peticion: str
    estado: str  # Correcta | AceptadaConErrores | Anulada
    codigo_error: int | None = None
    descripcion_error: str | None = None


@dataclass(frozen=True, slots=True)
class Linea:
    """One ``RespuestaLinea``."""

    nif: str
    num_serie: str
    fecha: str
    tipo_operacion: str  # Alta | Anulacion
    estado: str  # Correcto | AceptadoConErrores | Incorrecto
    subsanacion: str | None = None
    rechazo_previo: str | None = None
    sin_registro_previo: str | None = None
    ref_externa: str | None = None
    codigo_error: int | None = None
    descripcion_error: str | None = None
    duplicado: Duplicado | None = None


def _id_factura(parent: etree._Element, tag: str, nif: str, num_serie: str, fecha: str) -> None:
    node = etree.SubElement(parent, tag)
    _add(node, _SF + "IDEmisorFactura", nif)
    _add(node, _SF + "NumSerieFactura", num_serie)
    _add(node, _SF + "FechaExpedicionFactura", fecha)


def _linea(parent: etree._Element, linea: Linea) -> None:
    node = etree.SubElement(parent, _R + "RespuestaLinea")
    _id_factura(node, _R + "IDFactura", linea.nif, linea.num_serie, linea.fecha)
    operacion = etree.SubElement(node, _R + "Operacion")
    _add(operacion, _SF + "TipoOperacion", linea.tipo_operacion)
    for tag, value in (
        ("Subsanacion", linea.subsanacion),
        ("RechazoPrevio", linea.rechazo_previo),
        ("SinRegistroPrevio", linea.sin_registro_previo),
    ):
        if value is not None:
            _add(operacion, _SF + tag, value)
    if linea.ref_externa is not None:
        _add(node, _R + "RefExterna", linea.ref_externa)
    _add(node, _R + "EstadoRegistro", linea.estado)
    if linea.codigo_error is not None:
        _add(node, _R + "CodigoErrorRegistro", str(linea.codigo_error))
    if linea.descripcion_error is not None:
        _add(node, _R + "DescripcionErrorRegistro", linea.descripcion_error[:1500])
    dup = linea.duplicado
    if dup is not None:
        holder = etree.SubElement(node, _R + "RegistroDuplicado")
        _add(holder, _SF + "IdPeticionRegistroDuplicado", dup.id_peticion)
        _add(holder, _SF + "EstadoRegistroDuplicado", dup.estado)
        if dup.codigo_error is not None:
            _add(holder, _SF + "CodigoErrorRegistro", str(dup.codigo_error))
        if dup.descripcion_error is not None:
            _add(holder, _SF + "DescripcionErrorRegistro", dup.descripcion_error[:500])


def reg_factu_reply(
    *,
    cabecera: etree._Element,
    csv: str | None,
    nif_presentador: str,
    timestamp: str,
    wait_seconds: int,
    estado_envio: str,
    lineas: Sequence[Linea],
) -> bytes:
    """``RespuestaRegFactuSistemaFacturacion`` in a SOAP envelope [spec §9.3].

    ``cabecera`` is the request's Cabecera, echoed. CSV and DatosPresentacion appear only when
    something was stored (the XSD: "solo se genera si no hay rechazo del envío").
    """
    root = etree.Element(
        _R + "RespuestaRegFactuSistemaFacturacion",
        nsmap={"tikR": NS_RESPUESTA, "tik": NS_SUMINISTRO_INFO},
    )
    if csv is not None:
        _add(root, _R + "CSV", csv)
        presentacion = etree.SubElement(root, _R + "DatosPresentacion")
        _add(presentacion, _SF + "NIFPresentador", nif_presentador)
        _add(presentacion, _SF + "TimestampPresentacion", timestamp)
    echo = etree.SubElement(root, _R + "Cabecera")
    for child in cabecera:
        if isinstance(child.tag, str):
            echo.append(copy.deepcopy(child))
    _add(root, _R + "TiempoEsperaEnvio", str(wait_seconds))
    _add(root, _R + "EstadoEnvio", estado_envio)
    for linea in lineas:
        _linea(root, linea)
    return _envelope(root)


def _retag(element: etree._Element, namespace: str) -> etree._Element:
    element.tag = f"{{{namespace}}}{etree.QName(element).localname}"
    return element


def _record_children(xml: str | None) -> dict[str, etree._Element]:
    if xml is None:
        return {}
    root = parse_untrusted(xml.encode("utf-8"))
    return {etree.QName(c).localname: c for c in root if isinstance(c.tag, str)}


def datos_registro(
    stored: StoredRecord, *, mostrar_nombre: bool, mostrar_sistema: bool
) -> etree._Element:
    """``DatosRegistroFacturacion`` of a stored key (alta data, last record's chain fields)."""
    fields = _record_children(stored.alta_xml)
    if stored.anulacion_xml is not None:
        for name, child in _record_children(stored.anulacion_xml).items():
            if name in _ANULACION_FIELDS:
                fields[name] = child
    datos = etree.Element(_RC + "DatosRegistroFacturacion")
    for name in _DATOS_ORDER:
        found = fields.get(name)
        if found is None:
            continue
        if name == "NombreRazonEmisor" and not mostrar_nombre:
            continue
        if name == "SistemaInformatico" and not mostrar_sistema:
            continue
        node = _retag(copy.deepcopy(found), NS_RESPUESTA_CONSULTA)
        if name in _LOCAL_CHILDREN:
            for grandchild in node:
                if isinstance(grandchild.tag, str):
                    _retag(grandchild, NS_RESPUESTA_CONSULTA)
        datos.append(node)
    return datos


def consulta_reply(
    *,
    cabecera: etree._Element,
    ejercicio: int,
    periodo: int,
    registros: Sequence[StoredRecord],
    more: bool,
    mostrar_nombre: bool,
    mostrar_sistema: bool,
) -> bytes:
    """``RespuestaConsultaFactuSistemaFacturacion`` in a SOAP envelope [spec §10].

    When ``more`` is true the page is full and another follows: ``IndicadorPaginacion=S`` and
    ``ClavePaginacion`` (last, as the XSD orders it) holds the key of the last record returned.
    """
    root = etree.Element(
        _RC + "RespuestaConsultaFactuSistemaFacturacion",
        nsmap={"tikLRRC": NS_RESPUESTA_CONSULTA, "tik": NS_SUMINISTRO_INFO},
    )
    echo = etree.SubElement(root, _RC + "Cabecera")
    for child in cabecera:
        if isinstance(child.tag, str):
            echo.append(copy.deepcopy(child))
    periodo_node = etree.SubElement(root, _RC + "PeriodoImputacion")
    _add(periodo_node, _RC + "Ejercicio", f"{ejercicio:04d}")
    _add(periodo_node, _RC + "Periodo", f"{periodo:02d}")
    _add(root, _RC + "IndicadorPaginacion", "S" if more else "N")
    _add(root, _RC + "ResultadoConsulta", "ConDatos" if registros else "SinDatos")
    for stored in registros:
        node = etree.SubElement(root, _RC + "RegistroRespuestaConsultaFactuSistemaFacturacion")
        _id_factura(node, _RC + "IDFactura", stored.nif, stored.num_serie, stored.fecha)
        node.append(
            datos_registro(stored, mostrar_nombre=mostrar_nombre, mostrar_sistema=mostrar_sistema)
        )
        presentacion = etree.SubElement(node, _RC + "DatosPresentacion")
        _add(presentacion, _SF + "NIFPresentador", stored.nif_presentador)
        _add(presentacion, _SF + "TimestampPresentacion", stored.presented_at)
        _add(presentacion, _SF + "IdPeticion", stored.id_peticion)
        estado = etree.SubElement(node, _RC + "EstadoRegistro")
        _add(estado, _RC + "TimestampUltimaModificacion", stored.modified_at)
        _add(estado, _RC + "EstadoRegistro", stored.estado)
        if stored.codigo_error is not None:
            _add(estado, _RC + "CodigoErrorRegistro", str(stored.codigo_error))
        if stored.descripcion_error is not None:
            _add(estado, _RC + "DescripcionErrorRegistro", stored.descripcion_error[:500])
    if more and registros:
        last = registros[-1]
        _id_factura(root, _RC + "ClavePaginacion", last.nif, last.num_serie, last.fecha)
    return _envelope(root)


__all__ = [
    "Duplicado",
    "Linea",
    "consulta_reply",
    "datos_registro",
    "reg_factu_reply",
    "soap_fault",
]
