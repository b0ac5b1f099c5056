"""The compiled codec and the amount fast paths give the reference results."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl import parse
from facturo.gobl.calculate import calculate_typed
from facturo.gobl.num import Amount, InvalidAmount, Percentage
from facturo.gobl.num.amount import MAX_DIGITS
from facturo.gobl.schema.codec import (
    decode,
    decode_document,
    encode,
    encode_document_full,
)
from facturo.gobl.schema.registry import node_for

EXAMPLES = Path(__file__).resolve().parents[3].parent / "shared/data/gobl/examples/es"
FILES = sorted(p for p in EXAMPLES.glob("*.*") if p.suffix in (".yaml", ".json"))


def _doc(path: Path) -> dict[str, Any]:
    data = parse(path.read_bytes())
    doc: dict[str, Any] = data.get("doc", data) if "head" in data else data
    return doc


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_compiled_codec_matches_reference(path: Path) -> None:
    doc = _doc(path)
    node = node_for(str(doc.get("$schema", "")))
    assert node is not None
    original = copy.deepcopy(doc)
    typed = decode_document(doc)
    assert typed == decode(doc, node)
    assert doc == original  # the input is not touched
    calculate_typed(typed)
    assert doc == original  # nor shared with the calculated tree
    enc = encode_document_full(typed)
    ref = encode(typed, node)
    assert enc.out == ref
    assert list(enc.out) == list(ref)  # same member order
    assert enc.readable
    decode(ref, node)  # what ``readable`` promises: the output reads back


def _amount_reference(text: str) -> tuple[int, int] | str:
    """gobl's ``AmountFromString`` rules, spelled out without the regex fast path."""
    neg = text.startswith("-")
    parts = (text[1:] if neg else text).split(".")
    if not text or len(parts) > 2:
        return "error"
    major, minor = parts[0], parts[1] if len(parts) == 2 else ""
    if not (major.isascii() and major.isdigit()) or (
        minor and not (minor.isascii() and minor.isdigit())
    ):
        return "error"
    significant = len(major.lstrip("0"))
    if significant > MAX_DIGITS:
        return "error"
    minor = minor[: MAX_DIGITS - significant]
    value = int(major + minor)
    return (-value if neg else value, len(minor))


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\A-?[0-9٣]{0,22}(\.[0-9]{0,22})?(\.[0-9])?\Z") | st.text(max_size=6))
def test_amount_parse_matches_reference(text: str) -> None:
    try:
        a = Amount.parse(text)
        got: tuple[int, int] | str = (a.value, a.exp)
    except InvalidAmount:
        got = "error"
    assert got == _amount_reference(text)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(10**20), max_value=10**20), st.integers(min_value=0, max_value=8))
def test_percentage_text_matches_reference(value: int, exp: int) -> None:
    p = Percentage(value, exp)
    e = max(exp - 2, 0)
    assert str(p) == str(p.amount.multiply(Amount(100)).rescale(e)) + "%"
