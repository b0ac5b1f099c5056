"""Huella per AEAT's hash document [HASH §3-§6]: every shared vector, and the sample chain."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from facturo.verifactu import chain

from .conftest import load_json

VECTORS: list[dict[str, Any]] = load_json("hash-vectors.json")["vectors"]
SAMPLE_CHAIN: list[dict[str, Any]] = load_json("samples/samples-chain.json")


def test_vector_file_is_complete() -> None:
    assert len(VECTORS) == load_json("hash-vectors.json")["count"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector(vector: dict[str, Any]) -> None:
    fields = vector["fields"]
    if vector["kind"] == "evento":
        concatenation = chain.concatenate_event(
            sif_nif=fields.get("SistemaInformatico.NIF"),
            sif_id_otro=fields.get("SistemaInformatico.IDOtro.ID"),
            id_sistema_informatico=fields["SistemaInformatico.IdSistemaInformatico"],
            version=fields["SistemaInformatico.Version"],
            numero_instalacion=fields["SistemaInformatico.NumeroInstalacion"],
            obligado_nif=fields["ObligadoEmision.NIF"],
            tipo_evento=fields["TipoEvento"],
            huella_evento_anterior=fields.get("EventoAnterior.HuellaEvento"),
            fecha_hora_huso_gen_evento=fields["FechaHoraHusoGenEvento"],
        )
    else:
        concatenation = chain.concatenate_fields(vector["kind"], fields)
    assert concatenation == vector["expected_concatenation"]
    assert chain.digest(concatenation) == vector["expected_hash"]
    if vector["kind"] != "evento":
        assert chain.huella_of_fields(vector["kind"], fields) == vector["expected_hash"]


def test_missing_field_is_written_empty_and_values_are_trimmed() -> None:
    text = chain.concatenate_fields(
        "anulacion",
        {"IDEmisorFacturaAnulada": " 89890001K ", "NumSerieFacturaAnulada": "A B"},
    )
    assert text == (
        "IDEmisorFacturaAnulada=89890001K&NumSerieFacturaAnulada=A B"
        "&FechaExpedicionFacturaAnulada=&Huella=&FechaHoraHusoGenRegistro="
    )


def test_event_kind_is_refused_by_the_mapping_form() -> None:
    with pytest.raises(ValueError, match="NIF"):
        chain.concatenate_fields("evento", {})


@pytest.mark.parametrize("entry", SAMPLE_CHAIN, ids=[e["file"] for e in SAMPLE_CHAIN])
def test_sample_chain_huellas(entry: dict[str, Any]) -> None:
    assert chain.digest(entry["hash_input"]) == entry["record"]["Huella"]


def test_sample_chain_links_each_record_to_the_previous_huella() -> None:
    for previous, current in pairwise(SAMPLE_CHAIN):
        assert f"&Huella={previous['record']['Huella']}&" in current["hash_input"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4CC058073F38F12F60", True),
        ("3c464daf61acb827c65fda19f352a4e3bdc2c640e9e9fc4cc058073f38f12f60", False),
        ("3C464DAF", False),
    ],
)
def test_is_huella(value: str, ok: bool) -> None:
    assert chain.is_huella(value) is ok
