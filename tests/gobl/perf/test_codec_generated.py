"""The generated schema writers and readers give the reference codec's answers on any input.

Documents are drawn from the schema itself: any subset of an object's properties in any order,
unknown members, nulls, empty values, zero UUIDs, integers past int64, floats, Decimals, bad
amounts, and values of the wrong kind. Both codecs must agree on the result or on the error.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facturo.gobl import c14n
from facturo.gobl.c14n import C14nError, canonical_json_plain
from facturo.gobl.dsig import digest_document
from facturo.gobl.errors import GoblError
from facturo.gobl.schema.codec import (
    ZERO_UUID,
    decode,
    decode_document,
    encode,
    encode_document_full,
    writer_source,
)
from facturo.gobl.schema.registry import Node, node_for, schema_id

from .member_order import ordered

SCHEMAS = ["bill/invoice", "bill/payment", "org/party", "bill/order"]

_TEXT = st.text(alphabet=st.sampled_from(["a", "Z", " ", "\x01", "é", "\\", '"', "€"]), max_size=4)
_PLAIN = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.sampled_from([0, 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1]),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**6),
    _TEXT,
    st.just(ZERO_UUID),
    st.just(""),
)
_LOOSE = st.recursive(
    _PLAIN,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_TEXT, inner, max_size=2),
    max_leaves=4,
)
_AMOUNTS = st.sampled_from(
    ["0", "1", "10.95", "-3.50", "0.000", "007", "1e3", "x", "", "123456789012345678901"]
) | st.integers(min_value=-(10**20), max_value=10**20)
_PERCENTS = st.sampled_from(["21%", "21.0%", "0.21", "5.5%", "0%", "-1.25%", "%", "abc"])


def _value(node: Node, depth: int) -> st.SearchStrategy[Any]:
    kind = node.kind
    if depth <= 0:
        return _PLAIN
    if kind == "object":
        keys = sorted(node.props)
        return st.lists(st.sampled_from(keys), unique=True, max_size=6).flatmap(
            lambda ks: st.fixed_dictionaries(
                {k: _value(node.props[k], depth - 1) for k in ks},
                optional={"zz-unknown": _LOOSE},
            )
        ) | (_PLAIN if depth < 3 else st.nothing())
    if kind == "array":
        assert node.item is not None
        item = node.item
        return st.lists(st.none() | st.deferred(lambda: _value(item, depth - 1)), max_size=3)
    if kind == "map":
        assert node.item is not None
        return st.dictionaries(_TEXT, _value(node.item, depth - 1), max_size=3)
    if kind == "amount":
        return _AMOUNTS | st.none()
    if kind == "percentage":
        return _PERCENTS | st.none()
    return _LOOSE


@st.composite
def _documents(draw: st.DrawFn) -> dict[str, Any]:
    path = draw(st.sampled_from(SCHEMAS))
    node = node_for(schema_id(path))
    assert node is not None
    body = draw(_value(node, 5).filter(lambda v: isinstance(v, dict)))
    return {"$schema": schema_id(path), **body}


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn(*args))
    except Exception as exc:  # the class of the error is what must match
        return ("error", type(exc))


def _exact(value: Any) -> bytes:
    out: list[str] = []
    c14n._write(value, out, literal=False)
    return c14n._encode(out)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(_documents())
def test_generated_codec_matches_reference(doc: dict[str, Any]) -> None:
    node = node_for(doc["$schema"])
    assert node is not None
    fast = _outcome(decode_document, doc)
    assert fast == _outcome(decode, doc, node)
    if fast[0] == "error":
        return
    typed = fast[1]
    written = _outcome(encode_document_full, typed)
    reference = _outcome(encode, typed, node)
    if written[0] == "error" or reference[0] == "error":
        assert written == reference
        return
    enc = written[1]
    assert enc.out == reference[1]
    assert list(enc.out) == list(reference[1])  # struct order
    assert ordered(enc.out) == ordered(reference[1])  # and every nested member's order
    assert enc.readable == (_outcome(decode, enc.out, node)[0] == "ok")
    if enc.plain:
        assert c14n._is_plain(enc.out)  # the writer never vouches for a tree that is not
        assert _outcome(canonical_json_plain, enc.out) == _outcome(_exact, enc.out)
        assert _outcome(lambda d: digest_document(d, plain=True), enc.out) == _outcome(
            digest_document, enc.out
        )


def test_writer_reports_non_plain_output() -> None:
    doc = {
        "$schema": schema_id("org/party"),
        "name": "A",
        "meta": {"k": "v"},
        "zz": 1,
        "addresses": [{"locality": "Madrid", "coords": {"lat": 40.5, "lon": -3.5}}],
    }
    enc = encode_document_full(decode_document(doc))
    assert enc.out == encode(decode_document(doc), node_for(doc["$schema"]))  # type: ignore[arg-type]
    assert not enc.plain  # the float is written by the exact writer's rules
    assert _outcome(digest_document, enc.out)[0] == "ok"


def test_plain_writer_takes_exact_path_for_control_characters() -> None:
    doc = {"$schema": schema_id("org/party"), "name": "A\x1fB"}
    enc = encode_document_full(decode_document(doc))
    assert enc.plain
    assert canonical_json_plain(enc.out) == _exact(enc.out)
    assert b"\\u001F" in canonical_json_plain(enc.out)


def test_plain_writer_refuses_lone_surrogates_like_the_exact_writer() -> None:
    doc = {"$schema": schema_id("org/party"), "name": "A\ud800"}
    enc = encode_document_full(decode_document(doc))
    assert _outcome(canonical_json_plain, enc.out) == ("error", C14nError)


def test_big_integers_are_not_plain() -> None:
    doc = {"$schema": schema_id("bill/invoice"), "lines": [{"i": 2**63}]}
    enc = encode_document_full(decode_document(doc))
    assert not enc.plain
    assert enc.out["lines"][0]["i"] == 2**63
    assert Decimal(2**63) == enc.out["lines"][0]["i"]


def test_writer_source_shows_each_struct_writer_once() -> None:
    text = writer_source("bill/invoice")
    assert text.count("# <gobl writer bill.Line>") == 1
    assert "# w17 = array; i17 = object bill.Line" in text
    compile(text, "<writers>", "exec")  # the text is the code that runs, so it is Python
    assert writer_source(schema_id("org/party")).startswith("# <gobl writer org.Party>")


def test_writer_source_of_an_unknown_schema_is_an_error() -> None:
    with pytest.raises(GoblError):
        writer_source("bill/nope")
