"""AEAT replies as frozen values: submission reply, query reply, SOAP Fault.

Shapes from RespuestaSuministro.xsd [spec §9.3], RespuestaConsultaLR.xsd [spec §10] and the
SOAP 1.1 Fault [spec §9.4]. Bytes go through :func:`facturo.verifactu.xml.parse_untrusted`
first; anything that is XML but not one of these shapes raises
:class:`~facturo.verifactu.errors.UnexpectedReply`, never a bare ``AttributeError``.

Vocabulary differs by place and is kept apart on purpose [spec §9.3]: a reply line is
Correcto / AceptadoConErrores / Incorrecto; a duplicate's stored state is Correcta /
AceptadaConErrores / Anulada; a queried record is Correcto / AceptadoConErrores / Anulado (the
older feminine forms are accepted too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final, TypeVar

from lxml import etree

from facturo.verifactu import formats
from facturo.verifactu.errors import (
    AeatClientFault,
    AeatFault,
    AeatRejected,
    AeatServerFault,
    RecordInvalid,
    UnexpectedReply,
)
from facturo.verifactu.records import IDFactura
from facturo.verifactu.xml import (
    NS_RESPUESTA,
    NS_RESPUESTA_CONSULTA,
    NS_SOAP,
    NS_SUMINISTRO_INFO,
    parse_untrusted,
)

_R = f"{{{NS_RESPUESTA}}}"
_RC = f"{{{NS_RESPUESTA_CONSULTA}}}"
_SF = f"{{{NS_SUMINISTRO_INFO}}}"
_SOAP = f"{{{NS_SOAP}}}"
_CODIGO_RE: Final = re.compile(r"Codigo\[(\d+)\]")
_E = TypeVar("_E", bound=StrEnum)


class EstadoEnvio(StrEnum):
    """State of a whole submission [spec §9.3]."""

    CORRECTO = "Correcto"  # every record Correcto
    PARCIALMENTE_CORRECTO = "ParcialmenteCorrecto"  # some not Correcto, not all Incorrecto
    INCORRECTO = "Incorrecto"  # every record Incorrecto


class EstadoRegistro(StrEnum):
    """State of one record in a submission reply."""

    CORRECTO = "Correcto"  # stored
    ACEPTADO_CON_ERRORES = "AceptadoConErrores"  # stored, with an admissible error (2xxx)
    INCORRECTO = "Incorrecto"  # not stored

    @property
    def stored(self) -> bool:
        """Whether the AEAT kept the record."""
        return self is not EstadoRegistro.INCORRECTO


class EstadoRegistroDuplicado(StrEnum):
    """Stored state of the record a duplicate (3000) collided with (feminine forms)."""

    CORRECTA = "Correcta"
    ACEPTADA_CON_ERRORES = "AceptadaConErrores"
    ANULADA = "Anulada"


class EstadoConsulta(StrEnum):
    """State of a record as the query service reports it."""

    CORRECTO = "Correcto"
    ACEPTADO_CON_ERRORES = "AceptadoConErrores"
    ANULADO = "Anulado"


_CONSULTA_ALIASES: Final = {
    "Correcta": EstadoConsulta.CORRECTO,
    "AceptadaConErrores": EstadoConsulta.ACEPTADO_CON_ERRORES,
    "Anulada": EstadoConsulta.ANULADO,
}


@dataclass(frozen=True, slots=True)
class RegistroDuplicado:
    """The stored record a 3000 duplicate collided with [spec §9.3, §9.5]."""

    id_peticion: str
    estado: EstadoRegistroDuplicado
    codigo_error: int | None = None
    descripcion_error: str | None = None


@dataclass(frozen=True, slots=True)
class RespuestaLinea:
    """The AEAT's verdict on one record, in request order."""

    id_factura: IDFactura
    tipo_operacion: str  # "Alta" or "Anulacion"
    estado: EstadoRegistro
    subsanacion: str | None = None
    rechazo_previo: str | None = None
    sin_registro_previo: str | None = None
    ref_externa: str | None = None
    codigo_error: int | None = None
    descripcion_error: str | None = None
    registro_duplicado: RegistroDuplicado | None = None

    def raise_for_status(self) -> None:
        """Raise :class:`AeatRejected` when the record was not stored."""
        if self.estado is EstadoRegistro.INCORRECTO:
            raise AeatRejected(self.codigo_error or 0, self.descripcion_error or "")


