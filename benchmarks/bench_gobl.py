"""Calculate + validate + digest of a 10-line ES VERI*FACTU invoice (``make bench``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pytest_benchmark.fixture import BenchmarkFixture

from facturo.gobl import build

U = UUID("0190f3a0-0000-7000-8000-000000000000")


def ten_line_invoice() -> dict[str, Any]:
    return {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$addons": ["es-verifactu-v1"],
        "uuid": str(U),
        "series": "B",
        "code": "42",
        "issue_date": "2024-12-04",
        "supplier": {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}},
        "customer": {"name": "Sample", "tax_id": {"country": "ES", "code": "54387763P"}},
        "lines": [
            {
                "quantity": str(i + 1),
                "item": {"name": f"Item {i}", "price": f"{10 + i}.95"},
                "discounts": [{"percent": "5%"}] if i % 3 == 0 else [],
                "taxes": [{"cat": "VAT", "rate": "standard" if i % 2 else "reduced"}],
            }
            for i in range(10)
        ],
    }


def test_build_ten_line_invoice(benchmark: BenchmarkFixture) -> None:
    doc = ten_line_invoice()
    env = benchmark(build, doc, uuid_factory=lambda: U)
    assert env.doc["totals"]["payable"]
