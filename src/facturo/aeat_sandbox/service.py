"""The sandbox's use cases: answer one SOAP message as the AEAT's VERI*FACTU service would.

Processing order for one POST [spec §14]:

1. encoding (4119), well-formedness and hostile XML (4103), the SOAP envelope and the schema
   (4102; more than 1000 records: 4114), the operation against the endpoint (4118);
2. the header: ObligadoEmision NIF format (4116), control character (4115), census (4104);
   Representante (4117, 4123); endpoint rules (4125, 4126, 4127);
3. flow control (see :func:`check_flow`);
4. each record in order, through :mod:`facturo.aeat_sandbox.validations`; records earlier in
   the same message count as already stored;
5. store, and answer CSV, DatosPresentacion, the header echo, TiempoEsperaEnvio, EstadoEnvio
   and one RespuestaLinea per record.

Any failure in steps 1-3 is a SOAP Fault and nothing is stored. The whole of one submission
runs under the store's lock, so it is atomic with respect to other submissions.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

from lxml import etree

from facturo.aeat_sandbox import responses, validations
from facturo.aeat_sandbox.faults import Operation
from facturo.aeat_sandbox.store import (
    ChainLink,
    LineOutcome,
    Store,
    StoredRecord,
    Submission,
    record_key,
)
from facturo.verifactu import codes, formats, nif
from facturo.verifactu.errors import (
    RecordInvalid,
    SchemaInvalid,
    UntrustedXmlError,
    VerifactuError,
)
from facturo.verifactu.messages import MAX_RECORDS_PER_MESSAGE, ConsultaFactu
from facturo.verifactu.records import RegistroAlta
from facturo.verifactu.requests import (
    RegistroRecibido,
    parse_consulta_request,
    parse_reg_factu_request,
)
from facturo.verifactu.xml import (
    NS_CONSULTA,
    NS_SOAP,
    NS_SUMINISTRO_INFO,
    NS_SUMINISTRO_LR,
    parse_untrusted,
    validate,
)

Endpoint = Literal["verifactu", "requerimiento"]

#: URL paths of the two services: the path part of the WSDL's soap:address locations.
PATH_VERIFACTU: Final = "/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
PATH_REQUERIMIENTO: Final = "/wlpl/TIKE-CONT/ws/SistemaFacturacion/RequerimientoSOAP"
ENDPOINTS: Final[dict[str, Endpoint]] = {
    PATH_VERIFACTU: "verifactu",
    PATH_REQUERIMIENTO: "requerimiento",
}
#: Largest message read. 1000 records of a few KB each fit many times over.
MAX_MESSAGE_BYTES: Final = 16 * 1024 * 1024

_ENV = f"{{{NS_SOAP}}}"
_LR = f"{{{NS_SUMINISTRO_LR}}}"
_CON = f"{{{NS_CONSULTA}}}"
_SF = f"{{{NS_SUMINISTRO_INFO}}}"
log = logging.getLogger(__name__)
_ENCODING_RE: Final = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")


@dataclass(frozen=True, slots=True)
class SoapReply:
    """What the HTTP layer sends back: status, XML body and extra headers."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Refused(Exception):
    """The whole message is refused with a SOAP Fault; nothing is stored."""

    def __init__(
        self, code: int | None, detail: str | None = None, *, server: bool = False
    ) -> None:
        text = codes.message(code) if code is not None else ""
        self.code = code
        self.message = f"{text} {detail}".strip() if detail else text
        self.server = server
        self.headers: dict[str, str] = {}
        super().__init__(self.message)


def fault_reply(refusal: Refused) -> SoapReply:
    """A SOAP 1.1 Fault answer: HTTP 500, as SOAP 1.1 over HTTP requires."""
    body = responses.soap_fault(refusal.code, refusal.message, server=refusal.server)
    return SoapReply(500, body, refusal.headers)


def operation_of(body: bytes) -> Operation:
    """Which operation a message asks for, cheaply, to route injected faults."""
    return "Consulta" if b"ConsultaFactuSistemaFacturacion" in body[:4096] else "RegFactu"


