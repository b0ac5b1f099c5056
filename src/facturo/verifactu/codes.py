"""The AEAT error list: code → section, effect and Spanish message.

Loaded once from ``data/errores.csv`` (package data), the UTF-8 form of the AEAT's
``errores.properties`` (247 codes) with an ``effect`` column added [ERR; spec §15]. The section
says what the code does to a submission:

- ``rechazo_envio``: the whole message is refused with a SOAP Fault; nothing is stored;
- ``rechazo_registro``: the record comes back Incorrecto (the whole request when the AEAT
  raises it on the Cabecera);
- ``aceptado_con_errores``: the record is stored as AceptadoConErrores and must be corrected by
  a subsanación, except 2004 and 2009 [VAL 4.3.1].
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Final


class Section(StrEnum):
    """What an error code does to a submission."""

    RECHAZO_ENVIO = "rechazo_envio"  # SOAP Fault: the whole message refused
    RECHAZO_REGISTRO = "rechazo_registro"  # the record is Incorrecto, not stored
    ACEPTADO_CON_ERRORES = "aceptado_con_errores"  # stored; usually needs a subsanación


#: Admissible codes that need no correction [VAL 4.3.1; spec §9.6].
NO_CORRECTION_NEEDED: Final = frozenset({2004, 2009})


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One entry of the AEAT error list."""

    code: int
    section: Section
    effect: str
    message: str

    @property
    def stored(self) -> bool:
        """Whether a record answered with this code was stored by the AEAT."""
        return self.section is Section.ACEPTADO_CON_ERRORES

    @property
    def needs_correction(self) -> bool:
        """Whether the SIF must send a subsanación (or a new record) after this code."""
        return self.code not in NO_CORRECTION_NEEDED


@cache
def table() -> Mapping[int, ErrorCode]:
    """Every AEAT error code, loaded once."""
    text = (resources.files(__package__) / "data" / "errores.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return MappingProxyType(
        {
            int(row["code"]): ErrorCode(
                code=int(row["code"]),
                section=Section(row["section"]),
                effect=row["effect"],
                message=row["message_es"],
            )
            for row in rows
        }
    )


def lookup(code: int | str) -> ErrorCode | None:
    """The entry for ``code``, or ``None`` when the AEAT list has no such code."""
    try:
        return table().get(int(code))
    except ValueError:
        return None


def message(code: int | str) -> str:
    """The AEAT message for ``code``; a placeholder for codes the list does not hold."""
    entry = lookup(code)
    return entry.message if entry is not None else f"Código de error {code} desconocido."


__all__ = ["NO_CORRECTION_NEEDED", "ErrorCode", "Section", "lookup", "message", "table"]
