"""``facturo verifactu`` sub-app, through Typer's CliRunner."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image
from typer.testing import CliRunner

from facturo.platform.cli.verifactu import app
from facturo.verifactu import xml
from facturo.verifactu.requests import parse_reg_factu_request

from .conftest import DATA, load_json

runner = CliRunner()
F1 = DATA / "gobl" / "invoice-es-es-verifactu.json"


def test_huella_of_every_vector(tmp_path: Path) -> None:
    for vector in load_json("hash-vectors.json")["vectors"]:
        if vector["kind"] == "evento":
            continue
        path = tmp_path / "v.json"
        path.write_text(json.dumps({"kind": vector["kind"], "fields": vector["fields"]}))
        result = runner.invoke(app, ["huella", str(path)])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == vector["expected_hash"]


def test_huella_refuses_an_unknown_kind(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"kind": "evento", "fields": {}}))
    assert runner.invoke(app, ["huella", str(path)]).exit_code == 1


def record(*args: str) -> Any:
    result = runner.invoke(app, ["record", str(F1), "--now", "2025-01-02T10:00:00+01:00", *args])
    assert result.exit_code == 0, result.output
    data = result.stdout.encode()
    xml.validate(data)
    return parse_reg_factu_request(data).registros[0]


def test_record_first_and_chained() -> None:
    first = record()
    assert first.record.primer_registro
    assert first.huella_matches
    assert first.record.sistema_informatico.nif == "B98602642"  # defaults to the issuer
    previous = f"B98602642:SAMPLE:0:01-01-2025:{first.huella}"
    chained = record("--previous", previous, "--sif-nif", "B12345674", "--installation", "7")
    assert chained.record.registro_anterior.id_factura.num_serie_factura == "SAMPLE:0"
    assert chained.hash_fields["Huella"] == first.huella
    assert chained.record.sistema_informatico.numero_instalacion == "7"


def test_record_anulacion_without_envelope() -> None:
    result = runner.invoke(
        app, ["record", str(F1), "--anulacion", "--no-soap", "--now", "2025-01-02T10:00:00"]
    )
    assert result.exit_code == 0, result.output
    payload = xml.validate(result.stdout.encode())
    assert payload.tag.endswith("RegFactuSistemaFacturacion")
    assert b"RegistroAnulacion" in result.stdout.encode()
    assert b"+01:00</sum1:FechaHoraHusoGenRegistro>" in result.stdout.encode()


def test_record_reports_faults_with_paths(tmp_path: Path) -> None:
    env = json.loads(F1.read_text())
    del env["doc"]["customer"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(env))
    result = runner.invoke(app, ["record", str(path)])
    assert result.exit_code == 1
    assert "1189 $.customer" in result.output


def test_bad_previous_is_refused() -> None:
    result = runner.invoke(app, ["record", str(F1), "--previous", "nonsense"])
    assert result.exit_code == 1


def test_qr_png_and_svg(tmp_path: Path) -> None:
    png = tmp_path / "qr.png"
    result = runner.invoke(app, ["qr", str(F1), "--out", str(png), "--env", "test"])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith("https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=B98602642")
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.read_bytes())))
    assert decoded.text == url
    svg = tmp_path / "qr.svg"
    assert runner.invoke(app, ["qr", str(F1), "--out", str(svg)]).exit_code == 0
    assert svg.read_bytes().startswith(b"<?xml")
    assert runner.invoke(app, ["qr", str(F1), "--out", str(tmp_path / "qr.gif")]).exit_code == 1
