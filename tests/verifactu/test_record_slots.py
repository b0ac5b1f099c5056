"""The assemblers of the record model build the objects the checked constructors build."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from facturo.verifactu import record_alta, record_amounts, record_keys, record_parties
from facturo.verifactu import records as r
from facturo.verifactu.record_slots import assembler

from .conftest import CET

D = Decimal


def _fields(value: Any) -> list[Any]:
    return [getattr(value, f.name) for f in dataclasses.fields(value)]


def _samples(sif: r.SistemaInformatico) -> list[tuple[Any, Any]]:
    """(assembler, a checked object) for every class the records assemble."""
    key = r.IDFactura("B87654323", "FP2025/0001", date(2025, 3, 10))
    line = r.DetalleDesglose(
        D("100.00"),
        clave_regimen="01",
        calificacion_operacion="S1",
        tipo_impositivo=D("21"),
        cuota_repercutida=D("21.00"),
    )
    alta = r.RegistroAlta(
        id_factura=key,
        nombre_razon_emisor="EMPRESA EMISORA DE PRUEBAS SL",
        tipo_factura=r.TipoFactura.F1,
        descripcion_operacion="Servicios",
        destinatarios=(r.PersonaFisicaJuridica("CLIENTE DE PRUEBAS", nif="12345678Z"),),
        desglose=(line,),
        cuota_total=D("21.00"),
        importe_total=D("121.00"),
        sistema_informatico=sif,
        fecha_hora_huso_gen_registro=datetime(2025, 3, 10, 10, 15, tzinfo=CET),
    )
    return [
        (record_alta._assemble_alta, alta),
        (record_amounts._assemble_detalle, line),
        (record_parties._assemble_persona, alta.destinatarios[0]),
        (record_keys._assemble_anterior, alta.as_anterior()),
    ]


def test_assembled_objects_are_the_checked_ones(sif: r.SistemaInformatico) -> None:
    for assemble, checked in _samples(sif):
        built = assemble(*_fields(checked))
        assert type(built) is type(checked)
        assert built == checked
        assert _fields(built) == _fields(checked)
        assert repr(built) == repr(checked)
        for field in dataclasses.fields(built):
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(built, field.name, None)
        assert not hasattr(built, "__dict__")


def test_assembled_objects_are_separate(sif: r.SistemaInformatico) -> None:
    assemble, checked = _samples(sif)[1]
    values = _fields(checked)
    one, two = assemble(*values), assemble(*values)
    assert one is not two
    assert one == two


@dataclasses.dataclass(frozen=True, slots=True)
class _Base:
    a: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Derived(_Base):
    b: str


def test_a_class_with_slots_in_a_base_is_assembled_through_its_setters() -> None:
    assemble = assembler(_Derived)
    assert assemble.__globals__["_twin"] is None
    built = assemble(1, "x")
    assert type(built) is _Derived
    assert built == _Derived(1, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.a = 2


def test_record_classes_have_a_twin(sif: r.SistemaInformatico) -> None:
    for assemble, checked in _samples(sif):
        twin = assemble.__globals__["_twin"]
        assert twin is not None
        assert twin.__slots__ == type(checked).__slots__
