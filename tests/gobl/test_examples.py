"""gobl's examples_test.go: every ES example input built and compared with its golden output.

Inputs are bare documents; gobl's example runner envelopes them, so each is built with
``build`` and the header uuid forced to gobl's fixed example uuid, as its runner does. All
inputs carry their document uuid, so no uuid is masked. The comparison is the document as JSON
(gobl field order included) and the digest value.
"""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest

from facturo.gobl import build, parse

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT.parent / "shared" / "data" / "gobl" / "examples" / "es"
GOBL_EXAMPLE_HEAD_UUID = UUID("8a51fd30-2a27-11ee-be56-0242ac120002")

_TBAI = "addon es-tbai-v1 normalizers (region, product, exemption/regime codes) are not ported"
_SII = "addon es-sii-v1 normalizers (regime, exempt, outside-scope codes) are not ported"
_PAYMENT = "bill/payment calculation (line index, method amounts, totals) is not ported"
XFAIL: dict[str, str] = {
    "credit-note-es-es-tbai.yaml": _TBAI,
    "invoice-es-de-tbai-reverse-charge.yaml": _TBAI,
    "invoice-es-es-tbai-equivalence.yaml": _TBAI,
    "invoice-es-es-tbai-simplified.yaml": _TBAI,
    "invoice-es-fr-tbai-export.yaml": _TBAI,
    "invoice-es-gb-tbai-passport.yaml": _TBAI,
    "invoice-es-nl-tbai-b2c.yaml": _TBAI,
    "invoice-es-es-sii-N2.yaml": _SII,
    "invoice-es-es-sii-corrective.yaml": _SII,
    "invoice-es-es-sii-replacement.yaml": _SII,
    "invoice-es-es-sii-self-billed.yaml": _SII,
    "payment.yaml": _PAYMENT,
    "payment-old.yaml": _PAYMENT,
    "payment-with-tax.yaml": _PAYMENT,
}


def _inputs() -> list[object]:
    files = sorted(p for p in EXAMPLES.glob("*.*") if p.suffix in (".yaml", ".json"))
    return [
        pytest.param(p, id=p.name, marks=pytest.mark.xfail(strict=True, reason=XFAIL[p.name]))
        if p.name in XFAIL
        else pytest.param(p, id=p.name)
        for p in files
    ]


def test_examples_folder_is_present() -> None:
    assert EXAMPLES.is_dir(), f"examples not found at {EXAMPLES}"
    assert len(_inputs()) >= 30


@pytest.mark.parametrize("src", _inputs())
def test_example_matches_gobl(src: Path) -> None:
    expected = json.loads((EXAMPLES / "out" / (src.stem + ".json")).read_text("utf-8"))
    env = build(parse(src.read_text("utf-8")), uuid_factory=lambda: GOBL_EXAMPLE_HEAD_UUID)
    ours = env.to_json()
    assert json.dumps(ours["doc"], indent=1, ensure_ascii=False) == json.dumps(
        expected["doc"], indent=1, ensure_ascii=False
    )
    assert ours["head"]["dig"] == expected["head"]["dig"]
    assert ours["head"]["uuid"] == expected["head"]["uuid"]