def handle(store: Store, body: bytes, *, endpoint: Endpoint) -> SoapReply:
    """Answer one SOAP message: a reply, or a SOAP Fault. Never raises for bad input."""
    try:
        payload = _read(body)
        if payload.tag == _LR + "RegFactuSistemaFacturacion":
            return submit(store, payload, body, endpoint=endpoint)
        if payload.tag == _CON + "ConsultaFactuSistemaFacturacion" and endpoint == "verifactu":
            return query(store, payload, body)
        raise Refused(4118, f"Operación {etree.QName(payload).localname} en {endpoint}.")
    except Refused as refusal:
        return fault_reply(refusal)
    except Exception:
        # A defect here, not bad input: log it whole and answer what the AEAT answers when it
        # fails (env:Server, "resend"), so a client under test sees a fault, not a hang.
        log.exception("aeat_sandbox.soap.failed", extra={"endpoint": endpoint})
        return fault_reply(Refused(None, "Error técnico del servicio.", server=True))


def _read(body: bytes) -> etree._Element:
    """Steps 1: encoding, parsing, envelope, record count and schema; the Body payload."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(4119) from exc
    declared = _ENCODING_RE.match(body)
    if declared is not None and declared.group(1).lower().replace(b"_", b"-") not in (
        b"utf-8",
        b"utf8",
    ):
        raise Refused(4119, f"Codificación declarada: {declared.group(1).decode('ascii')}.")
    try:
        root = parse_untrusted(body, max_bytes=MAX_MESSAGE_BYTES)
    except UntrustedXmlError as exc:
        raise Refused(4103, str(exc)) from exc
    if root.tag != _ENV + "Envelope":
        raise Refused(4102, "El mensaje debe ir en un sobre SOAP 1.1.")
    body_node = root.find(_ENV + "Body")
    if body_node is None or len(body_node) == 0:
        raise Refused(4102, "El sobre SOAP no tiene Body.")
    payload = body_node[0]
    if len(payload.findall(_LR + "RegistroFactura")) > MAX_RECORDS_PER_MESSAGE:
        raise Refused(4114)
    try:
        validate(root)
    except SchemaInvalid as exc:
        first = exc.faults[0].message if exc.faults else str(exc)
        raise Refused(4102, first) from exc
    return payload


def _check_nif(
    value: str, *, census: set[str] | None, bad_format: int, bad_check: int, unknown: int
) -> None:
    if formats.NIF_RE.fullmatch(value) is None:
        raise Refused(bad_format, f"NIF:{value}.")
    if not nif.is_valid(value):
        raise Refused(bad_check, f"NIF:{value}.")
    if census is not None and value not in census:
        raise Refused(unknown, f"NIF:{value}.")


def _header(store: Store, cabecera: etree._Element, endpoint: Endpoint) -> tuple[str, str]:
    """Step 2 for a submission; returns (ObligadoEmision NIF, presenter NIF)."""
    obligado = cabecera.findtext(f"{_SF}ObligadoEmision/{_SF}NIF", "").strip()
    nombre = cabecera.findtext(f"{_SF}ObligadoEmision/{_SF}NombreRazon", "").strip()
    try:
        _check_nif(obligado, census=store.census, bad_format=4116, bad_check=4115, unknown=4104)
    except Refused as refusal:
        refusal.message = f"{refusal.message} NOMBRE_RAZON:{nombre}"
        raise
    presenter = obligado
    representante = cabecera.findtext(f"{_SF}Representante/{_SF}NIF")
    if representante is not None:
        presenter = representante.strip()
        _check_nif(presenter, census=store.census, bad_format=4117, bad_check=4117, unknown=4123)
    voluntaria = cabecera.find(_SF + "RemisionVoluntaria")
    requerimiento = cabecera.find(_SF + "RemisionRequerimiento")
    if endpoint == "requerimiento":
        if voluntaria is not None:
            raise Refused(4127)
        if requerimiento is None or not cabecera.findtext(
            f"{_SF}RemisionRequerimiento/{_SF}RefRequerimiento", ""
        ):
            raise Refused(4125)
    elif requerimiento is not None:
        raise Refused(4126)
    return obligado, presenter


def check_flow(store: Store, obligado: str, records: int, now: datetime) -> None:
    """Refuse a send that comes before the issuer's TiempoEsperaEnvio has elapsed.

    A send of 1000 records may go at once [ORDEN art. 16; spec §9.5]. The AEAT documents no
    code for an early send, so the sandbox answers an ``env:Server`` Fault without a code
    ("resend the same message", which is what a client must do, later) and a ``Retry-After``
    header with the seconds left. An assumption, kept apart so it is easy to change.
    """
    state = store.issuers.get(obligado)
    if state is None or state.last_send_at is None or records >= MAX_RECORDS_PER_MESSAGE:
        return
    wait = state.wait_seconds if state.wait_seconds is not None else store.wait_seconds
    ready_at = datetime.fromisoformat(state.last_send_at) + timedelta(seconds=wait)
    if now < ready_at:
        left = max(1, int((ready_at - now).total_seconds() + 0.999))
        refusal = Refused(
            None,
            f"Envío anticipado: no han transcurrido los {wait} segundos de TiempoEsperaEnvio "
            f"desde el envío anterior de {obligado}; faltan {left} segundos.",
            server=True,
        )
        refusal.headers["Retry-After"] = str(left)
        raise refusal


def _timestamp(at: datetime) -> str:
    return at.replace(microsecond=0).isoformat()


def _key_of(received: RegistroRecibido) -> tuple[str, str, str]:
    suffix = "Anulada" if received.kind == "anulacion" else ""
    fields = received.hash_fields
    return (
        fields.get("IDEmisorFactura" + suffix, ""),
        fields.get("NumSerieFactura" + suffix, ""),
        fields.get("FechaExpedicionFactura" + suffix, ""),
    )


@dataclass(slots=True)
class _Submission:
    """What one submission needs while its records are judged and stored."""

    store: Store
    obligado: str
    presenter: str
    incidencia: bool
    now: datetime
    id_peticion: str
    csv: str
    stored_any: bool = False

    def process(self, received: RegistroRecibido, element: etree._Element) -> responses.Linea:
        nif_, num_serie, fecha = _key_of(received)
        state = self.store.issuer(self.obligado)
        existing = self.store.find(nif_, num_serie, fecha) if nif_ == self.obligado else None
        ctx = validations.Context(
            obligado_nif=self.obligado,
            now=self.now,
            incidencia=self.incidencia,
            existing=existing,
            head=state.head,
            strict_chain=self.store.strict_chain,
            clock_margin=timedelta(seconds=self.store.clock_margin_seconds),
            recipient_census=(
                frozenset(self.store.census) if self.store.recipient_census else None
            ),
        )
        found = validations.judge(received, ctx)
        record = received.record
        estado = "Correcto"
        if record is None or (found is not None and found.blocking):
            estado = "Incorrecto"
        elif found is not None:
            estado = "AceptadoConErrores"
        alta = record if isinstance(record, RegistroAlta) else None
        linea = responses.Linea(
            nif=nif_,
            num_serie=num_serie,
            fecha=fecha,
            tipo_operacion="Alta" if received.kind == "alta" else "Anulacion",
            estado=estado,
            subsanacion=_flag(element, "Subsanacion"),
            rechazo_previo=_flag(element, "RechazoPrevio"),
            sin_registro_previo=_flag(element, "SinRegistroPrevio"),
            ref_externa=_flag(element, "RefExterna"),
            codigo_error=found.code if found is not None else None,
            descripcion_error=found.description if found is not None else None,
            duplicado=_duplicado(found),
        )
        if estado != "Incorrecto" and record is not None:
            self._store(received, element, alta, existing, found, (nif_, num_serie, fecha))
            state.chain.append(ChainLink(nif_, num_serie, fecha, received.huella, received.kind))
        return linea

    def _store(
        self,
        received: RegistroRecibido,
        element: etree._Element,
        alta: RegistroAlta | None,
        existing: StoredRecord | None,
        found: validations.Finding | None,
        key: tuple[str, str, str],
    ) -> None:
        self.stored_any = True
        xml = etree.tostring(element, encoding="unicode")
        stamp = _timestamp(self.now)
        target = existing
        if target is None:
            issued = formats.parse_fecha(key[2])  # the imputation period until an alta says
            target = StoredRecord(
                nif=key[0],
                num_serie=key[1],
                fecha=key[2],
                estado="Correcto",
                huella=received.huella,
                id_peticion=self.id_peticion,
                csv=self.csv,
                nif_presentador=self.presenter,
                presented_at=stamp,
                modified_at=stamp,
                ejercicio=issued.year,
                periodo=issued.month,
            )
            self.store.issuer(self.obligado).records[record_key(*key)] = target
        target.huella = received.huella
        target.id_peticion = self.id_peticion
        target.csv = self.csv
        target.nif_presentador = self.presenter
        target.modified_at = stamp
        target.codigo_error = found.code if found is not None else None
        target.descripcion_error = found.description if found is not None else None
        if alta is not None:
            target.alta_xml = xml
            target.anulacion_xml = None
            target.estado = "AceptadoConErrores" if found is not None else "Correcto"
            target.ref_externa = alta.ref_externa
            target.contrapartes = [
                d.nif if d.nif is not None else (d.id_otro.id if d.id_otro else "")
                for d in alta.destinatarios
            ]
            period = alta.fecha_operacion or alta.id_factura.fecha_expedicion_factura
            target.ejercicio, target.periodo = period.year, period.month
        else:
            target.anulacion_xml = xml
            target.estado = "Anulado"


def _flag(element: etree._Element, name: str) -> str | None:
    value = element.findtext(_SF + name)
    return value.strip() if value is not None else None


def _duplicado(found: validations.Finding | None) -> responses.Duplicado | None:
    if found is None or found.duplicate_of is None:
        return None
    stored = found.duplicate_of
    return responses.Duplicado(
        id_peticion=stored.id_peticion,
        estado=validations.duplicate_state(stored),
        codigo_error=stored.codigo_error,
        descripcion_error=stored.descripcion_error,
    )


def _estado_envio(lineas: list[responses.Linea]) -> str:
    if all(linea.estado == "Correcto" for linea in lineas):
        return "Correcto"
    if all(linea.estado == "Incorrecto" for linea in lineas):
        return "Incorrecto"
    return "ParcialmenteCorrecto"


def submit(store: Store, payload: etree._Element, body: bytes, *, endpoint: Endpoint) -> SoapReply:
    """Answer a RegFactuSistemaFacturacion: judge, store and reply, atomically."""
    cabecera = payload.find(_LR + "Cabecera")
    if cabecera is None:
        raise Refused(4102, "Falta la Cabecera.")
    holders = payload.findall(_LR + "RegistroFactura")
    try:
        request = parse_reg_factu_request(body)
    except (VerifactuError, ValueError) as exc:
        raise Refused(4102, str(exc)) from exc
    with store.transaction():
        now = store.now()
        obligado, presenter = _header(store, cabecera, endpoint)
        check_flow(store, obligado, len(holders), now)
        run = _Submission(
            store=store,
            obligado=obligado,
            presenter=presenter,
            incidencia=bool(request.cabecera.incidencia),
            now=now,
            id_peticion=store.next_id_peticion(now),
            csv=store.new_csv(),
        )
        lineas = [
            run.process(received, holder[0])
            for received, holder in zip(request.registros, holders, strict=True)
        ]
        estado_envio = _estado_envio(lineas)
        csv = run.csv if run.stored_any else None
        state = store.issuer(obligado)
        state.last_send_at = now.isoformat()
        state.wait_seconds = store.wait_seconds
        store.submissions.append(
            Submission(
                id_peticion=run.id_peticion,
                nif=obligado,
                endpoint=endpoint,
                received_at=_timestamp(now),
                estado_envio=estado_envio,
                csv=csv,
                lines=[
                    LineOutcome(
                        nif=linea.nif,
                        num_serie=linea.num_serie,
                        fecha=linea.fecha,
                        operacion=linea.tipo_operacion,
                        estado=linea.estado,
                        codigo_error=linea.codigo_error,
                        huella=received.huella,
                    )
                    for linea, received in zip(lineas, request.registros, strict=True)
                ],
            )
        )
        reply = responses.reg_factu_reply(
            cabecera=cabecera,
            csv=csv,
            nif_presentador=presenter,
            timestamp=_timestamp(now),
            wait_seconds=store.wait_seconds,
            estado_envio=estado_envio,
            lineas=lineas,
        )
    return SoapReply(200, reply)


def _matches(stored: StoredRecord, consulta: ConsultaFactu, by_issuer: bool) -> bool:
    if (stored.ejercicio, stored.periodo) != (consulta.ejercicio, consulta.periodo):
        return False
    if consulta.num_serie_factura is not None and stored.num_serie != consulta.num_serie_factura:
        return False
    if consulta.ref_externa is not None and stored.ref_externa != consulta.ref_externa:
        return False
    issued = formats.parse_fecha(stored.fecha)
    if consulta.fecha_expedicion is not None and issued != consulta.fecha_expedicion:
        return False
    if consulta.fecha_desde is not None and issued < consulta.fecha_desde:
        return False
    if consulta.fecha_hasta is not None and issued > consulta.fecha_hasta:
        return False
    other = consulta.contraparte
    if other is not None:
        wanted = other.nif if other.nif is not None else (other.id_otro.id if other.id_otro else "")
        if by_issuer and wanted not in stored.contrapartes:
            return False
        if not by_issuer and wanted != stored.nif:
            return False
    return True


def query(store: Store, payload: etree._Element, body: bytes) -> SoapReply:
    """Answer a ConsultaFactuSistemaFacturacion: filter, sort by presentation, paginate.

    An issuer (ObligadoEmision) sees its own records, a recipient (Destinatario) the records
    that name it [spec §10]. Pages hold ``store.page_size`` records; ``ClavePaginacion`` is the
    key of the last record of the previous page, and the next page starts after it.
    """
    cabecera = payload.find(_CON + "Cabecera")
    if cabecera is None:
        raise Refused(4102, "Falta la Cabecera.")
    try:
        consulta = parse_consulta_request(body)
    except RecordInvalid as exc:
        fault = exc.faults[0] if exc.faults else None
        code = int(fault.code) if fault is not None and fault.code.isdigit() else 4102
        raise Refused(code, fault.message if fault is not None else None) from exc
    except (VerifactuError, ValueError) as exc:
        raise Refused(4102, str(exc)) from exc
    with store.lock:
        if consulta.obligado_emision is not None:
            issuer = consulta.obligado_emision.nif
            _check_nif(issuer, census=store.census, bad_format=4116, bad_check=4115, unknown=4104)
            state = store.issuers.get(issuer)
            pool = list(state.records.values()) if state is not None else []
            by_issuer = True
        else:
            assert consulta.destinatario is not None  # ConsultaFactu guarantees one of the two
            wanted = consulta.destinatario.nif
            _check_nif(wanted, census=None, bad_format=4109, bad_check=4109, unknown=4109)
            pool = [r for r in store.all_records() if wanted in r.contrapartes]
            by_issuer = False
        selected = [r for r in pool if _matches(r, consulta, by_issuer)]
        selected.sort(key=lambda r: r.presented_at)
        start = 0
        clave = consulta.clave_paginacion
        if clave is not None:
            wanted_key = (clave.id_emisor_factura, clave.num_serie_factura, clave.fecha_text)
            for i, stored in enumerate(selected):
                if stored.key == wanted_key:
                    start = i + 1
                    break
        page = selected[start : start + store.page_size]
        more = start + store.page_size < len(selected)
        extra = payload.find(_CON + "DatosAdicionalesRespuesta")
        reply = responses.consulta_reply(
            cabecera=cabecera,
            ejercicio=consulta.ejercicio,
            periodo=consulta.periodo,
            registros=page,
            more=more,
            mostrar_nombre=_yes(extra, "MostrarNombreRazonEmisor"),
            mostrar_sistema=_yes(extra, "MostrarSistemaInformatico"),
        )
    return SoapReply(200, reply)


def _yes(node: etree._Element | None, name: str) -> bool:
    return node is not None and (node.findtext(_CON + name) or "").strip() == "S"


__all__ = [
    "ENDPOINTS",
    "MAX_MESSAGE_BYTES",
    "PATH_REQUERIMIENTO",
    "PATH_VERIFACTU",
    "Endpoint",
    "Refused",
    "SoapReply",
    "check_flow",
    "fault_reply",
    "handle",
    "operation_of",
    "query",
    "submit",
]