@dataclass(frozen=True, slots=True)
class RespuestaRegFactu:
    """Reply to a RegFactuSistemaFacturacion [spec §9.3].

    ``csv`` is absent when every record was rejected; store it, it cannot be fetched later.
    ``tiempo_espera_envio`` is the wait in seconds before the next message [spec §9.5].
    """

    tiempo_espera_envio: int
    estado_envio: EstadoEnvio
    lineas: tuple[RespuestaLinea, ...]
    obligado_nif: str
    obligado_nombre: str
    csv: str | None = None
    nif_presentador: str | None = None
    timestamp_presentacion: str | None = None


@dataclass(frozen=True, slots=True)
class RegistroConsultado:
    """One record of a query reply: its key, stored fields and state [spec §10].

    ``datos`` holds the text of each leaf child of ``DatosRegistroFacturacion`` by element name
    (``TipoFactura``, ``ImporteTotal``, ``Huella``…); enough to reconcile a lost reply.
    """

    id_factura: IDFactura
    estado: EstadoConsulta
    timestamp_ultima_modificacion: str | None
    datos: Mapping[str, str]
    huella_anterior: str | None = None
    id_peticion: str | None = None
    nif_presentador: str | None = None
    timestamp_presentacion: str | None = None
    codigo_error: int | None = None
    descripcion_error: str | None = None

    @property
    def huella(self) -> str | None:
        """The stored record's own huella."""
        return self.datos.get("Huella")


@dataclass(frozen=True, slots=True)
class RespuestaConsulta:
    """Reply to a ConsultaFactuSistemaFacturacion: one page of at most 10,000 records.

    When ``indicador_paginacion`` is true, send the same query with
    ``clave_paginacion`` to get the next page.
    """

    ejercicio: int
    periodo: int
    indicador_paginacion: bool
    con_datos: bool
    registros: tuple[RegistroConsultado, ...]
    clave_paginacion: IDFactura | None = None


@dataclass(frozen=True, slots=True)
class SoapFault:
    """A SOAP 1.1 Fault: the whole message was refused and nothing stored [spec §9.4].

    ``code`` is the AEAT code from ``Codigo[NNNN].`` in the faultstring, when there is one.
    ``env:Client`` means fix the message; ``env:Server`` means resend the same message.
    """

    faultcode: str
    faultstring: str
    code: int | None
    detail: str | None = None

    @property
    def is_client(self) -> bool:
        """Whether the fault blames the message (``…:Client``)."""
        return self.faultcode.rsplit(":", 1)[-1] == "Client"

    def to_exception(self) -> AeatFault:
        """The matching :class:`AeatClientFault` or :class:`AeatServerFault`."""
        kind = AeatClientFault if self.is_client else AeatServerFault
        return kind(self.faultcode, self.faultstring, self.code)


Reply = RespuestaRegFactu | RespuestaConsulta | SoapFault


# --------------------------------------------------------------------------------------------


def _text(node: etree._Element, tag: str) -> str | None:
    child = node.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip()


def _need(node: etree._Element, tag: str) -> str:
    value = _text(node, tag)
    if value is None:
        raise UnexpectedReply(f"{etree.QName(node).localname} lacks {etree.QName(tag).localname}")
    return value


