"""An object holding only ``doc`` (no ``$schema``, no header yet) is read as an envelope."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from facturo.gobl import GoblError, build

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


def _faulty() -> dict[str, Any]:
    doc: dict[str, Any] = _doc()
    doc["$addons"] = ["es-verifactu-v1"]  # which asks for a customer
    doc["supplier"]["name"] = ""
    doc["lines"][0]["item"]["name"] = ""
    return doc


def _codes(exc: GoblError) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.code, tuple(f.paths)) for f in exc.faults]


@pytest.mark.parametrize(
    ("uuid", "keys"),
    [(HEAD_UUID, ["uuid", "dig"]), (str(HEAD_UUID), ["uuid", "dig"]), ("", ["dig"])],
)
def test_bare_document_header_is_the_envelope_header(uuid: UUID | str, keys: list[str]) -> None:
    """A bare document's header is made directly; it equals the one a given header gets."""
    bare = build(_doc(), uuid_factory=lambda: uuid)
    for wrapped in ({"doc": _doc()}, {"doc": _doc(), "head": {}}, {"doc": _doc(), "head": None}):
        env = build(wrapped, uuid_factory=lambda: uuid)
        assert list(env.head) == keys
        assert env.head == bare.head
        assert list(env.to_json()) == list(bare.to_json())
        assert env.doc == bare.doc


def test_given_header_keeps_gobl_order_and_its_uuid() -> None:
    head = {"tags": ["a"], "dig": {"alg": "sha256", "val": "old"}, "uuid": str(HEAD_UUID)}
    env = build({"doc": _doc(), "head": head}, uuid_factory=lambda: "unused")
    assert list(env.head) == ["uuid", "dig", "tags"]
    assert env.head["uuid"] == str(HEAD_UUID)
    assert env.head["dig"] == build(_doc(), uuid_factory=lambda: HEAD_UUID).head["dig"]
    assert head["dig"]["val"] == "old"  # the caller's header is not modified


def test_faults_are_the_same_bare_and_wrapped() -> None:
    with pytest.raises(GoblError) as bare:
        build(_faulty(), uuid_factory=lambda: HEAD_UUID)
    with pytest.raises(GoblError) as wrapped:
        build({"doc": _faulty()}, uuid_factory=lambda: HEAD_UUID)
    assert _codes(bare.value) == _codes(wrapped.value)
    assert len(_codes(bare.value)) == 3


def test_header_ignore_drops_only_the_listed_codes() -> None:
    with pytest.raises(GoblError) as every:
        build(_faulty(), uuid_factory=lambda: HEAD_UUID)
    codes = [code for code, _ in _codes(every.value)]
    with pytest.raises(GoblError) as some:
        build({"doc": _faulty(), "head": {"ignore": codes[:1]}}, uuid_factory=lambda: HEAD_UUID)
    assert [code for code, _ in _codes(some.value)] == [c for c in codes if c != codes[0]]
    env = build({"doc": _faulty(), "head": {"ignore": codes}}, uuid_factory=lambda: HEAD_UUID)
    assert env.head["ignore"] == codes
    assert list(env.head) == ["uuid", "dig", "ignore"]
