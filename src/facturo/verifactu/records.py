"""Typed, frozen VERI*FACTU records: RegistroAlta, RegistroAnulacion and their parts.

Field order and rules follow SuministroInformacion.xsd (``RegistroFacturacionAltaType``,
``RegistroFacturacionAnulacionType``) and the AEAT validation document [VAL §3.1; spec §4-§6].
Attribute names are the AEAT element names in snake case, so a reader of the XSD finds them.

Amounts are ``Decimal`` and are formatted exactly once, when a part is built (the ``*_text``
attributes). The XML writer, the huella input and the QR URL all
read those same strings ([spec §16]). There are no floats.

A record checks the rules that need nothing but itself (codes of ``errores.csv``). Rules that
need the AEAT census, VIES or the clock are the AEAT's, not ours. Breaking a rule raises
:class:`~facturo.verifactu.errors.RecordInvalid` with every fault found, each with the AEAT
code and the element path inside the record (``$.Destinatarios``).

The huella is computed when a record is built ([HASH §3]), from the very strings the XML gets,
so a record can never carry a stale huella.

The model lives in modules named for what they hold; this one is its import surface, and
holds what spans both kinds of record:

- :mod:`~facturo.verifactu.record_codes`: the AEAT lists (L1-L17) and fixed values;
- :mod:`~facturo.verifactu.record_keys`: :class:`IDFactura` and :class:`RegistroAnterior`;
- :mod:`~facturo.verifactu.record_parties`: parties and the invoicing software;
- :mod:`~facturo.verifactu.record_amounts`: breakdown lines and corrected amounts;
- :mod:`~facturo.verifactu.record_alta` and :mod:`~facturo.verifactu.record_anulacion`;
- :mod:`~facturo.verifactu.record_checks`, :mod:`~facturo.verifactu.record_slots` and
  :mod:`~facturo.verifactu.record_huella`: what the parts share to check, build and hash.
"""

from __future__ import annotations

from facturo.errors import Fault
from facturo.verifactu.record_alta import RegistroAlta
from facturo.verifactu.record_amounts import DetalleDesglose, ImporteRectificacion
from facturo.verifactu.record_anulacion import RegistroAnulacion
from facturo.verifactu.record_codes import (
    CALIFICACIONES,
    CLAVES_REGIMEN,
    EXENCIONES,
    F2_LIMIT,
    ID_VERSION,
    MACRODATO_THRESHOLD,
    TIPO_HUELLA,
    IDType,
    Impuesto,
    TipoFactura,
    TipoRectificativa,
)
from facturo.verifactu.record_keys import IDFactura, RegistroAnterior
from facturo.verifactu.record_parties import IDOtro, PersonaFisicaJuridica, SistemaInformatico

Registro = RegistroAlta | RegistroAnulacion


def check_chain(records: list[Registro] | tuple[Registro, ...]) -> list[Fault]:
    """Faults in a run of records that should form one chain, in generation order.

    The first record may open the chain or continue an earlier one; every later record must
    carry the key and huella of the one just before it [ORDEN art. 7.c-d]. Returns an empty
    list when the run is well chained. The AEAT flags the same faults as 2000 (hash), 2007
    (PrimerRegistro misused) and 2008 (previous huella equals its own) [VAL 18, 23].
    """
    faults: list[Fault] = []
    for i, record in enumerate(records):
        path = f"$[{i}].Encadenamiento"
        anterior = record.registro_anterior
        if anterior is not None and anterior.huella == record.huella:
            faults.append(Fault("2008", "previous huella equals the record's own", (path,)))
        if i == 0:
            continue
        previous = records[i - 1]
        if anterior is None:
            faults.append(Fault("2007", "PrimerRegistro=S in the middle of a chain", (path,)))
        elif anterior != previous.as_anterior():
            faults.append(Fault("2000", "RegistroAnterior is not the previous record", (path,)))
    return faults


__all__ = [
    "CALIFICACIONES",
    "CLAVES_REGIMEN",
    "EXENCIONES",
    "F2_LIMIT",
    "ID_VERSION",
    "MACRODATO_THRESHOLD",
    "TIPO_HUELLA",
    "DetalleDesglose",
    "IDFactura",
    "IDOtro",
    "IDType",
    "ImporteRectificacion",
    "Impuesto",
    "PersonaFisicaJuridica",
    "Registro",
    "RegistroAlta",
    "RegistroAnterior",
    "RegistroAnulacion",
    "SistemaInformatico",
    "TipoFactura",
    "TipoRectificativa",
    "check_chain",
]
