"""The two requests a SIF sends: RegFactuSistemaFacturacion and ConsultaFactuSistemaFacturacion.

Header and filter values as frozen models; :mod:`facturo.verifactu.xml` writes them.
Sources: SuministroLR.xsd / SuministroInformacion.xsd ``CabeceraType`` [spec §3.1], and
ConsultaLR.xsd [spec §10].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from facturo.errors import Fault
from facturo.verifactu import formats
from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.record_slots import slot_init
from facturo.verifactu.records import IDFactura, PersonaFisicaJuridica

#: At most 1000 RegistroFactura per message (4114) [VAL 3.1.2].
MAX_RECORDS_PER_MESSAGE: Final = 1000


@slot_init
@dataclass(frozen=True, slots=True)
class Persona:
    """A Spanish party by name and NIF (``PersonaFisicaJuridicaESType``)."""

    nombre_razon: str
    nif: str

    def __post_init__(self) -> None:
        faults: list[Fault] = []
        if not self.nombre_razon.strip() or len(self.nombre_razon) > 120:
            faults.append(Fault("1100", "NombreRazon is 1-120 characters", ("$.NombreRazon",)))
        if not formats.is_nif_form(self.nif):
            faults.append(Fault("4116", "NIF must be 9 upper-case letters or digits", ("$.NIF",)))
        if faults:
            raise RecordInvalid("Persona breaks AEAT rules", faults=faults)


@slot_init
@dataclass(frozen=True, slots=True)
class Cabecera:
    """Header of a RegFactuSistemaFacturacion [spec §3.1].

    ``fecha_fin_verifactu`` and ``incidencia`` form ``RemisionVoluntaria`` (VERI*FACTU endpoint
    only); ``ref_requerimiento`` and ``fin_requerimiento`` form ``RemisionRequerimiento``
    (Requerimiento endpoint only). ``incidencia=True`` marks records delayed by a technical
    incident [ORDEN art. 16.4].
    """

    obligado_emision: Persona
    representante: Persona | None = None
    fecha_fin_verifactu: date | None = None
    incidencia: bool | None = None
    ref_requerimiento: str | None = None
    fin_requerimiento: bool | None = None

    def __post_init__(self) -> None:
        voluntaria = self.fecha_fin_verifactu is not None or self.incidencia is not None
        if voluntaria and self.ref_requerimiento is not None:
            raise RecordInvalid(
                "Cabecera breaks AEAT rules",
                faults=[
                    Fault(
                        "4127",
                        "RemisionVoluntaria and RemisionRequerimiento go to different endpoints",
                        ("$.Cabecera",),
                    )
                ],
            )
        if self.fin_requerimiento is not None and self.ref_requerimiento is None:
            raise RecordInvalid(
                "Cabecera breaks AEAT rules",
                faults=[Fault("4125", "FinRequerimiento needs RefRequerimiento", ("$.Cabecera",))],
            )


@dataclass(frozen=True, slots=True)
class ConsultaFactu:
    """A query of stored records [spec §10; ConsultaLR.xsd].

    Exactly one of ``obligado_emision`` (the issuer asks about its own records) or
    ``destinatario`` (a recipient asks about records its suppliers sent) is set. ``ejercicio``
    and ``periodo`` are the imputation period: the month of FechaOperacion if any, else of the
    issue date. Pass ``clave_paginacion`` (the last key of the previous reply) for the next page.
    """

    ejercicio: int
    periodo: int
    obligado_emision: Persona | None = None
    destinatario: Persona | None = None
    indicador_representante: bool = False
    num_serie_factura: str | None = None
    contraparte: PersonaFisicaJuridica | None = None
    fecha_expedicion: date | None = None
    fecha_desde: date | None = None
    fecha_hasta: date | None = None
    ref_externa: str | None = None
    clave_paginacion: IDFactura | None = None
    mostrar_nombre_razon_emisor: bool | None = None
    mostrar_sistema_informatico: bool | None = None

    def __post_init__(self) -> None:
        faults: list[Fault] = []
        if (self.obligado_emision is None) == (self.destinatario is None):
            faults.append(Fault("1100", "one of ObligadoEmision or Destinatario", ("$.Cabecera",)))
        if not 1 <= self.periodo <= 12 or not 1000 <= self.ejercicio <= 9999:
            faults.append(Fault("1100", "bad imputation period", ("$.PeriodoImputacion",)))
        if self.fecha_expedicion is not None and (
            self.fecha_desde is not None or self.fecha_hasta is not None
        ):
            faults.append(
                Fault("1100", "a date or a range, not both", ("$.FechaExpedicionFactura",))
            )
        if (
            self.fecha_desde is not None
            and self.fecha_hasta is not None
            and self.fecha_desde > self.fecha_hasta
        ):
            faults.append(Fault("1250", "Desde must not be after Hasta", ("$.RangoFecha",)))
        if self.destinatario is not None and self.mostrar_sistema_informatico:
            faults.append(
                Fault(
                    "1272",
                    "MostrarSistemaInformatico only when querying as issuer",
                    ("$.DatosAdicionalesRespuesta",),
                )
            )
        if self.indicador_representante and self.obligado_emision is None:
            faults.append(
                Fault(
                    "1100",
                    "IndicadorRepresentante only with ObligadoEmision",
                    ("$.Cabecera",),
                )
            )
        if faults:
            raise RecordInvalid("ConsultaFactu breaks AEAT rules", faults=faults)


__all__ = ["MAX_RECORDS_PER_MESSAGE", "Cabecera", "ConsultaFactu", "Persona"]
