"""The compiled type walk calls the same checks, on the same values, in the same order.

:func:`check_types` runs code generated once per schema; :func:`check_types_reference` walks the
schema on every value. Documents are drawn from the schemas (any subset of members, nulls,
empty values, values of the wrong kind, maps where arrays belong), and every type gets a check
that records where it ran, so the two walks must produce the same record. The ES examples are
also validated through both with the real rules: same faults, codes, paths and order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facturo.errors import Fault
from facturo.gobl import build, parse
from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.registry import CORE_TYPE_CHECKS
from facturo.gobl.rules.walk import (
    AllOf,
    RuleContext,
    TypeCheck,
    check_types,
    check_types_reference,
    walk_source,
)
from facturo.gobl.schema.codec import decode_document
from facturo.gobl.schema.registry import Node, node_for, schema_id
from facturo.gobl.tax.regime_def import regime

SCHEMAS = [
    "bill/invoice",
    "bill/payment",
    "bill/order",
    "bill/delivery",
    "bill/status",
    "org/party",
]
EXAMPLES = (
    Path(__file__).resolve().parents[3].parent / "shared" / "data" / "gobl" / "examples" / "es"
)
U = "0190f3a0-0000-7000-8000-000000000000"

_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "x", "ES"]))


def _value(node: Node, depth: int) -> st.SearchStrategy[Any]:
    if depth <= 0:
        return _LEAF
    if node.kind == "object":
        keys = sorted(node.props)
        return st.lists(st.sampled_from(keys), unique=True, max_size=5).flatmap(
            lambda ks: st.fixed_dictionaries({k: _value(node.props[k], depth - 1) for k in ks})
        ) | (_LEAF if depth < 4 else st.nothing())
    if node.kind in ("array", "map"):
        assert node.item is not None
        item = node.item
        many = st.lists(st.none() | st.deferred(lambda: _value(item, depth - 1)), max_size=3)
        keyed = st.dictionaries(
            st.sampled_from(["a", "b"]), st.deferred(lambda: _value(item, depth - 1)), max_size=2
        )
        return many | keyed | _LEAF
    return _LEAF


@st.composite
def _documents(draw: st.DrawFn) -> tuple[Node, dict[str, Any]]:
    path = draw(st.sampled_from(SCHEMAS))
    node = node_for(schema_id(path))
    assert node is not None
    body = draw(_value(node, 6).filter(lambda v: isinstance(v, dict)))
    return node, body


def _recorders(log: list[tuple[str, int, str]]) -> dict[str, TypeCheck]:
    """A check per type name that logs (type, value id, path); two for a few types."""

    def recorder(name: str) -> TypeCheck:
        def check(f: Faults, obj: dict[str, Any], path: str, ctx: RuleContext) -> None:
            log.append((name, id(obj), path))

        return check

    checks: dict[str, TypeCheck] = {}
    for name in CORE_TYPE_CHECKS:
        checks[name] = recorder(name)
    # several sets on a type with checked members and on types without (whose checks the
    # parent's code calls in place)
    for name in ("bill.Invoice", "org.Item", "tax.Combo", "org.Note"):
        checks[name] = AllOf((recorder(name + "#1"), recorder(name + "#2")))
    return checks


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_compiled_walk_visits_like_the_reference(case: tuple[Node, dict[str, Any]]) -> None:
    node, doc = case
    fast: list[tuple[str, int, str]] = []
    slow: list[tuple[str, int, str]] = []
    ctx = RuleContext(doc, None)
    check_types(Faults(), doc, node, _recorders(fast), ctx)
    check_types_reference(Faults(), doc, node, _recorders(slow), ctx)
    assert fast == slow


def test_compiled_walk_reaches_types_deep_in_the_document() -> None:
    """A party inside a line's seller, inside an invoice: its tax identity is checked too."""
    node = node_for(schema_id("bill/invoice"))
    assert node is not None
    doc = {"lines": [{}, {"seller": {"tax_id": {"code": "x"}}}]}
    log: list[tuple[str, int, str]] = []
    check_types(Faults(), doc, node, _recorders(log), RuleContext(doc, None))
    paths = [(name, path) for name, _, path in log]
    assert ("tax.Identity", "$.lines[1].seller.tax_id") in paths
    assert paths.index(("tax.Identity", "$.lines[1].seller.tax_id")) < paths.index(
        ("bill.Line", "$.lines[1]")
    )


def _examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.*") if p.suffix in (".json", ".yaml"))


def _faults(typed: dict[str, Any], walk: Any) -> list[Fault]:
    node = node_for(str(typed.get("$schema", "")))
    assert node is not None
    f = Faults("$.doc")
    walk(f, typed, node, CORE_TYPE_CHECKS, RuleContext(typed, regime(typed.get("$regime", ""))))
    return f.to_list()


def test_examples_folder_is_present() -> None:
    assert len(_examples()) >= 30


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_examples_give_the_same_faults_through_both_walks(path: Path) -> None:
    """The input as given (not calculated: lines without sums) and the built document."""
    data = parse(path.read_text("utf-8"))
    built = build(data, uuid_factory=lambda: U).doc
    given_doc = decode_document(data.get("doc", data))
    for typed in (given_doc, decode_document(built)):
        assert _faults(typed, check_types) == _faults(typed, check_types_reference)


def test_a_document_with_faults_gives_them_in_the_same_order() -> None:
    doc = decode_document(
        {
            "$schema": schema_id("bill/invoice"),
            "$regime": "ES",
            "supplier": {"tax_id": {"code": "b1"}, "identities": [{"key": "a", "type": "b"}]},
            "lines": [{"item": {"price": "-1", "unit": "zz!"}}, {"taxes": [{"cat": "NOPE"}]}],
            "notes": [{"key": "nope"}],
        }
    )
    fast = _faults(doc, check_types)
    assert fast == _faults(doc, check_types_reference)
    assert [f.code for f in fast][:3] == [
        "GOBL-TAX-IDENTITY-01",
        "GOBL-TAX-IDENTITY-02",
        "GOBL-ORG-IDENTITY-03",
    ]


def test_walk_source_names_the_checks_it_calls() -> None:
    node = node_for(schema_id("bill/invoice"))
    assert node is not None
    text = walk_source(node, CORE_TYPE_CHECKS)
    assert "= check_combo" in text
    compile(text, "<walk>", "exec")
    assert walk_source(node, {}) == ""  # nothing checked, nothing generated
