"""RegistroAnulacion: the record that voids an invoice already registered [spec §5].

Field order and rules follow ``RegistroFacturacionAnulacionType`` in SuministroInformacion.xsd.
An anulación carries the cancelled invoice's key and no amounts, and it is built far less often
than an alta, so it keeps the plain checked constructor and has no fast path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from facturo.verifactu import chain, formats
from facturo.verifactu.record_checks import Faults
from facturo.verifactu.record_codes import IDType
from facturo.verifactu.record_keys import IDFactura, RegistroAnterior, anterior_of
from facturo.verifactu.record_parties import PersonaFisicaJuridica, SistemaInformatico
from facturo.verifactu.record_slots import slot_init


@slot_init
@dataclass(frozen=True, slots=True)
class RegistroAnulacion:
    """A cancellation record: an issued invoice is voided [spec §5].

    ``sin_registro_previo`` says the alta being cancelled never reached the AEAT;
    ``rechazo_previo`` says an earlier anulación of the same key was rejected (§8).
    """

    id_factura: IDFactura
    sistema_informatico: SistemaInformatico
    fecha_hora_huso_gen_registro: datetime
    registro_anterior: RegistroAnterior | None = None
    ref_externa: str | None = None
    sin_registro_previo: bool = False
    rechazo_previo: bool = False
    generado_por: str | None = None  # L16: "E" issuer, "D" recipient, "T" third party
    generador: PersonaFisicaJuridica | None = None
    fecha_hora_text: str = field(init=False, repr=False, compare=False)
    huella: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        f = Faults()
        try:
            object.__setattr__(
                self, "fecha_hora_text", formats.fecha_hora_huso(self.fecha_hora_huso_gen_registro)
            )
        except ValueError as exc:
            f.add("1100", str(exc), "$.FechaHoraHusoGenRegistro")
        if self.ref_externa is not None:
            f.check_text(self.ref_externa, "$.RefExterna", max_len=60)
        if self.generado_por not in (None, "E", "D", "T"):
            f.add("1100", "GeneradoPor is E, D or T", "$.GeneradoPor")
        if (self.generado_por is None) != (self.generador is None):
            f.add("1224", "GeneradoPor and Generador go together", "$.Generador")
        if self.generado_por == "E" and self.generador is not None and self.generador.nif is None:
            f.add("1227", "GeneradoPor=E needs a Generador with NIF", "$.Generador")
        if (
            self.generado_por == "T"
            and self.generador is not None
            and self.generador.id_otro is not None
            and self.generador.id_otro.id_type is IDType.NO_CENSADO
        ):
            f.add("1229", "GeneradoPor=T may not use IDType 07", "$.Generador")
        f.raise_if_any("RegistroAnulacion")
        object.__setattr__(self, "huella", chain.digest(chain.concatenate(self.hash_pairs())))

    @property
    def primer_registro(self) -> bool:
        """Whether this record opens its chain (``Encadenamiento/PrimerRegistro=S``)."""
        return self.registro_anterior is None

    def hash_pairs(self) -> tuple[tuple[str, str], ...]:
        """The huella input, in [HASH §3] order."""
        return (
            ("IDEmisorFacturaAnulada", self.id_factura.id_emisor_factura),
            ("NumSerieFacturaAnulada", self.id_factura.num_serie_factura),
            ("FechaExpedicionFacturaAnulada", self.id_factura.fecha_text),
            ("Huella", self.registro_anterior.huella if self.registro_anterior else ""),
            ("FechaHoraHusoGenRegistro", self.fecha_hora_text),
        )

    def as_anterior(self) -> RegistroAnterior:
        """This record as the ``RegistroAnterior`` of the next record in the chain.

        The huella came from :func:`chain.digest`, so it has the form RegistroAnterior checks.
        """
        return anterior_of(self.id_factura, self.huella)


__all__ = ["RegistroAnulacion"]
