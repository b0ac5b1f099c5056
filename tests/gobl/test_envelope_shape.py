"""An object holding only ``doc`` (no ``$schema``, no header yet) is read as an envelope."""

from __future__ import annotations

from uuid import UUID

from facturo.gobl import build

DOC_UUID = "0190f3a0-0000-7000-8000-000000000001"
HEAD_UUID = UUID("0190f3a0-0000-7000-8000-000000000002")


def _doc() -> dict[str, object]:
    return {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "uuid": DOC_UUID,
        "code": "1",
        "issue_date": "2024-12-04",
        "supplier": {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}},
        "lines": [
            {
                "quantity": "1",
                "item": {"name": "Thing", "price": "100.00"},
                "taxes": [{"cat": "VAT", "rate": "standard"}],
            }
        ],
    }


def test_doc_only_object_builds_like_the_bare_document() -> None:
    wrapped = build({"doc": _doc()}, uuid_factory=lambda: HEAD_UUID)
    bare = build(_doc(), uuid_factory=lambda: HEAD_UUID)
    assert wrapped.head["uuid"] == str(HEAD_UUID)
    assert wrapped.doc == bare.doc
    assert wrapped.head["dig"] == bare.head["dig"]
    assert wrapped.doc["totals"]["payable"] == "121.00"
