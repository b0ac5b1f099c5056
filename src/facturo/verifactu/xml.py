"""VERI*FACTU XML: write requests, validate against the AEAT XSDs, parse untrusted bytes.

Writing follows the XSD sequences element by element, because element order is mandatory and
a wrong order rejects the whole message (4102, 4136/4137) [spec §2]. Every schema is
``elementFormDefault="qualified"``, so each element takes the namespace of the schema that
declares it: the message wrapper, ``Cabecera`` and ``RegistroFactura`` are SuministroLR; their
content is SuministroInformacion.

:func:`parse_untrusted` is the one function in Facturo that parses XML from outside. It refuses
DOCTYPEs and entity declarations (billion laughs, external entities), never touches the
network, keeps libxml2's size and depth limits (``huge_tree=False``) and checks a byte limit
before parsing at all.

The XSD and WSDL files ship as package data under ``xsd/`` (AEAT originals; the two xmldsig
imports point at the local copy, so validation works offline). Each schema is loaded once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Final, cast

from lxml import etree

from facturo.errors import Fault
from facturo.verifactu import formats
from facturo.verifactu.errors import SchemaInvalid, UntrustedXmlError
from facturo.verifactu.messages import MAX_RECORDS_PER_MESSAGE, Cabecera, ConsultaFactu, Persona
from facturo.verifactu.records import (
    ID_VERSION,
    IDFactura,
    IDOtro,
    PersonaFisicaJuridica,
    Registro,
)
from facturo.verifactu.xml_records import (
    REG_FACTU_ENVELOPE_OPEN,
    REG_FACTU_OPEN,
    SOAP_CLOSE,
    XML_DECLARATION,
    record_text,
    reg_factu_content,
)

if TYPE_CHECKING:
    from lxml.etree import ParserTarget
    from lxml.etree._parser import CustomTargetParser

_BASE: Final = (
    "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/"
    "es/aeat/tike/cont/ws/"
)
#: Namespaces (the XSD targetNamespace values; ``tike``, not the ``tikeV1.0`` download path).
NS_SUMINISTRO_LR: Final = _BASE + "SuministroLR.xsd"
NS_SUMINISTRO_INFO: Final = _BASE + "SuministroInformacion.xsd"
NS_RESPUESTA: Final = _BASE + "RespuestaSuministro.xsd"
NS_CONSULTA: Final = _BASE + "ConsultaLR.xsd"
NS_RESPUESTA_CONSULTA: Final = _BASE + "RespuestaConsultaLR.xsd"
NS_EVENTOS: Final = _BASE + "EventosSIF.xsd"
NS_SOAP: Final = "http://schemas.xmlsoap.org/soap/envelope/"
NS_DSIG: Final = "http://www.w3.org/2000/09/xmldsig#"

#: Prefixes as the AEAT examples write them.
NSMAP_REG: Final = {"soapenv": NS_SOAP, "sum": NS_SUMINISTRO_LR, "sum1": NS_SUMINISTRO_INFO}
NSMAP_CONSULTA: Final = {"soapenv": NS_SOAP, "con": NS_CONSULTA, "sum": NS_SUMINISTRO_INFO}

#: Which schema declares which message root [data README "Validation done"].
SCHEMA_FOR_ROOT: Final = {
    f"{{{NS_SUMINISTRO_LR}}}RegFactuSistemaFacturacion": "SuministroLR.xsd",
    f"{{{NS_RESPUESTA}}}RespuestaRegFactuSistemaFacturacion": "RespuestaSuministro.xsd",
    f"{{{NS_CONSULTA}}}ConsultaFactuSistemaFacturacion": "ConsultaLR.xsd",
    f"{{{NS_RESPUESTA_CONSULTA}}}RespuestaConsultaFactuSistemaFacturacion": (
        "RespuestaConsultaLR.xsd"
    ),
    f"{{{NS_EVENTOS}}}RegistroEvento": "EventosSIF.xsd",
    f"{{{NS_SOAP}}}Envelope": "soap-envelope.xsd",
}

#: Default byte limit of :func:`parse_untrusted`. A full query page (10,000 records) of a
#: few KB each fits; anything larger is not an AEAT reply.
MAX_XML_BYTES: Final = 64 * 1024 * 1024

_SF = f"{{{NS_SUMINISTRO_INFO}}}"
_LR = f"{{{NS_SUMINISTRO_LR}}}"
_CON = f"{{{NS_CONSULTA}}}"
_SOAP = f"{{{NS_SOAP}}}"

_SubElement = etree.SubElement

#: The frames of a RegFactuSistemaFacturacion message, as UTF-8 bytes (see
#: :func:`reg_factu_xml`): its opening for the schema check, and the whole head of what is sent.
_REG_FACTU_OPEN: Final = REG_FACTU_OPEN.encode()
_REG_FACTU_HEAD: Final = (XML_DECLARATION + REG_FACTU_OPEN).encode()
_REG_FACTU_ENVELOPE_HEAD: Final = (XML_DECLARATION + REG_FACTU_ENVELOPE_OPEN).encode()
_SOAP_CLOSE: Final = SOAP_CLOSE.encode()


def _add(parent: etree._Element, tag: str, text: str) -> etree._Element:
    child = _SubElement(parent, tag)
    child.text = text
    return child


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _id_otro(parent: etree._Element, value: IDOtro) -> None:
    node = _SubElement(parent, _SF + "IDOtro")
    if value.codigo_pais is not None:
        _add(node, _SF + "CodigoPais", value.codigo_pais)
    _add(node, _SF + "IDType", value.id_type.value)
    _add(node, _SF + "ID", value.id)


def _persona(parent: etree._Element, tag: str, value: PersonaFisicaJuridica) -> None:
    node = _SubElement(parent, tag)
    _add(node, _SF + "NombreRazon", value.nombre_razon)
    if value.nif is not None:
        _add(node, _SF + "NIF", value.nif)
    elif value.id_otro is not None:
        _id_otro(node, value.id_otro)


def _persona_es(parent: etree._Element, tag: str, value: Persona) -> None:
    node = _SubElement(parent, tag)
    _add(node, _SF + "NombreRazon", value.nombre_razon)
    _add(node, _SF + "NIF", value.nif)


def _id_factura(parent: etree._Element, tag: str, value: IDFactura) -> None:
    node = _SubElement(parent, tag)
    _add(node, _SF + "IDEmisorFactura", value.id_emisor_factura)
    _add(node, _SF + "NumSerieFactura", value.num_serie_factura)
    _add(node, _SF + "FechaExpedicionFactura", value.fecha_text)


_PARSERS = threading.local()


def _trusted() -> etree.XMLParser:
    """This thread's parser for text we wrote ourselves.

    lxml parsers keep per-parse state and must not be used by two threads at once, so each
    thread gets its own, made on first use. Our own text carries no entities or DTD, but the
    parser keeps the same safe settings; our messages carry no ID attributes, so libxml2 need
    not index them (a few percent of a parse).
    """
    try:
        parser: etree.XMLParser = _PARSERS.trusted
    except AttributeError:
        parser = _PARSERS.trusted = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, collect_ids=False
        )
    return parser


def record_element(record: Registro) -> etree._Element:
    """A standalone ``sum1:RegistroAlta`` or ``sum1:RegistroAnulacion`` element.

    The unit that NO VERI*FACTU mode signs (XAdES enveloped) and keeps [spec §12].
    """
    return etree.fromstring(record_text(record).encode("utf-8"), _trusted())


def _check_batch(cabecera: Cabecera, records: Sequence[Registro]) -> None:
    if not 1 <= len(records) <= MAX_RECORDS_PER_MESSAGE:
        raise SchemaInvalid(
            "a message holds 1 to 1000 records",
            faults=[
                Fault("4114", f"{len(records)} records in one message", ("$.RegistroFactura",))
            ],
        )
    nif = cabecera.obligado_emision.nif
    for record in records:
        if record.id_factura.id_emisor_factura != nif:
            break
    else:
        return
    strangers = [
        Fault(
            "1108",
            "IDEmisorFactura differs from ObligadoEmision/NIF",
            (f"$.RegistroFactura[{i}]",),
        )
        for i, r in enumerate(records)
        if r.id_factura.id_emisor_factura != nif
    ]
    if strangers:
        raise SchemaInvalid("records of another taxpayer", faults=strangers)


def reg_factu_xml(
    cabecera: Cabecera,
    records: Sequence[Registro],
    *,
    envelope: bool = True,
    check_schema: bool = True,
) -> bytes:
    """The RegFactuSistemaFacturacion request as UTF-8 bytes, in a SOAP envelope by default.

    Cabecera plus 1..1000 RegistroFactura. Every record must belong to the taxpayer in the
    header (the AEAT answers 1108 otherwise), so a sender groups records per taxpayer
    [spec §3]. With ``check_schema`` (the default) the message is validated against
    SuministroLR.xsd before it is returned, as [spec §16] asks of every outgoing message:
    :class:`SchemaInvalid` means a bug here, never something the AEAT should see.
    """
    _check_batch(cabecera, records)
    content = reg_factu_content(cabecera, records).encode()  # encoded once, framed twice
    if check_schema:
        _check_own(_REG_FACTU_OPEN + content, "SuministroLR.xsd")
    if envelope:
        return _REG_FACTU_ENVELOPE_HEAD + content + _SOAP_CLOSE
    return _REG_FACTU_HEAD + content


def _check_own(payload: bytes, name: str) -> None:
    """Validate a payload we wrote against schema ``name``; raise as :func:`_check_own_tree`.

    Every message we send is checked, and a tree of some eighty nodes per record was made and
    freed only to be validated. So the payload first goes through a validating parser that
    builds no tree (:func:`_streaming`), which costs less, more so when records are built
    between messages (one record per message). libxml2 logs every schema error
    it finds there, as it does for a tree; an empty log with no exception means the payload is
    valid. Anything else, even a warning, goes to :func:`_check_own_tree`, which decides and
    reports the faults (codes, messages, paths) exactly as it always has: the paths come from
    tree nodes, which the streaming pass does not have.
    """
    try:
        parser = _PARSERS.streaming[name]
    except (AttributeError, KeyError):
        parser = _streaming(name)
    try:
        etree.fromstring(payload, parser)
    except etree.LxmlError:
        pass  # the tree path below raises what it always raised
    else:
        if not len(parser.error_log):
            return
    _check_own_tree(payload, name)


def _check_own_tree(payload: bytes, name: str) -> None:
    """Validate a payload we wrote: parsed as a document root, so lxml copies nothing."""
    xsd = schema(name)
    if not xsd.validate(etree.fromstring(payload, _trusted())):
        faults = [Fault("4102", err.message, (err.path or "$",)) for err in xsd.error_log]
        raise SchemaInvalid(f"XML does not match {name}", faults=faults)


class _NoTree:
    """A parser target that keeps nothing, so libxml2 builds no tree.

    lxml hands libxml2 only the SAX callbacks its target has; with none but ``close`` the
    parser reads the text and, with a schema attached, validates it, and that is all.
    """

    def close(self) -> None:
        return None


def _streaming(name: str) -> CustomTargetParser[None]:
    """This thread's validating, tree-less parser for schema ``name`` (see :func:`_check_own`).

    Per thread, as :func:`_trusted` and :func:`schema` are: a parser keeps per-parse state and
    its error log, and it validates with this thread's schema object.
    """
    by_name: dict[str, CustomTargetParser[None]] | None = getattr(_PARSERS, "streaming", None)
    if by_name is None:
        by_name = _PARSERS.streaming = {}
    parser = by_name.get(name)
    if parser is None:
        parser = by_name[name] = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            collect_ids=False,
            schema=schema(name),
            target=cast("ParserTarget[None]", _NoTree()),
        )
    return parser


def reg_factu_element(cabecera: Cabecera, records: Sequence[Registro]) -> etree._Element:
    """``sum:RegFactuSistemaFacturacion`` as an element (see :func:`reg_factu_xml`)."""
    return etree.fromstring(reg_factu_xml(cabecera, records, envelope=False), _trusted())


def consulta_element(consulta: ConsultaFactu) -> etree._Element:
    """``con:ConsultaFactuSistemaFacturacion`` for a query or the next page of one [spec §10]."""
    root = etree.Element(_CON + "ConsultaFactuSistemaFacturacion", nsmap=NSMAP_CONSULTA)
    cab = _SubElement(root, _CON + "Cabecera")
    _add(cab, _SF + "IDVersion", ID_VERSION)
    if consulta.obligado_emision is not None:
        _persona_es(cab, _SF + "ObligadoEmision", consulta.obligado_emision)
    elif consulta.destinatario is not None:
        _persona_es(cab, _SF + "Destinatario", consulta.destinatario)
    if consulta.indicador_representante:
        _add(cab, _SF + "IndicadorRepresentante", "S")
    filtro = _SubElement(root, _CON + "FiltroConsulta")
    periodo = _SubElement(filtro, _CON + "PeriodoImputacion")
    _add(periodo, _SF + "Ejercicio", f"{consulta.ejercicio:04d}")
    _add(periodo, _SF + "Periodo", f"{consulta.periodo:02d}")
    if consulta.num_serie_factura is not None:
        _add(filtro, _CON + "NumSerieFactura", consulta.num_serie_factura)
    if consulta.contraparte is not None:
        _persona(filtro, _CON + "Contraparte", consulta.contraparte)
    if consulta.fecha_expedicion is not None:
        fechas = _SubElement(filtro, _CON + "FechaExpedicionFactura")
        _add(fechas, _SF + "FechaExpedicionFactura", formats.fecha(consulta.fecha_expedicion))
    elif consulta.fecha_desde is not None or consulta.fecha_hasta is not None:
        fechas = _SubElement(filtro, _CON + "FechaExpedicionFactura")
        rango = _SubElement(fechas, _SF + "RangoFechaExpedicion")
        if consulta.fecha_desde is not None:
            _add(rango, _SF + "Desde", formats.fecha(consulta.fecha_desde))
        if consulta.fecha_hasta is not None:
            _add(rango, _SF + "Hasta", formats.fecha(consulta.fecha_hasta))
    if consulta.ref_externa is not None:
        _add(filtro, _CON + "RefExterna", consulta.ref_externa)
    if consulta.clave_paginacion is not None:
        _id_factura(filtro, _CON + "ClavePaginacion", consulta.clave_paginacion)
    nombre, sif = consulta.mostrar_nombre_razon_emisor, consulta.mostrar_sistema_informatico
    if nombre is not None or sif is not None:
        extra = _SubElement(root, _CON + "DatosAdicionalesRespuesta")
        if nombre is not None:
            _add(extra, _CON + "MostrarNombreRazonEmisor", formats.flag(nombre))
        if sif is not None:
            _add(extra, _CON + "MostrarSistemaInformatico", formats.flag(sif))
    return root


def soap_envelope(payload: etree._Element) -> etree._Element:
    """Wrap a message in ``soapenv:Envelope`` with an empty Header, as the AEAT examples do.

    SOAP 1.1, document/literal, ``soapAction=""`` [WSDL; SWEB §8].
    """
    nsmap = {"soapenv": NS_SOAP, **{k: v for k, v in (payload.nsmap or {}).items() if k}}
    envelope = etree.Element(_SOAP + "Envelope", nsmap=nsmap)
    _SubElement(envelope, _SOAP + "Header")
    body = _SubElement(envelope, _SOAP + "Body")
    body.append(payload)
    return envelope


def to_bytes(element: etree._Element) -> bytes:
    """UTF-8 bytes with an XML declaration; the AEAT takes UTF-8 only (4119)."""
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")


def consulta_xml(consulta: ConsultaFactu, *, envelope: bool = True) -> bytes:
    """The ConsultaFactuSistemaFacturacion request as bytes, in a SOAP envelope by default."""
    payload = consulta_element(consulta)
    return to_bytes(soap_envelope(payload) if envelope else payload)


# --------------------------------------------------------------------------------------------
# Parsing untrusted bytes
# --------------------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    """This thread's untrusted-input parser (lxml parsers must not be shared across threads)."""
    parser: etree.XMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            dtd_validation=False,
            remove_blank_text=False,
            collect_ids=False,
        )
        _PARSERS.parser = parser
    return parser


