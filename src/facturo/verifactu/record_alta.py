"""RegistroAlta: the record of an issued invoice, or of a correction to an earlier alta.

Field order and rules follow ``RegistroFacturacionAltaType`` in SuministroInformacion.xsd and
the AEAT validation document [VAL §3.1; spec §4]. The constructor checks every rule that needs
nothing but the record itself; :meth:`RegistroAlta.ordinary` reaches the same record for less
when the invoice corrects, replaces and delegates nothing, which is almost every invoice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from facturo.verifactu import formats
from facturo.verifactu.record_amounts import DetalleDesglose, ImporteRectificacion
from facturo.verifactu.record_checks import Faults, is_plain_text
from facturo.verifactu.record_codes import (
    F2_LIMIT,
    MACRODATO_THRESHOLD,
    IDType,
    TipoFactura,
    TipoRectificativa,
)
from facturo.verifactu.record_huella import alta_huella
from facturo.verifactu.record_keys import IDFactura, RegistroAnterior, anterior_of
from facturo.verifactu.record_parties import PersonaFisicaJuridica, SistemaInformatico
from facturo.verifactu.record_slots import assembler, slot_init

#: Members the hot paths compare against, as module names: reading a member off its enum class
#: goes through the enum machinery on every access.
_F1: Final = TipoFactura.F1
_F2: Final = TipoFactura.F2
_F3: Final = TipoFactura.F3


@slot_init
@dataclass(frozen=True, slots=True)
class RegistroAlta:
    """A registration record: an invoice was issued, or an earlier alta is corrected [spec §4].

    ``registro_anterior`` is ``None`` for the first record of the chain (PrimerRegistro=S).
    ``huella`` is computed when the record is built.
    """

    id_factura: IDFactura
    nombre_razon_emisor: str
    tipo_factura: TipoFactura
    descripcion_operacion: str
    desglose: tuple[DetalleDesglose, ...]
    cuota_total: Decimal
    importe_total: Decimal
    sistema_informatico: SistemaInformatico
    fecha_hora_huso_gen_registro: datetime
    registro_anterior: RegistroAnterior | None = None
    ref_externa: str | None = None
    subsanacion: bool = False
    rechazo_previo: str | None = None  # L17: "N", "S" or "X"
    tipo_rectificativa: TipoRectificativa | None = None
    facturas_rectificadas: tuple[IDFactura, ...] = ()
    facturas_sustituidas: tuple[IDFactura, ...] = ()
    importe_rectificacion: ImporteRectificacion | None = None
    fecha_operacion: date | None = None
    factura_simplificada_art7273: bool = False
    factura_sin_identif_destinatario_art61d: bool = False
    emitida_por_tercero_o_destinatario: str | None = None  # L6: "T" or "D"
    tercero: PersonaFisicaJuridica | None = None
    destinatarios: tuple[PersonaFisicaJuridica, ...] = ()
    cupon: bool = False
    num_registro_acuerdo_facturacion: str | None = None
    id_acuerdo_sistema_informatico: str | None = None
    cuota_total_text: str = field(init=False, repr=False, compare=False)
    importe_total_text: str = field(init=False, repr=False, compare=False)
    fecha_hora_text: str = field(init=False, repr=False, compare=False)
    huella: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        f = Faults()
        try:
            cuota_text = formats.amount(self.cuota_total)
        except ValueError as exc:
            cuota_text = ""
            f.add("1100", str(exc), "$.CuotaTotal")
        try:
            importe_text = formats.amount(self.importe_total)
        except ValueError as exc:
            importe_text = ""
            f.add("1100", str(exc), "$.ImporteTotal")
        try:
            fecha_hora = formats.fecha_hora_huso(self.fecha_hora_huso_gen_registro)
        except ValueError as exc:
            fecha_hora = ""
            f.add("1100", str(exc), "$.FechaHoraHusoGenRegistro")
        self._check(f)
        if f.items:
            f.raise_if_any("RegistroAlta")
        _set_alta_cuota_text(self, cuota_text)
        _set_alta_importe_text(self, importe_text)
        _set_alta_fecha_hora_text(self, fecha_hora)
        _set_alta_huella(
            self,
            alta_huella(
                self.id_factura,
                self.tipo_factura,
                cuota_text,
                importe_text,
                self.registro_anterior,
                fecha_hora,
            ),
        )

    def _check(self, f: Faults) -> None:
        tipo = self.tipo_factura
        needs_recipient = tipo.needs_recipient
        f.check_text(self.nombre_razon_emisor, "$.NombreRazonEmisor", max_len=120)
        f.check_text(self.descripcion_operacion, "$.DescripcionOperacion", max_len=500)
        if self.ref_externa is not None:
            f.check_text(self.ref_externa, "$.RefExterna", max_len=60)
        if self.rechazo_previo is not None:
            self._check_rechazo(f, self.rechazo_previo)
        if (
            tipo[0] == "R"  # TipoFactura.is_corrective, without the property call
            or tipo is _F3
            or self.tipo_rectificativa is not None
            or self.facturas_rectificadas
            or self.facturas_sustituidas
            or self.importe_rectificacion is not None
        ):
            self._check_correction(f, tipo)
        if self.factura_simplificada_art7273 and not needs_recipient:
            f.add("1183", "FacturaSimplificadaArt7273 only with F1, F3, R1-R4", "$.Art7273")
        if self.factura_sin_identif_destinatario_art61d and needs_recipient:
            f.add("1185", "FacturaSinIdentifDestinatarioArt61d only with F2, R5", "$.Art61d")
        destinatarios = self.destinatarios
        if needs_recipient and not destinatarios:
            f.add("1189", f"{tipo} needs Destinatarios", "$.Destinatarios")
        if not needs_recipient and destinatarios:
            f.add("1190", f"{tipo} must not have Destinatarios", "$.Destinatarios")
        if len(destinatarios) > 1000:
            f.add("1100", "at most 1000 Destinatarios", "$.Destinatarios")
        emitida, tercero = self.emitida_por_tercero_o_destinatario, self.tercero
        if emitida is not None or tercero is not None:
            self._check_tercero(f, emitida, tercero)
        issuer = self.id_factura.id_emisor_factura
        for i, dest in enumerate(destinatarios):
            if dest.nif is not None and dest.nif == issuer:
                f.add("1193", "recipient NIF equals the issuer's", f"$.Destinatarios[{i}]")
            if dest.id_otro and dest.id_otro.id_type is IDType.NIF_IVA and not needs_recipient:
                f.add("1156", "IDType 02 only with F1, F3, R1-R4", f"$.Destinatarios[{i}]")
        if (
            tipo is _F2
            and not self.factura_sin_identif_destinatario_art61d
            and self.num_registro_acuerdo_facturacion is None
            and abs(self.importe_total) > F2_LIMIT
        ):
            f.add("1150", "F2 above 3000 EUR needs an agreement or art. 61d", "$.ImporteTotal")
        if self.cupon and tipo not in (TipoFactura.R1, TipoFactura.R5):
            f.add("1157", "Cupon only with R1 or R5", "$.Cupon")
        if not 1 <= len(self.desglose) <= 12:
            f.add("1100", "Desglose has 1 to 12 DetalleDesglose", "$.Desglose")
        if not needs_recipient:
            for i, line in enumerate(self.desglose):
                if line.calificacion_operacion == "S2":
                    f.add("1197", "S2 only with F1, F3, R1-R4", f"$.Desglose[{i}]")
        if self.num_registro_acuerdo_facturacion is not None:
            f.check_text(
                self.num_registro_acuerdo_facturacion, "$.NumRegistroAcuerdoFacturacion", max_len=15
            )
        if self.id_acuerdo_sistema_informatico is not None:
            f.check_text(
                self.id_acuerdo_sistema_informatico, "$.IdAcuerdoSistemaInformatico", max_len=16
            )

    def _check_rechazo(self, f: Faults, rechazo: str) -> None:
        if rechazo not in ("N", "S", "X"):
            f.add("1100", "RechazoPrevio is N, S or X", "$.RechazoPrevio")
        if rechazo == "X" and not self.subsanacion:
            f.add("1153", "RechazoPrevio=X needs Subsanacion=S", "$.RechazoPrevio")
        if rechazo == "S" and not self.subsanacion:
            f.add("1161", "RechazoPrevio=S needs Subsanacion=S", "$.RechazoPrevio")

    def _check_correction(self, f: Faults, tipo: TipoFactura) -> None:
        """Rules of correctives (R1-R5) and replacements (F3); most invoices are neither."""
        corrective = tipo.is_corrective
        rectificativa = self.tipo_rectificativa
        if corrective and rectificativa is None:
            f.add("1114", "a corrective invoice needs TipoRectificativa", "$.TipoRectificativa")
        if not corrective and rectificativa is not None:
            f.add("1115", "TipoRectificativa only for R1-R5", "$.TipoRectificativa")
        if self.facturas_rectificadas and not corrective:
            f.add("1117", "FacturasRectificadas only for R1-R5", "$.FacturasRectificadas")
        if self.facturas_sustituidas and tipo is not TipoFactura.F3:
            f.add("1116", "FacturasSustituidas only for F3", "$.FacturasSustituidas")
        for name, items in (
            ("FacturasRectificadas", self.facturas_rectificadas),
            ("FacturasSustituidas", self.facturas_sustituidas),
        ):
            if len(items) > 1000:
                f.add("1100", f"at most 1000 {name}", f"$.{name}")
        sustitucion = rectificativa is TipoRectificativa.SUSTITUCION
        if sustitucion and self.importe_rectificacion is None:
            f.add("1118", "TipoRectificativa=S needs ImporteRectificacion", "$.ImporteRectif")
        if not sustitucion and self.importe_rectificacion is not None:
            f.add("1119", "ImporteRectificacion only with TipoRectificativa=S", "$.ImporteRectif")

    def _check_tercero(
        self, f: Faults, emitida: str | None, tercero: PersonaFisicaJuridica | None
    ) -> None:
        if emitida not in (None, "T", "D"):
            f.add("1100", "EmitidaPorTerceroODestinatario is T or D", "$.EmitidaPor")
        if emitida == "T" and tercero is None:
            f.add("1186", "EmitidaPorTerceroODestinatario=T needs Tercero", "$.Tercero")
        if emitida != "T" and tercero is not None:
            f.add("1187", "Tercero only with EmitidaPorTerceroODestinatario=T", "$.Tercero")
        if tercero is not None:
            if tercero.nif == self.id_factura.id_emisor_factura:
                f.add("1188", "Tercero must differ from the issuer", "$.Tercero")
            if tercero.id_otro and tercero.id_otro.id_type is IDType.NO_CENSADO:
                f.add("1211", "Tercero may not use IDType 07", "$.Tercero")

    @property
    def macrodato(self) -> bool:
        """``Macrodato=S`` exactly when |ImporteTotal| ≥ 100,000,000 € (1138/1139)."""
        return abs(self.importe_total) >= MACRODATO_THRESHOLD

    @property
    def primer_registro(self) -> bool:
        """Whether this record opens its chain (``Encadenamiento/PrimerRegistro=S``)."""
        return self.registro_anterior is None

    def hash_pairs(self) -> tuple[tuple[str, str], ...]:
        """The huella input, in [HASH §3] order, from the strings the XML gets."""
        return (
            ("IDEmisorFactura", self.id_factura.id_emisor_factura),
            ("NumSerieFactura", self.id_factura.num_serie_factura),
            ("FechaExpedicionFactura", self.id_factura.fecha_text),
            ("TipoFactura", self.tipo_factura.value),
            ("CuotaTotal", self.cuota_total_text),
            ("ImporteTotal", self.importe_total_text),
            ("Huella", self.registro_anterior.huella if self.registro_anterior else ""),
            ("FechaHoraHusoGenRegistro", self.fecha_hora_text),
        )

    @classmethod
    def ordinary(
        cls,
        id_factura: IDFactura,
        nombre_razon_emisor: str,
        tipo_factura: TipoFactura,
        descripcion_operacion: str,
        desglose: tuple[DetalleDesglose, ...],
        cuota_total: Decimal,
        importe_total: Decimal,
        sistema_informatico: SistemaInformatico,
        fecha_hora_huso_gen_registro: datetime,
        registro_anterior: RegistroAnterior | None = None,
        ref_externa: str | None = None,
        subsanacion: bool = False,
        rechazo_previo: str | None = None,
        fecha_operacion: date | None = None,
        factura_simplificada_art7273: bool = False,
        destinatarios: tuple[PersonaFisicaJuridica, ...] = (),
    ) -> RegistroAlta:
        """An alta of an invoice that corrects, replaces and delegates nothing: the same
        record, and the same faults, as the constructor given these fields, for less.

        An invoice that is no corrective (R1-R5) nor F3, with no Tercero, no
        EmitidaPorTerceroODestinatario, no art. 61d flag, no Cupon and no agreement numbers,
        keeps by its shape every rule about corrections (1114-1119), third parties (1186-1188,
        1211), Cupon (1157) and those numbers. What is left is checked here: the texts
        (1100), RechazoPrevio with Subsanacion (1100, 1153, 1161), art. 72/73 (1183), the
        recipients (1189, 1190, 1193, at most 1000), the F2 ceiling (1150), 1 to 12 breakdown
        lines and S2 only with recipients (1197), and that both totals and the timestamp have
        their AEAT form. When any of these fails, or the type is not F1 or F2, the constructor
        builds the record instead and reports every fault. The GOBL mapper builds almost every
        record of an installation this way.
        """
        needs_recipient = tipo_factura is _F1
        if (
            (needs_recipient or tipo_factura is _F2)
            and is_plain_text(nombre_razon_emisor, 120)
            and is_plain_text(descripcion_operacion, 500)
            and (ref_externa is None or is_plain_text(ref_externa, 60))
            and (
                rechazo_previo is None
                or rechazo_previo == "N"
                or (subsanacion and (rechazo_previo == "S" or rechazo_previo == "X"))
            )
            and (needs_recipient or not factura_simplificada_art7273)
            and (
                0 < len(destinatarios) <= 1000
                if needs_recipient
                else not destinatarios and abs(importe_total) <= F2_LIMIT
            )
            and 1 <= len(desglose) <= 12
        ):
            issuer = id_factura.id_emisor_factura
            try:
                cuota_text = formats.amount(cuota_total)
                importe_text = formats.amount(importe_total)
                fecha_hora = formats.fecha_hora_huso(fecha_hora_huso_gen_registro)
            except ValueError:
                pass  # the constructor below names every fault
            else:
                ok = True  # 1193: no recipient has the issuer's NIF; 1197: S2 needs one
                for dest in destinatarios:
                    if dest.nif == issuer:
                        ok = False
                if not needs_recipient:
                    for line in desglose:
                        if line.calificacion_operacion == "S2":
                            ok = False
                if ok:
                    return _assemble_alta(
                        id_factura, nombre_razon_emisor, tipo_factura, descripcion_operacion,
                        desglose, cuota_total, importe_total, sistema_informatico,
                        fecha_hora_huso_gen_registro, registro_anterior, ref_externa,
                        subsanacion, rechazo_previo, None, (), (), None, fecha_operacion,
                        factura_simplificada_art7273, False, None, None, destinatarios, False,
                        None, None, cuota_text, importe_text, fecha_hora,
                        alta_huella(
                            id_factura, tipo_factura, cuota_text, importe_text,
                            registro_anterior, fecha_hora,
                        ),
                    )  # fmt: skip
        return cls(
            id_factura=id_factura,
            nombre_razon_emisor=nombre_razon_emisor,
            tipo_factura=tipo_factura,
            descripcion_operacion=descripcion_operacion,
            desglose=desglose,
            cuota_total=cuota_total,
            importe_total=importe_total,
            sistema_informatico=sistema_informatico,
            fecha_hora_huso_gen_registro=fecha_hora_huso_gen_registro,
            registro_anterior=registro_anterior,
            ref_externa=ref_externa,
            subsanacion=subsanacion,
            rechazo_previo=rechazo_previo,
            fecha_operacion=fecha_operacion,
            factura_simplificada_art7273=factura_simplificada_art7273,
            destinatarios=destinatarios,
        )

    def as_anterior(self) -> RegistroAnterior:
        """This record as the ``RegistroAnterior`` of the next record in the chain.

        The huella came from :func:`chain.digest`, so it has the form RegistroAnterior checks.
        """
        return anterior_of(self.id_factura, self.huella)


_assemble_alta: Final = assembler(RegistroAlta)

#: The slots' own setters, which store past the frozen class for less than
#: ``object.__setattr__``: every alta sets these four after its checks.
_set_alta_cuota_text: Final = RegistroAlta.__dict__["cuota_total_text"].__set__
_set_alta_importe_text: Final = RegistroAlta.__dict__["importe_total_text"].__set__
_set_alta_fecha_hora_text: Final = RegistroAlta.__dict__["fecha_hora_text"].__set__
_set_alta_huella: Final = RegistroAlta.__dict__["huella"].__set__


__all__ = ["RegistroAlta"]
