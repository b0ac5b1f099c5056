"""The references a document names, and where: table cases, and any JSON document against a
plain reading of the rule."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facturo.silo.refs import document_refs

A = "0190f3a4-1111-7000-8000-000000000001"
B = "0190f3a4-2222-7000-8000-000000000002"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"uuid": A}, []),
        ({"preceding": [{"uuid": A, "code": "X"}]}, [(A, "preceding")]),
        (
            {"lines": [{"item": {"uuid": A}}, {"item": {"uuid": B}}]},
            [(A, "lines.item"), (B, "lines.item")],
        ),
        ({"lines": [{"item": {"uuid": A}}, {"item": {"uuid": A}}]}, [(A, "lines.item")]),
        ({"preceding": [{"uuid": "not-a-uuid"}], "x": {"uuid": 7}}, []),
        ({"a": [[{"uuid": A}]], "b": {"uuid": {"uuid": B}}}, [(A, "a"), (B, "b.uuid")]),
    ],
)
def test_refs_of_documents(doc: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert document_refs(doc) == [(uuid.UUID(u), ctx) for u, ctx in expected]


def _reference(doc: dict[str, Any]) -> list[tuple[uuid.UUID, str]]:
    """The rule read plainly: every ``uuid`` string below the root, at its dotted path without
    array indexes, first appearance first."""
    out: list[tuple[uuid.UUID, str]] = []

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                if name == "uuid" and path and isinstance(value, str):
                    try:
                        pair = (uuid.UUID(value), ".".join(path))
                    except ValueError:
                        continue
                    if pair not in out:
                        out.append(pair)
                else:
                    walk(value, (*path, name))
        elif isinstance(node, list):
            for item in node:
                walk(item, path)

    walk(doc, ())
    return out


_keys = st.sampled_from(["uuid", "item", "lines", "preceding", "x"])
_leaves = st.one_of(st.sampled_from([A, B, "nope"]), st.integers(), st.none())
_json = st.recursive(
    _leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=20,
)


@given(st.dictionaries(_keys, _json, max_size=4))
def test_refs_follow_the_rule_for_any_document(doc: dict[str, Any]) -> None:
    assert document_refs(doc) == _reference(doc)
