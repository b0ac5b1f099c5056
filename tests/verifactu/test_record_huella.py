"""A record's own huella is the AEAT's: the hash vectors again, through RegistroAlta itself."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from facturo.verifactu import chain, formats
from facturo.verifactu import records as r

from .conftest import load_json

VECTORS: list[dict[str, Any]] = load_json("hash-vectors.json")["vectors"]


def buildable(vector: dict[str, Any]) -> bool:
    """Altas whose texts are ones a record writes (two-decimal amounts, a valid previous)."""
    f = vector["fields"]
    return (
        vector["kind"] == "alta"
        and all(
            formats.AMOUNT_RE.fullmatch(f[k]) and f[k][-3] == "."
            for k in ("CuotaTotal", "ImporteTotal")
        )
        and f["NumSerieFactura"] == f["NumSerieFactura"].strip()
        and (f["Huella"] == "" or chain.is_huella(f["Huella"]))
    )


ALTAS = [v for v in VECTORS if buildable(v)]


def test_enough_vectors_are_rebuilt() -> None:
    assert len(ALTAS) >= 3


@pytest.mark.parametrize("vector", ALTAS, ids=[v["id"] for v in ALTAS])
def test_record_huella_matches_the_vector(
    vector: dict[str, Any], sif: r.SistemaInformatico
) -> None:
    f = vector["fields"]
    key = r.IDFactura(
        f["IDEmisorFactura"], f["NumSerieFactura"], formats.parse_fecha(f["FechaExpedicionFactura"])
    )
    tipo = r.TipoFactura(f["TipoFactura"])
    cuota, total = Decimal(f["CuotaTotal"]), Decimal(f["ImporteTotal"])
    previous = r.RegistroAnterior(key, f["Huella"]) if f["Huella"] else None
    alta = r.RegistroAlta(
        id_factura=key,
        nombre_razon_emisor="EMISOR",
        tipo_factura=tipo,
        descripcion_operacion="Servicios",
        destinatarios=(r.PersonaFisicaJuridica("CLIENTE", nif="12345678Z"),)
        if tipo.needs_recipient
        else (),
        desglose=(
            r.DetalleDesglose(
                total - cuota,
                clave_regimen="01",
                calificacion_operacion="S1",
                tipo_impositivo=Decimal("21"),
                cuota_repercutida=cuota,
            ),
        ),
        cuota_total=cuota,
        importe_total=total,
        sistema_informatico=sif,
        fecha_hora_huso_gen_registro=datetime.fromisoformat(f["FechaHoraHusoGenRegistro"]),
        registro_anterior=previous,
    )
    assert chain.concatenate(alta.hash_pairs()) == vector["expected_concatenation"]
    assert alta.huella == vector["expected_hash"]