def parse_untrusted(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parse XML that came from outside (AEAT replies, uploads); return the root element.

    Refuses, with :class:`UntrustedXmlError`: more than ``max_bytes``; any DOCTYPE or entity
    declaration (so no billion laughs and no external entities, whatever libxml2 would do with
    them); text that is not well formed; and anything libxml2's default limits stop (depth,
    node size). Never opens a file or a network connection.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UntrustedXmlError("XML must be given as bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        raise UntrustedXmlError(f"XML larger than {max_bytes} bytes")
    if not data.strip():
        raise UntrustedXmlError("empty XML")
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data or b"<!ENTITY" in data:
        raise UntrustedXmlError("DOCTYPE and entity declarations are not accepted")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise UntrustedXmlError(f"XML not well formed: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UntrustedXmlError("DOCTYPE and entity declarations are not accepted")
    for _ in root.iter(etree.Entity):
        raise UntrustedXmlError("entity references are not accepted")
    return root


# --------------------------------------------------------------------------------------------
# Schema validation
# --------------------------------------------------------------------------------------------


_SCHEMAS = threading.local()


def schema(name: str) -> etree.XMLSchema:
    """The AEAT schema ``name`` (e.g. ``"SuministroLR.xsd"``), loaded once per thread.

    A schema object keeps the error log of its last run, so two threads validating with the
    same object could read each other's faults; each thread loads its own copy on first use
    (milliseconds, once) and the answers stay its own.
    """
    loaded: dict[str, etree.XMLSchema] | None = getattr(_SCHEMAS, "by_name", None)
    if loaded is None:
        loaded = _SCHEMAS.by_name = {}
    xsd = loaded.get(name)
    if xsd is None:
        with resources.as_file(resources.files(__package__) / "xsd" / name) as path:
            parser = etree.XMLParser(no_network=True, resolve_entities=False)
            xsd = loaded[name] = etree.XMLSchema(etree.parse(str(path), parser=parser))
    return xsd


def _payload(root: etree._Element) -> etree._Element:
    if root.tag != _SOAP + "Envelope":
        return root
    body = root.find(_SOAP + "Body")
    if body is None or len(body) == 0:
        raise SchemaInvalid(
            "SOAP envelope without a body", faults=[Fault("4102", "no soap Body", ("$.Body",))]
        )
    return body[0]


def validate(xml: bytes | etree._Element) -> etree._Element:
    """Check a message against the AEAT XSD that declares its root; return the payload.

    Takes bytes (parsed with :func:`parse_untrusted`) or an element. A SOAP envelope is checked
    against the SOAP 1.1 schema and its Body's first child against its own schema. Raises
    :class:`SchemaInvalid` with one fault (code 4102, as the AEAT would answer) per schema
    error, each with the XPath of the offending element.
    """
    root = parse_untrusted(xml) if isinstance(xml, bytes) else xml
    targets = [root]
    payload = _payload(root)
    if payload is not root:
        targets.append(payload)
    for element in targets:
        if element.tag == _SOAP + "Fault":
            continue
        tag = etree.QName(element).text
        name = SCHEMA_FOR_ROOT.get(tag)
        if name is None:
            raise SchemaInvalid(
                f"no AEAT schema declares {tag}",
                faults=[Fault("4102", f"unknown root {tag}", ("$",))],
            )
        xsd = schema(name)
        if not xsd.validate(element):
            faults = [Fault("4102", err.message, (err.path or "$",)) for err in xsd.error_log]
            raise SchemaInvalid(f"XML does not match {name}", faults=faults)
    return payload


__all__ = [
    "MAX_XML_BYTES",
    "NSMAP_CONSULTA",
    "NSMAP_REG",
    "NS_CONSULTA",
    "NS_DSIG",
    "NS_EVENTOS",
    "NS_RESPUESTA",
    "NS_RESPUESTA_CONSULTA",
    "NS_SOAP",
    "NS_SUMINISTRO_INFO",
    "NS_SUMINISTRO_LR",
    "SCHEMA_FOR_ROOT",
    "consulta_element",
    "consulta_xml",
    "parse_untrusted",
    "record_element",
    "reg_factu_element",
    "reg_factu_xml",
    "schema",
    "soap_envelope",
    "to_bytes",
    "validate",
]
