"""The ``json.dumps`` fast path of :func:`canonical_json` gives the exact writer's bytes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl import c14n
from facturo.gobl.c14n import C14nError, canonical_json

_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0, max_codepoint=0x40),
        st.sampled_from(["\\", '"', "u", "0", "é", "\u2028", "€", "\U0001f929", "\x7f", "Z"]),
        st.characters(),  # includes lone surrogates
    ),
    max_size=12,
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63 - 1, -(2**63), 2**63, -(2**63) - 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    _TEXT,
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(_TEXT, children, max_size=4),
    ),
    max_leaves=25,
)


def _exact(value: Any) -> bytes:
    out: list[str] = []
    c14n._write(value, out, literal=False)
    return c14n._encode(out)


def _outcome(fn: Any, value: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn(value))
    except C14nError as exc:
        return ("error", type(exc))


@settings(max_examples=600, deadline=None)
@given(_VALUES)
def test_fast_path_matches_exact_writer(value: Any) -> None:
    assert _outcome(canonical_json, value) == _outcome(_exact, value)


@pytest.mark.parametrize(
    "value",
    [
        {"a": "\x1f"},
        {"a": "\\u001f"},
        {"\x01": 1},
        {"a": None, "b": 1},
        {"b": [None, 1]},
        {"n": 2**63},
        {"n": -(2**63)},
        {"f": 1.5},
        {"f": 2.0},
        {"d": Decimal("1.50")},
        {1: "a"},
        {"é": 1, "z": 2, "\U0001f929": 3, "\uffff": 4},
        {"s": "\ud800"},
        ("a", 1),
        True,
        "x",
        None,
        0,
    ],
)
def test_edge_cases_match_exact_writer(value: Any) -> None:
    assert _outcome(canonical_json, value) == _outcome(_exact, value)


def test_plain_documents_take_the_fast_path() -> None:
    assert c14n._is_plain({"a": ["x", 1, None, True], "b": {"c": "d"}})
    assert not c14n._is_plain({"a": None})
    assert not c14n._is_plain({"a": 1.0})
    assert not c14n._is_plain({"a": Decimal(1)})
    assert not c14n._is_plain({1: "a"})
