"""The parties of a VERI*FACTU record: persons and companies, and the invoicing software.

A party is named by a Spanish NIF or, for anyone without one in the census, by an
:class:`IDOtro` (``IDOtroType``), never both [spec §4.1]. :class:`SistemaInformatico` is a party
too: the producer of the software (SIF) that generated the record, plus this installation
[spec §6]. Rules that need the AEAT census or VIES are the AEAT's; only the form is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from facturo.verifactu import formats
from facturo.verifactu.record_checks import CONTROL_RE, Faults
from facturo.verifactu.record_codes import IDType
from facturo.verifactu.record_slots import assembler, slot_init


@slot_init
@dataclass(frozen=True, slots=True)
class IDOtro:
    """A non-Spanish or unregistered identifier (``IDOtroType``) [spec §4.1]."""

    id_type: IDType
    id: str
    codigo_pais: str | None = None

    def __post_init__(self) -> None:
        faults = Faults()
        faults.check_text(self.id, "$.IDOtro.ID", max_len=20)
        if self.codigo_pais is not None and len(self.codigo_pais) != 2:
            faults.add("1100", "CodigoPais is ISO 3166-1 alpha-2", "$.IDOtro.CodigoPais")
        if self.id_type is not IDType.NIF_IVA and self.codigo_pais is None:
            faults.add("1111", "CodigoPais is required unless IDType is 02", "$.IDOtro.CodigoPais")
        if self.codigo_pais == "ES" and self.id_type not in (IDType.PASAPORTE, IDType.NO_CENSADO):
            faults.add("1126", "CodigoPais ES only with IDType 03 or 07", "$.IDOtro.CodigoPais")
        if self.id_type is IDType.NO_CENSADO and self.codigo_pais != "ES":
            faults.add("1126", "IDType 07 needs CodigoPais ES", "$.IDOtro.CodigoPais")
        if (
            self.id_type is IDType.NIF_IVA
            and self.codigo_pais is not None
            and not self.id.startswith(self.codigo_pais)
        ):
            faults.add("1122", "CodigoPais must match the NIF-IVA prefix", "$.IDOtro.CodigoPais")
        faults.raise_if_any("IDOtro")


@slot_init
@dataclass(frozen=True, slots=True)
class PersonaFisicaJuridica:
    """A party: name plus either a Spanish NIF or an :class:`IDOtro` (never both)."""

    nombre_razon: str
    nif: str | None = None
    id_otro: IDOtro | None = None

    def __post_init__(self) -> None:
        faults = Faults()
        faults.check_text(self.nombre_razon, "$.NombreRazon", max_len=120)
        if (self.nif is None) == (self.id_otro is None):
            faults.add("1100", "exactly one of NIF or IDOtro is required", "$.NIF")
        if self.nif is not None:
            faults.check_nif(self.nif, "$.NIF")
        faults.raise_if_any("PersonaFisicaJuridica")

    @classmethod
    def with_nif(cls, nombre_razon: str, nif: str) -> PersonaFisicaJuridica:
        """A party with a Spanish NIF: the same party, and the same faults, as
        ``PersonaFisicaJuridica(nombre_razon, nif=nif)``, for less.

        A NIF and no IDOtro is the shape the one-identifier rule asks for, so only the name
        (1-120 characters, no outer blanks, no control characters) and the NIF's form are
        checked; if either fails, the constructor reports every fault. Most recipients have a
        NIF, and the GOBL mapper builds one per invoice.
        """
        if (
            0 < len(nombre_razon) <= 120
            and nombre_razon == nombre_razon.strip()
            and (
                (nombre_razon.isascii() and nombre_razon.isprintable())
                or CONTROL_RE.search(nombre_razon) is None
            )
            and formats.is_nif_form(nif)
        ):
            return _assemble_persona(nombre_razon, nif, None)
        return cls(nombre_razon, nif=nif)


_assemble_persona: Final = assembler(PersonaFisicaJuridica)


@slot_init
@dataclass(frozen=True, slots=True)
class SistemaInformatico:
    """Identity of the invoicing software (SIF) and of this installation [spec §6].

    ``nombre_razon`` and ``nif``/``id_otro`` name the software **producer**, not the taxpayer.
    ``indicador_multiples_ot`` is whether the installation holds more than one taxpayer at the
    moment the record is generated, which is why it is a value given per record.
    """

    nombre_razon: str
    nombre_sistema_informatico: str
    id_sistema_informatico: str
    version: str
    numero_instalacion: str
    nif: str | None = None
    id_otro: IDOtro | None = None
    tipo_uso_posible_solo_verifactu: bool = True
    tipo_uso_posible_multi_ot: bool = True
    indicador_multiples_ot: bool = False

    def __post_init__(self) -> None:
        f = Faults()
        f.check_text(self.nombre_razon, "$.SistemaInformatico.NombreRazon", max_len=120)
        if (self.nif is None) == (self.id_otro is None):
            f.add("1100", "exactly one of NIF or IDOtro is required", "$.SistemaInformatico.NIF")
        if self.nif is not None:
            f.check_nif(self.nif, "$.SistemaInformatico.NIF")
        if self.id_otro is not None and self.id_otro.id_type is IDType.NO_CENSADO:
            f.add("1223", "IDType 07 is not allowed for the SIF", "$.SistemaInformatico.IDOtro")
        f.check_text(
            self.nombre_sistema_informatico,
            "$.SistemaInformatico.NombreSistemaInformatico",
            max_len=30,
        )
        if len(self.id_sistema_informatico) != 2 or not all(
            c.isascii() and (c.isdigit() or c.isupper()) for c in self.id_sistema_informatico
        ):
            f.add(
                "1177",
                "IdSistemaInformatico is 2 characters in [A-Z0-9]",
                "$.SistemaInformatico.IdSistemaInformatico",
            )
        f.check_text(self.version, "$.SistemaInformatico.Version", max_len=50)
        f.check_text(self.numero_instalacion, "$.SistemaInformatico.NumeroInstalacion", max_len=100)
        f.raise_if_any("SistemaInformatico")


__all__ = ["IDOtro", "PersonaFisicaJuridica", "SistemaInformatico"]
