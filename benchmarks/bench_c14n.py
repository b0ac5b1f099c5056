"""Digest speed: canonical JSON + SHA-256 of a typical example invoice (``make bench``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_benchmark.fixture import BenchmarkFixture

from facturo.gobl.c14n import canonical_json
from facturo.gobl.dsig import digest_document

EXAMPLE = (
    Path(__file__).resolve().parents[1].parent
    / "shared/data/gobl/examples/es/out/invoice-es-es-verifactu.json"
)


def _envelope() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def test_digest_example_invoice(benchmark: BenchmarkFixture) -> None:
    envelope = _envelope()
    result = benchmark(digest_document, envelope["doc"])
    assert result.val == envelope["head"]["dig"]["val"]


def test_canonical_json_example_envelope(benchmark: BenchmarkFixture) -> None:
    envelope = _envelope()
    result = benchmark(canonical_json, envelope)
    assert result.startswith(b'{"$schema":"https://gobl.org/draft-0/envelope","doc":')
