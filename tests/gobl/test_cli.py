"""The ``gobl`` CLI sub-app: build, validate, sign and verify through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from facturo.gobl.dsig import PrivateKey
from facturo.platform.cli.gobl import app, uuid7

EXAMPLE = (
    Path(__file__).resolve().parents[2].parent
    / "shared/data/gobl/examples/es/invoice-es-es-verifactu.yaml"
)
runner = CliRunner()


def test_build_prints_envelope_with_digest() -> None:
    res = runner.invoke(app, ["build", str(EXAMPLE)])
    assert res.exit_code == 0, res.output
    env = json.loads(res.stdout)
    assert env["doc"]["totals"]["payable"] == "1970.20"
    assert env["head"]["dig"]["val"] == (
        "91e637b697254356940c01c6f4bc784874b376e25aa953edfaaf4a27c2ed49d6"
    )
    assert env["head"]["uuid"][14] == "7"


def test_build_invalid_exits_1_with_faults(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text("utf-8").replace("B98602642", "B98602643"), "utf-8")
    res = runner.invoke(app, ["build", str(bad)])
    assert res.exit_code == 1
    err = json.loads(res.stderr)
    assert err["key"] == "validation"
    assert {"GOBL-ES-TAX-IDENTITY-01"} <= {f["code"] for f in err["faults"]}


def test_sign_then_verify(tmp_path: Path) -> None:
    key = PrivateKey.generate(str(uuid7()))
    kfile, pfile = tmp_path / "k.jwk", tmp_path / "p.jwk"
    kfile.write_text(json.dumps(key.to_jwk()), "utf-8")
    pfile.write_text(json.dumps(key.public().to_jwk()), "utf-8")
    res = runner.invoke(app, ["sign", str(EXAMPLE), "--key", str(kfile)])
    assert res.exit_code == 0, res.output
    signed = tmp_path / "signed.json"
    signed.write_text(res.stdout, "utf-8")
    assert runner.invoke(app, ["verify", str(signed), "--key", str(pfile)]).exit_code == 0
    assert runner.invoke(app, ["validate", str(signed)]).exit_code == 0
    other = PrivateKey.generate(str(uuid7())).public()
    pfile.write_text(json.dumps(other.to_jwk()), "utf-8")
    assert runner.invoke(app, ["verify", str(signed), "--key", str(pfile)]).exit_code == 1
