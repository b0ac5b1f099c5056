"""Fixtures of the VERI*FACTU tests: data files kept beside the tests, and record builders.

``data/`` holds copies of the shared AEAT vectors, samples and QR examples, and the GOBL
envelopes that carry the es-verifactu-v1 addon, so the suite needs nothing outside the repo.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from facturo.verifactu import records as r

DATA = Path(__file__).parent / "data"
CET = timezone(timedelta(hours=1))


def load_json(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def gobl_examples() -> list[Path]:
    return sorted((DATA / "gobl").glob("*.json"))


#: The SIF of the shared samples; frozen, so tests and Hypothesis strategies share it.
SAMPLE_SIF = r.SistemaInformatico(
    nombre_razon="PRODUCTOR SOFTWARE DE PRUEBAS SL",
    nif="B12345674",
    nombre_sistema_informatico="FacturaPy",
    id_sistema_informatico="FP",
    version="1.0.0",
    numero_instalacion="INST-0001",
    tipo_uso_posible_solo_verifactu=True,
    tipo_uso_posible_multi_ot=True,
    indicador_multiples_ot=False,
)


@pytest.fixture
def sif() -> r.SistemaInformatico:
    """The SIF of the shared samples."""
    return SAMPLE_SIF


@pytest.fixture
def make_alta(sif: r.SistemaInformatico) -> Callable[..., r.RegistroAlta]:
    """An F1 alta like sample 01, with any field overridden."""

    def build(**overrides: Any) -> r.RegistroAlta:
        fields: dict[str, Any] = {
            "id_factura": r.IDFactura("B87654323", "FP2025/0001", date(2025, 3, 10)),
            "nombre_razon_emisor": "EMPRESA EMISORA DE PRUEBAS SL",
            "tipo_factura": r.TipoFactura.F1,
            "descripcion_operacion": "Servicios",
            "destinatarios": (r.PersonaFisicaJuridica("CLIENTE DE PRUEBAS", nif="12345678Z"),),
            "desglose": (
                r.DetalleDesglose(
                    Decimal("100.00"),
                    clave_regimen="01",
                    calificacion_operacion="S1",
                    tipo_impositivo=Decimal("21"),
                    cuota_repercutida=Decimal("21.00"),
                ),
            ),
            "cuota_total": Decimal("21.00"),
            "importe_total": Decimal("121.00"),
            "sistema_informatico": sif,
            "fecha_hora_huso_gen_registro": datetime(2025, 3, 10, 10, 15, tzinfo=CET),
        }
        fields.update(overrides)
        return r.RegistroAlta(**fields)

    return build
