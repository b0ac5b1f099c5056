"""How a VERI*FACTU record names an invoice, and how it links to the record before it.

:class:`IDFactura` is the invoice key every record, reference and AEAT reply carries;
:class:`RegistroAnterior` is that key plus a huella, the link of the chain [ORDEN art. 7.c].
Both are built for every record and every reference, which is why the happy path of
:class:`IDFactura` is two regular expressions and a store through its slot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

from facturo.errors import Fault
from facturo.verifactu import chain, formats
from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.record_checks import Faults
from facturo.verifactu.record_slots import assembler, slot_init


@slot_init
@dataclass(frozen=True, slots=True)
class IDFactura:
    """The key of an invoice record: issuer NIF, series + number, issue date [SWEB §3].

    The key can never be used again for another invoice, not even after an anulación [FAQ §6].
    """

    id_emisor_factura: str
    num_serie_factura: str
    fecha_expedicion_factura: date
    fecha_text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        nif, num = self.id_emisor_factura, self.num_serie_factura
        if (
            not formats.is_nif_form(nif)
            or formats.NUM_SERIE_RE.fullmatch(num) is None
            or num[0] == " "
            or num[-1] == " "
        ):
            self._refuse()
        _set_id_fecha_text(self, formats.fecha(self.fecha_expedicion_factura))

    def _refuse(self) -> None:
        faults = Faults()
        faults.check_nif(self.id_emisor_factura, "$.IDEmisorFactura")
        if formats.NUM_SERIE_RE.fullmatch(self.num_serie_factura) is None:
            faults.add(
                "1130",
                "NumSerieFactura must be 1-60 printable ASCII characters without \" ' < > =",
                "$.NumSerieFactura",
            )
        elif self.num_serie_factura != self.num_serie_factura.strip():
            faults.add(
                "1104", "NumSerieFactura has leading or trailing blanks", "$.NumSerieFactura"
            )
        faults.raise_if_any("IDFactura")


#: The slot's own setter: a record is frozen, and this stores past that for a fraction of the
#: cost of ``object.__setattr__``; the key is built for every record and every reference.
_set_id_fecha_text: Final = IDFactura.__dict__["fecha_text"].__set__


@slot_init
@dataclass(frozen=True, slots=True)
class RegistroAnterior:
    """The previous record of the chain: its invoice key and its huella [ORDEN art. 7.c].

    For an anulación, the key is the cancelled invoice's key (``IDFactura`` of that record).
    """

    id_factura: IDFactura
    huella: str

    def __post_init__(self) -> None:
        if not chain.is_huella(self.huella):
            raise RecordInvalid(
                "RegistroAnterior breaks AEAT rules",
                faults=[
                    Fault(
                        "2002",
                        "the previous huella must be 64 upper-case hex characters",
                        ("$.Encadenamiento.RegistroAnterior.Huella",),
                    )
                ],
            )


_assemble_anterior: Final = assembler(RegistroAnterior)


def anterior_of(id_factura: IDFactura, huella: str) -> RegistroAnterior:
    """A record's own key and huella as the ``RegistroAnterior`` of the next record.

    Unchecked: for a record that was itself checked, whose huella :func:`chain.digest` wrote.
    """
    return _assemble_anterior(id_factura, huella)


__all__ = ["IDFactura", "RegistroAnterior", "anterior_of"]
