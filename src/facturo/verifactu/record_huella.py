"""The huella of an alta, written out from the strings its XML gets [HASH §3].

:meth:`RegistroAlta.hash_pairs` names the fields and their order;
:func:`alta_huella` joins the same values without building the pairs, because every alta
computes it once when it is built. The AEAT's test vectors check both against its digest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from facturo.verifactu import chain

if TYPE_CHECKING:
    from facturo.verifactu.record_codes import TipoFactura
    from facturo.verifactu.record_keys import IDFactura, RegistroAnterior


def alta_huella(
    key: IDFactura,
    tipo: TipoFactura,
    cuota_text: str,
    importe_text: str,
    anterior: RegistroAnterior | None,
    fecha_hora: str,
) -> str:
    """The huella of an alta: :meth:`RegistroAlta.hash_pairs` joined by
    :func:`chain.concatenate`, written out. Every value has passed the record's checks, so
    none has the blanks ``concatenate`` would trim.
    """
    return chain.digest(
        f"IDEmisorFactura={key.id_emisor_factura}"
        f"&NumSerieFactura={key.num_serie_factura}"
        f"&FechaExpedicionFactura={key.fecha_text}"
        f"&TipoFactura={tipo}"
        f"&CuotaTotal={cuota_text}"
        f"&ImporteTotal={importe_text}"
        f"&Huella={'' if anterior is None else anterior.huella}"
        f"&FechaHoraHusoGenRegistro={fecha_hora}"
    )


__all__ = ["alta_huella"]