def _int(value: str | None, what: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise UnexpectedReply(f"{what} is not a number: {value!r}") from exc


def _id_factura(node: etree._Element | None) -> IDFactura:
    if node is None:
        raise UnexpectedReply("reply line lacks IDFactura")
    try:
        return IDFactura(
            _need(node, _SF + "IDEmisorFactura"),
            _need(node, _SF + "NumSerieFactura"),
            formats.parse_fecha(_need(node, _SF + "FechaExpedicionFactura")),
        )
    except (ValueError, RecordInvalid) as exc:
        raise UnexpectedReply(f"bad IDFactura in reply: {exc}") from exc


def _enum(kind: type[_E], value: str, what: str) -> _E:
    try:
        return kind(value)
    except ValueError as exc:
        raise UnexpectedReply(f"{what} {value!r} is not one of {[e.value for e in kind]}") from exc


def _payload(root: etree._Element) -> etree._Element:
    if root.tag != _SOAP + "Envelope":
        return root
    body = root.find(_SOAP + "Body")
    if body is None or len(body) == 0:
        raise UnexpectedReply("SOAP envelope without a Body payload")
    return body[0]


def _fault(node: etree._Element) -> SoapFault:
    # faultcode/faultstring are unqualified in SOAP 1.1
    faultcode = _text(node, "faultcode") or ""
    faultstring = _text(node, "faultstring") or ""
    detail_node = node.find("detail")
    detail = None
    if detail_node is not None:
        detail = " ".join(t.strip() for t in detail_node.itertext() if t.strip()) or None
    match = _CODIGO_RE.search(faultstring)
    return SoapFault(faultcode, faultstring, int(match.group(1)) if match else None, detail)


def _linea(node: etree._Element) -> RespuestaLinea:
    operacion = node.find(_R + "Operacion")
    if operacion is None:
        raise UnexpectedReply("RespuestaLinea lacks Operacion")
    duplicado = None
    dup = node.find(_R + "RegistroDuplicado")
    if dup is not None:
        duplicado = RegistroDuplicado(
            id_peticion=_need(dup, _SF + "IdPeticionRegistroDuplicado"),
            estado=_enum(
                EstadoRegistroDuplicado,
                _need(dup, _SF + "EstadoRegistroDuplicado"),
                "EstadoRegistroDuplicado",
            ),
            codigo_error=_int(_text(dup, _SF + "CodigoErrorRegistro"), "CodigoErrorRegistro"),
            descripcion_error=_text(dup, _SF + "DescripcionErrorRegistro"),
        )
    return RespuestaLinea(
        id_factura=_id_factura(node.find(_R + "IDFactura")),
        tipo_operacion=_need(operacion, _SF + "TipoOperacion"),
        subsanacion=_text(operacion, _SF + "Subsanacion"),
        rechazo_previo=_text(operacion, _SF + "RechazoPrevio"),
        sin_registro_previo=_text(operacion, _SF + "SinRegistroPrevio"),
        ref_externa=_text(node, _R + "RefExterna"),
        estado=_enum(EstadoRegistro, _need(node, _R + "EstadoRegistro"), "EstadoRegistro"),
        codigo_error=_int(_text(node, _R + "CodigoErrorRegistro"), "CodigoErrorRegistro"),
        descripcion_error=_text(node, _R + "DescripcionErrorRegistro"),
        registro_duplicado=duplicado,
    )


def _reg_factu(node: etree._Element) -> RespuestaRegFactu:
    cabecera = node.find(_R + "Cabecera")
    obligado = cabecera.find(_SF + "ObligadoEmision") if cabecera is not None else None
    if obligado is None:
        raise UnexpectedReply("reply lacks Cabecera/ObligadoEmision")
    presentacion = node.find(_R + "DatosPresentacion")
    espera = _int(_need(node, _R + "TiempoEsperaEnvio"), "TiempoEsperaEnvio")
    return RespuestaRegFactu(
        csv=_text(node, _R + "CSV"),
        nif_presentador=(
            _text(presentacion, _SF + "NIFPresentador") if presentacion is not None else None
        ),
        timestamp_presentacion=(
            _text(presentacion, _SF + "TimestampPresentacion") if presentacion is not None else None
        ),
        obligado_nombre=_need(obligado, _SF + "NombreRazon"),
        obligado_nif=_need(obligado, _SF + "NIF"),
        tiempo_espera_envio=espera or 0,
        estado_envio=_enum(EstadoEnvio, _need(node, _R + "EstadoEnvio"), "EstadoEnvio"),
        lineas=tuple(_linea(linea) for linea in node.iterfind(_R + "RespuestaLinea")),
    )


def _registro_consultado(node: etree._Element) -> RegistroConsultado:
    datos_node = node.find(_RC + "DatosRegistroFacturacion")
    datos: dict[str, str] = {}
    huella_anterior = None
    if datos_node is not None:
        for child in datos_node:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            if len(child) == 0 and child.text is not None:
                datos[name] = child.text.strip()
        huella_anterior = datos_node.findtext(
            f"{_RC}Encadenamiento/{_RC}RegistroAnterior/{_SF}Huella"
        )
    estado_node = node.find(_RC + "EstadoRegistro")
    if estado_node is None:
        raise UnexpectedReply("queried record lacks EstadoRegistro")
    estado_text = _need(estado_node, _RC + "EstadoRegistro")
    estado = _CONSULTA_ALIASES.get(estado_text) or _enum(
        EstadoConsulta, estado_text, "EstadoRegistro"
    )
    presentacion = node.find(_RC + "DatosPresentacion")
    return RegistroConsultado(
        id_factura=_id_factura(node.find(_RC + "IDFactura")),
        estado=estado,
        timestamp_ultima_modificacion=_text(estado_node, _RC + "TimestampUltimaModificacion"),
        codigo_error=_int(_text(estado_node, _RC + "CodigoErrorRegistro"), "CodigoErrorRegistro"),
        descripcion_error=_text(estado_node, _RC + "DescripcionErrorRegistro"),
        datos=MappingProxyType(datos),
        huella_anterior=huella_anterior.strip() if huella_anterior else None,
        id_peticion=_text(presentacion, _SF + "IdPeticion") if presentacion is not None else None,
        nif_presentador=(
            _text(presentacion, _SF + "NIFPresentador") if presentacion is not None else None
        ),
        timestamp_presentacion=(
            _text(presentacion, _SF + "TimestampPresentacion") if presentacion is not None else None
        ),
    )


def _consulta(node: etree._Element) -> RespuestaConsulta:
    periodo = node.find(_RC + "PeriodoImputacion")
    if periodo is None:
        raise UnexpectedReply("query reply lacks PeriodoImputacion")
    clave = node.find(_RC + "ClavePaginacion")
    return RespuestaConsulta(
        ejercicio=_int(_need(periodo, _RC + "Ejercicio"), "Ejercicio") or 0,
        periodo=_int(_need(periodo, _RC + "Periodo"), "Periodo") or 0,
        indicador_paginacion=_need(node, _RC + "IndicadorPaginacion") == "S",
        con_datos=_need(node, _RC + "ResultadoConsulta") == "ConDatos",
        registros=tuple(
            _registro_consultado(r)
            for r in node.iterfind(_RC + "RegistroRespuestaConsultaFactuSistemaFacturacion")
        ),
        clave_paginacion=_id_factura(clave) if clave is not None else None,
    )


def parse_reply(data: bytes) -> Reply:
    """Parse any AEAT reply: submission, query or SOAP Fault (bare or in an envelope)."""
    payload = _payload(parse_untrusted(data))
    tag = etree.QName(payload).text
    if tag == _SOAP + "Fault":
        return _fault(payload)
    if tag == _R + "RespuestaRegFactuSistemaFacturacion":
        return _reg_factu(payload)
    if tag == _RC + "RespuestaConsultaFactuSistemaFacturacion":
        return _consulta(payload)
    raise UnexpectedReply(f"not an AEAT reply: {tag}")


def parse_reg_factu_reply(data: bytes) -> RespuestaRegFactu:
    """The reply to a submission; a SOAP Fault raises :class:`AeatFault`."""
    reply = parse_reply(data)
    if isinstance(reply, SoapFault):
        raise reply.to_exception()
    if not isinstance(reply, RespuestaRegFactu):
        raise UnexpectedReply("expected RespuestaRegFactuSistemaFacturacion")
    return reply


def parse_consulta_reply(data: bytes) -> RespuestaConsulta:
    """The reply to a query; a SOAP Fault raises :class:`AeatFault`."""
    reply = parse_reply(data)
    if isinstance(reply, SoapFault):
        raise reply.to_exception()
    if not isinstance(reply, RespuestaConsulta):
        raise UnexpectedReply("expected RespuestaConsultaFactuSistemaFacturacion")
    return reply


__all__ = [
    "EstadoConsulta",
    "EstadoEnvio",
    "EstadoRegistro",
    "EstadoRegistroDuplicado",
    "RegistroConsultado",
    "RegistroDuplicado",
    "Reply",
    "RespuestaConsulta",
    "RespuestaLinea",
    "RespuestaRegFactu",
    "SoapFault",
    "parse_consulta_reply",
    "parse_reg_factu_reply",
    "parse_reply",
]
