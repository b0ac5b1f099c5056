"""The huella (SHA-256 fingerprint) of a record and the chain rule.

Source: AEAT "Especificaciones técnicas para la generación de la huella o hash de los registros
de facturación" v0.1.2 §3-§6 [HASH], and Orden HAC/1177/2024 art. 13 [ORDEN].

The input is ``Name=value`` pairs in a fixed order, joined with ``&``. Every name is always
written, with an empty value when the element is missing; values are trimmed of leading and
trailing blanks and are neither URL-encoded nor XML-escaped. The UTF-8 bytes go through SHA-256
and the digest is written as 64 upper-case hex characters.

Chain [ORDEN art. 7.c-d; HASH §5]: one chain per (SIF installation, taxpayer), altas and
anulaciones in generation order. A record's ``Huella=`` input is the previous record's huella,
empty for the first record (``PrimerRegistro=S``). A record rejected by the AEAT stays in the
chain; the next record chains to it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Final, Literal

Kind = Literal["alta", "anulacion", "evento"]

#: Field order of the hash input per record kind [HASH §3; ORDEN art. 13].
FIELD_ORDER: Final[Mapping[Kind, tuple[str, ...]]] = {
    "alta": (
        "IDEmisorFactura",
        "NumSerieFactura",
        "FechaExpedicionFactura",
        "TipoFactura",
        "CuotaTotal",
        "ImporteTotal",
        "Huella",
        "FechaHoraHusoGenRegistro",
    ),
    "anulacion": (
        "IDEmisorFacturaAnulada",
        "NumSerieFacturaAnulada",
        "FechaExpedicionFacturaAnulada",
        "Huella",
        "FechaHoraHusoGenRegistro",
    ),
    # The event input names ``NIF`` twice (SistemaInformatico/NIF and ObligadoEmision/NIF), so
    # a mapping cannot hold it; ``concatenate_event`` takes the values positionally.
    "evento": (
        "NIF",
        "ID",
        "IdSistemaInformatico",
        "Version",
        "NumeroInstalacion",
        "NIF",
        "TipoEvento",
        "HuellaEvento",
        "FechaHoraHusoGenEvento",
    ),
}

#: What a well-formed huella looks like (the AEAT answers 2002/2003 otherwise) [VAL 18].
HUELLA_RE: Final = re.compile(r"[0-9A-F]{64}")


def concatenate(pairs: Iterable[tuple[str, str | None]]) -> str:
    """Join ``(name, value)`` pairs the way [HASH §3] asks: ``a=1&b=&c=x``.

    ``None`` stands for a missing element and is written as an empty value; values are trimmed
    of leading and trailing blanks (the AEAT trims before it stores and recomputes).
    """
    return "&".join(f"{name}={(value or '').strip()}" for name, value in pairs)


def digest(concatenation: str) -> str:
    """SHA-256 of the UTF-8 bytes, as 64 upper-case hex characters [HASH §3]."""
    return hashlib.sha256(concatenation.encode("utf-8")).hexdigest().upper()


def concatenate_fields(kind: Kind, fields: Mapping[str, str | None]) -> str:
    """The hash input of an alta or anulación given as ``{element name: text}``.

    Names not in :data:`FIELD_ORDER` are ignored and missing names count as empty, so a caller
    can pass every element of a parsed record.
    """
    if kind == "evento":
        raise ValueError("event input repeats NIF; use concatenate_event()")
    return concatenate((name, fields.get(name)) for name in FIELD_ORDER[kind])


def concatenate_event(
    *,
    sif_nif: str | None,
    sif_id_otro: str | None,
    id_sistema_informatico: str,
    version: str,
    numero_instalacion: str,
    obligado_nif: str,
    tipo_evento: str,
    huella_evento_anterior: str | None,
    fecha_hora_huso_gen_evento: str,
) -> str:
    """The hash input of a RegistroEvento (NO VERI*FACTU event log) [HASH §3; ORDEN art. 9]."""
    values = (
        sif_nif,
        sif_id_otro,
        id_sistema_informatico,
        version,
        numero_instalacion,
        obligado_nif,
        tipo_evento,
        huella_evento_anterior,
        fecha_hora_huso_gen_evento,
    )
    return concatenate(zip(FIELD_ORDER["evento"], values, strict=True))


def huella_of_fields(kind: Kind, fields: Mapping[str, str | None]) -> str:
    """The huella of an alta or anulación given as ``{element name: text}``."""
    return digest(concatenate_fields(kind, fields))


def is_huella(value: str) -> bool:
    """Whether ``value`` has the form of a huella: 64 upper-case hex characters."""
    return HUELLA_RE.fullmatch(value) is not None


__all__ = [
    "FIELD_ORDER",
    "HUELLA_RE",
    "Kind",
    "concatenate",
    "concatenate_event",
    "concatenate_fields",
    "digest",
    "huella_of_fields",
    "is_huella",
]
