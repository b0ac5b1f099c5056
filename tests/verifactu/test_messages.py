"""The message header models: their fields, defaults and faults."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.messages import Cabecera, Persona

EMISOR = Persona("EMPRESA EMISORA DE PRUEBAS SL", "B87654323")


def test_a_header_keeps_its_fields_and_defaults() -> None:
    cab = Cabecera(EMISOR)
    assert cab == Cabecera(obligado_emision=EMISOR, representante=None, incidencia=None)
    assert [getattr(cab, f.name) for f in dataclasses.fields(cab)] == [EMISOR] + [None] * 5
    full = Cabecera(EMISOR, Persona("REPRESENTANTE SL", "B12345674"), date(2025, 1, 1), True)
    assert full.representante == Persona(nombre_razon="REPRESENTANTE SL", nif="B12345674")
    assert full.fecha_fin_verifactu == date(2025, 1, 1)
    assert full.incidencia is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        full.incidencia = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        EMISOR.nif = "B12345674"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("nombre", "nif", "codes"),
    [
        ("", "B87654323", ["1100"]),
        ("   ", "b87654323", ["1100", "4116"]),
        ("x" * 121, "B87654323", ["1100"]),
        ("EMPRESA", "B8765432", ["4116"]),
    ],
)
def test_a_persona_reports_every_fault(nombre: str, nif: str, codes: list[str]) -> None:
    with pytest.raises(RecordInvalid) as exc:
        Persona(nombre, nif)
    assert [f.code for f in exc.value.faults] == codes


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"incidencia": True, "ref_requerimiento": "REQ-1"}, "4127"),
        ({"fecha_fin_verifactu": date(2025, 1, 1), "ref_requerimiento": "REQ-1"}, "4127"),
        ({"fin_requerimiento": True}, "4125"),
    ],
)
def test_a_header_refuses_mixed_remissions(fields: dict[str, object], code: str) -> None:
    with pytest.raises(RecordInvalid) as exc:
        Cabecera(EMISOR, **fields)  # type: ignore[arg-type]
    assert [f.code for f in exc.value.faults] == [code]
    assert exc.value.faults[0].paths == ("$.Cabecera",)
