"""Amounts read from text keep the text gobl writes for them, and behave as amounts.

The reader hands out one shared amount per distinct input text with its output text made
once; the writer uses that text. It must be exactly the text of the amount as calculated
(``"007"`` is written ``"7"``, ``"-0"`` as ``"0"``), and arithmetic, comparison and hashing
must not see any difference from a plain amount.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl.errors import GoblError
from facturo.gobl.num import Amount, InvalidAmount
from facturo.gobl.schema.codec import decode_document, encode, encode_document_full
from facturo.gobl.schema.registry import node_for, schema_id

_TEXTS = st.builds(
    lambda sign, major, minor: f"{sign}{major}{minor}",
    st.sampled_from(["", "-"]),
    st.from_regex(r"\A[0-9]{1,20}\Z"),
    st.sampled_from(["", "."]) | st.from_regex(r"\A\.[0-9]{1,20}\Z"),
)


def _line_doc(text: str) -> dict[str, object]:
    return {"$schema": schema_id("bill/invoice"), "lines": [{"quantity": text, "sum": text}]}


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_read_amounts_write_as_the_reference_writer(text: str) -> None:
    try:
        plain = Amount.parse(text)
    except InvalidAmount:
        with pytest.raises(GoblError):  # too many digits: refused with the value's path
            decode_document(_line_doc(text))
        return
    for _ in range(2):  # the second read is served from the shared table
        typed = decode_document(_line_doc(text))
        read = typed["lines"][0]["quantity"]
        assert str(read) == str(plain)
        assert (read.value, read.exp) == (plain.value, plain.exp)
        assert read == plain
        assert hash(read) == hash(plain)
        assert str(read.add(Amount(1, 0))) == str(plain.add(Amount(1, 0)))
        node = node_for(schema_id("bill/invoice"))
        assert node is not None
        enc = encode_document_full(typed)
        assert enc.out == encode(typed, node)
        assert enc.out["lines"][0]["quantity"] == str(plain)


def test_leading_zeros_and_negative_zero_are_written_as_calculated() -> None:
    typed = decode_document(_line_doc("007.50"))
    assert encode_document_full(typed).out["lines"][0]["quantity"] == "7.50"
    typed = decode_document(_line_doc("-0"))
    assert encode_document_full(typed).out["lines"][0]["quantity"] == "0"


@settings(max_examples=400, deadline=None)
@given(
    st.integers(min_value=-(10**19), max_value=10**19)
    | st.integers(min_value=-150, max_value=150)
    | st.sampled_from([99, 100, 101, 10**18 - 1, 10**18, -100]),
    st.integers(min_value=0, max_value=4),
)
def test_calculated_amounts_write_as_the_reference_writer(value: int, exp: int) -> None:
    """Amounts made by calculation (not read from text) take the writer's own formatting for
    two decimals; every value and exponent around it must give ``str(amount)``."""
    amount = Amount(value, exp)
    typed = {"$schema": schema_id("bill/invoice"), "totals": {"sum": amount, "payable": amount}}
    node = node_for(schema_id("bill/invoice"))
    assert node is not None
    enc = encode_document_full(typed)
    assert enc.out == encode(typed, node)
    assert enc.out["totals"]["sum"] == str(amount)
    if enc.readable:
        assert decode_document(enc.out)["totals"]["sum"] == Amount.parse(str(amount))
