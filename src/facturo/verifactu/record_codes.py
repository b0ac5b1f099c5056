"""The AEAT code lists a VERI*FACTU record draws on, and the fixed values and limits it obeys.

Each enum or set is one list of the AEAT's "Listas de valores" (L1-L17) or an XSD enumeration,
marked with its list number so a reader of the AEAT documents finds it. They hold no rules:
the record types that use them check them [VAL §3.1; spec §4].

The enums are ``StrEnum`` so a member is its own XML text: the writer and the huella input
write ``tipo_factura`` as it is, with no lookup.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Final

ID_VERSION: Final = "1.0"  # L15
TIPO_HUELLA: Final = "01"  # L12: SHA-256
MACRODATO_THRESHOLD: Final = Decimal("100000000")  # 1138/1139
#: F2 ceiling: 3000 EUR plus the AEAT's 10 EUR tolerance (1150) [spec §4.2].
F2_LIMIT: Final = Decimal("3010")


class TipoFactura(StrEnum):
    """L2: the kind of invoice the alta registers [spec §4.2]."""

    F1 = "F1"  # full invoice (RD 1619/2012 arts. 6, 7.2, 7.3)
    F2 = "F2"  # simplified invoice, or art. 6.1.d without identified recipient
    F3 = "F3"  # full invoice that replaces simplified invoices already declared
    R1 = "R1"  # corrective: error in law and LIVA art. 80.1, 80.2, 80.6
    R2 = "R2"  # corrective: art. 80.3 (insolvency)
    R3 = "R3"  # corrective: art. 80.4 (bad debts)
    R4 = "R4"  # corrective: other cases
    R5 = "R5"  # corrective of simplified invoices

    @property
    def is_corrective(self) -> bool:
        """R1-R5."""
        return self[0] == "R"  # a StrEnum member is its value; .value costs a descriptor call

    @property
    def needs_recipient(self) -> bool:
        """F1, F3 and R1-R4 need Destinatarios (1189); F2 and R5 forbid them (1190)."""
        return self not in ("F2", "R5")


class TipoRectificativa(StrEnum):
    """L3: how a corrective invoice corrects."""

    SUSTITUCION = "S"  # replaces the original: full new amounts, originals in ImporteRectificacion
    DIFERENCIAS = "I"  # carries only the difference, which may be negative


class IDType(StrEnum):
    """L7: kind of a foreign or unregistered identifier (IDOtro/IDType) [spec §4.1]."""

    NIF_IVA = "02"  # EU VAT number (VIES)
    PASAPORTE = "03"
    DOC_OFICIAL_RESIDENCIA = "04"  # official ID document of the country of residence
    CERT_RESIDENCIA = "05"
    OTRO_DOC = "06"
    NO_CENSADO = "07"  # Spanish natural-person NIF not in the census (accepted with 2001)


class Impuesto(StrEnum):
    """L1: the tax of a breakdown line; absent in the XML means IVA."""

    IVA = "01"
    IPSI = "02"  # Ceuta and Melilla
    IGIC = "03"  # Canarias
    OTROS = "05"


CALIFICACIONES: Final = frozenset({"S1", "S2", "N1", "N2"})  # L9
EXENCIONES: Final = frozenset({"E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"})  # L10
CLAVES_REGIMEN: Final = frozenset(
    {f"{n:02d}" for n in (*range(1, 12), 14, 15, *range(17, 22))}
)  # L8A/L8B as the XSD enumerates them


__all__ = [
    "CALIFICACIONES",
    "CLAVES_REGIMEN",
    "EXENCIONES",
    "F2_LIMIT",
    "ID_VERSION",
    "MACRODATO_THRESHOLD",
    "TIPO_HUELLA",
    "IDType",
    "Impuesto",
    "TipoFactura",
    "TipoRectificativa",
]
