"""Subsanación and RechazoPrevio flags, derived from what happened to earlier submissions.

The flags are never asked of a caller: they follow from the AEAT's answers to earlier records of
the same invoice key, as the AEAT state matrix in [VAL annex 6; SWEB §9; FAQ §17] lays out
(spec §8):

=============================================  ===========================================
History of this key                              Next alta
=============================================  ===========================================
nothing sent                                     normal (no flags)
sent, every record rejected (nothing stored)     Subsanacion=S, RechazoPrevio=X
stored (alta or anulación)                       Subsanacion=S (replaces, or reactivates)
stored, then a later alta rejected               Subsanacion=S, RechazoPrevio=S
=============================================  ===========================================

=============================================  ===========================================
History of this key                              Next anulación
=============================================  ===========================================
a record of the key stored                       normal
nothing stored                                   SinRegistroPrevio=S
last record sent was a rejected anulación        RechazoPrevio=S (with either of the above)
=============================================  ===========================================

A 3000 (duplicate) answer means the AEAT already holds a record for the key, so it counts as
stored. An attempt whose outcome is unknown (lost reply) must be reconciled with a query before
the next record is made; it cannot be represented here on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from facturo.verifactu.replies import EstadoRegistro

DUPLICATE_CODE = 3000


class TipoOperacion(StrEnum):
    """Which kind of record an attempt sent (``Operacion/TipoOperacion`` in replies)."""

    ALTA = "Alta"
    ANULACION = "Anulacion"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One earlier submission of a record of the same invoice key, and the AEAT's answer."""

    operacion: TipoOperacion
    estado: EstadoRegistro
    codigo_error: int | None = None

    @property
    def stored(self) -> bool:
        """Whether the AEAT holds a record of the key after this answer."""
        return self.estado.stored or self.codigo_error == DUPLICATE_CODE


@dataclass(frozen=True, slots=True)
class AltaFlags:
    """``Subsanacion`` and ``RechazoPrevio`` of the next alta."""

    subsanacion: bool = False
    rechazo_previo: str | None = None


@dataclass(frozen=True, slots=True)
class AnulacionFlags:
    """``SinRegistroPrevio`` and ``RechazoPrevio`` of the next anulación."""

    sin_registro_previo: bool = False
    rechazo_previo: bool = False


def alta_flags(attempts: Sequence[Attempt]) -> AltaFlags:
    """Flags of the next alta of a key, given earlier attempts in the order they were sent."""
    if not attempts:
        return AltaFlags()
    if not any(a.stored for a in attempts):
        return AltaFlags(subsanacion=True, rechazo_previo="X")
    last = attempts[-1]
    if last.operacion is TipoOperacion.ALTA and not last.stored:
        return AltaFlags(subsanacion=True, rechazo_previo="S")
    return AltaFlags(subsanacion=True)


def anulacion_flags(attempts: Sequence[Attempt]) -> AnulacionFlags:
    """Flags of the next anulación of a key, given earlier attempts in the order sent."""
    stored = any(a.stored for a in attempts)
    rejected_before = bool(attempts) and (
        attempts[-1].operacion is TipoOperacion.ANULACION and not attempts[-1].stored
    )
    return AnulacionFlags(sin_registro_previo=not stored, rechazo_previo=rejected_before)


__all__ = [
    "AltaFlags",
    "AnulacionFlags",
    "Attempt",
    "TipoOperacion",
    "alta_flags",
    "anulacion_flags",
]
