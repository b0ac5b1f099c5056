"""Every ``cbc.Code`` member of a document is normalized by a build, and only by a build.

The sweep pads every code member of every ES example input (the schema says which members are
codes) with spaces and a control character, and the build must come out exactly as the build of
the input as given: same document, same digest. Members of maps (``ext`` values) are not codes
the normalizer follows.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from facturo.gobl import build, parse
from facturo.gobl.codes import normalize_code
from facturo.gobl.schema.codec import decode_document
from facturo.gobl.schema.registry import CODE_NODE, Node, node_for

from .samples import U, verifactu_invoice

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT.parent / "shared" / "data" / "gobl" / "examples" / "es"


def _pad(value: Any, node: Node) -> int:
    """Pad every code member below ``value`` in place; how many were padded."""
    n = 0
    if node.kind == "object" and isinstance(value, dict):
        for k, sub in node.props.items():
            v = value.get(k)
            if sub is CODE_NODE and isinstance(v, str) and v:
                value[k] = f" \t{v}\u0007 "
                n += 1
            elif v is not None:
                n += _pad(v, sub)
    elif node.kind == "array" and node.item is not None and isinstance(value, list):
        n += sum(_pad(x, node.item) for x in value)
    return n


def _inputs() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.*") if p.suffix in (".yaml", ".json"))


@pytest.mark.parametrize("src", _inputs(), ids=lambda p: p.name)
def test_padded_codes_build_as_given(src: Path) -> None:
    doc = parse(src.read_text("utf-8"))
    data = doc.get("doc", doc) if "$schema" not in doc else doc
    node = node_for(str(data.get("$schema", "")))
    assert node is not None
    padded = copy.deepcopy(doc)
    count = _pad(padded.get("doc", padded) if "$schema" not in padded else padded, node)
    plain = build(doc, uuid_factory=lambda: U).to_json()
    ours = build(padded, uuid_factory=lambda: U).to_json()
    assert count > 0
    assert json.dumps(ours["doc"]) == json.dumps(plain["doc"])
    assert ours["head"]["dig"] == plain["head"]["dig"]


def test_codes_all_over_an_invoice() -> None:
    doc = verifactu_invoice()
    doc["customer"] = {
        "name": "Jane",
        "identities": [
            {
                "key": "passport",
                "country": "GB",
                "code": " 5432 ",
                "ext": {"es-verifactu-identity-type": "03"},
            }
        ],
        "addresses": [{"street": "Calle", "code": " 28002\n"}],
    }
    line = doc["lines"][0]
    line["item"]["ref"] = " R1 "
    line["taxes"][0]["cat"] = " VAT "
    line["discounts"] = [{"percent": "5%", "code": " D1 "}]
    line["identifier"] = {"code": "\u0041\u030a1 "}  # NFD "Å1" becomes NFC
    doc["notes"] = [{"key": "general", "code": " N ", "text": "hi"}]
    doc["ordering"] = {"code": " PO-1 "}
    out = build(doc, uuid_factory=lambda: U).doc
    assert out["customer"]["identities"][0]["code"] == "5432"
    assert out["customer"]["addresses"][0]["code"] == "28002"
    assert out["lines"][0]["item"]["ref"] == "R1"
    assert out["lines"][0]["taxes"][0]["cat"] == "VAT"
    assert out["lines"][0]["discounts"][0]["code"] == "D1"
    assert out["lines"][0]["identifier"]["code"] == "\u00c51"
    assert out["notes"][0]["code"] == "N"
    assert out["ordering"]["code"] == "PO-1"


def test_reading_leaves_codes_as_given() -> None:
    """``validate`` reads a document without normalizing it, as gobl judges codes as given."""
    doc = verifactu_invoice()
    doc["lines"][0]["item"]["ref"] = " R1 "
    assert decode_document(doc)["lines"][0]["item"]["ref"] == " R1 "


@pytest.mark.parametrize(
    ("given", "normalized"),
    [(" A ", "A"), ("A\u0007B", "AB"), ("\u0041\u030a", "\u00c5"), ("\tX\n", "X"), ("", "")],
)
def test_normalize_code(given: str, normalized: str) -> None:
    assert normalize_code(given) == normalized


def test_the_item_members_tested_by_name_are_the_items_members_with_codes() -> None:
    from facturo.gobl.bill.normalize import _rare

    assert _rare("org/item") == {"ref", "identities"}
