"""Scenarios applied with their type filter read first equal scenarios matched in full.

``apply_scenarios`` tests a scenario's types itself and calls ``_matches`` only for a scenario
with other filters. The reference here calls ``_matches`` for every scenario, as gobl tests
every filter, and merges notes and codes the same way; documents must come out the same,
member order included, or fail the same way.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl.bill.invoice import _scenarios
from facturo.gobl.bill.invoice_scenarios import (
    _matches,
    apply_scenarios,
    put_scenarios,
    take_scenario,
)
from facturo.gobl.tax.regime_def import Scenario, regime

from .member_order import ordered

_SETUPS = [
    ("ES", ()),
    ("ES", ("es-verifactu-v1",)),
    ("ES", ("es-sii-v1",)),
    ("ES", ("es-tbai-v1",)),
    ("PT", ()),
    ("FR", ()),
    ("synthetic", ()),
]
# gobl's data tests no ``tax.ext`` code today and filters few scenarios by type alone; these
# scenarios mix every filter, types with codes, tags and notes
_SYNTHETIC = (
    Scenario(types=("standard", "proforma"), ext_key="es-sii-doc-type", note={"key": "t"}),
    Scenario(types=("standard",), categories=("IRPF",), ext={"other": "3"}),
    Scenario(types=("standard",), ext={"es-verifactu-doc-type": "F1"}),
    Scenario(ext_key="es-sii-doc-type", ext={"other": "1"}),
    Scenario(ext_key="es-sii-doc-type", ext_code="F2", note={"key": "legal", "text": "F2"}),
    Scenario(tags=("simplified",), ext_key="other", ext_code="x", ext={"other": "2"}),
    Scenario(tags=("self-billed",), note={"key": "legal", "cat": "VAT", "text": "sb"}),
    Scenario(types=("credit-note",), note={"key": "legal", "text": "cn"}),
)
_CODES = st.sampled_from(["F1", "F2", "R1", "R5", "S1", "E1", "01", "", "x"])
_EXT_KEYS = st.sampled_from(
    [
        "es-verifactu-doc-type",
        "es-sii-doc-type",
        "es-tbai-simplified",
        "es-tbai-region",
        "es-verifactu-correction-type",
        "pt-saft-invoice-type",
        "other",
    ]
)
_EXT = st.one_of(
    st.dictionaries(_EXT_KEYS, _CODES, max_size=3),
    st.dictionaries(_EXT_KEYS, st.sampled_from([None, 1, ["F1"]]), min_size=1, max_size=2),
)
_TAX = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "ext": _EXT | st.sampled_from([None, "F1", []]),
            "notes": st.lists(
                st.fixed_dictionaries(
                    {"key": st.sampled_from(["legal", "general"])},
                    optional={"cat": st.sampled_from(["VAT", "IRPF"]), "text": st.just("t")},
                ),
                max_size=2,
            ),
        },
    ),
    st.sampled_from(["tax", []]),
)
_TAGS = st.one_of(
    st.lists(
        st.sampled_from(
            ["simplified", "reverse-charge", "self-billed", "customer-rates", "bypass", "x"]
        ),
        max_size=3,
    ),
    st.sampled_from([None, "simplified", [1], ["simplified", None]]),
)
_LINES = st.lists(
    st.fixed_dictionaries(
        {"taxes": st.lists(st.fixed_dictionaries({"cat": st.sampled_from(["VAT", "IRPF"])}))}
    ),
    max_size=2,
)
_DOCS = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["standard", "credit-note", "corrective", "debit-note", "proforma", "other", 5, None]
        )
    },
    optional={"$tags": _TAGS, "tax": _TAX, "lines": _LINES},
)


def _reference(inv: dict[str, Any], scenarios: tuple[Scenario, ...]) -> None:
    cats: list[set[str]] = []
    typ = inv.get("type")
    tags = inv.get("$tags") or ()
    tax_ext = (inv.get("tax") or {}).get("ext") or {}
    notes: list[dict[str, str]] = []
    ext: dict[str, str] = {}
    for s in scenarios:
        if _matches(s, typ, tags, inv, cats, tax_ext):
            notes = take_scenario(s, notes, ext)
    if notes or ext:
        put_scenarios(inv, notes, ext)


def _setup_scenarios(country: str, addons: tuple[str, ...]) -> tuple[Scenario, ...]:
    if country == "synthetic":
        return _SYNTHETIC
    every, _ = _scenarios(regime(country), list(addons), "bill/invoice")
    return every


def _outcome(doc: dict[str, Any], apply: Any) -> Any:
    try:
        apply(doc)
    except (TypeError, AttributeError, ValueError) as exc:
        return type(exc), str(exc)
    return ordered(doc)


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(_SETUPS), st.booleans(), _DOCS)
def test_scenarios_equal_matching_every_filter(
    setup: tuple[str, tuple[str, ...]], untagged: bool, doc: dict[str, Any]
) -> None:
    scenarios = _setup_scenarios(*setup)
    if untagged:
        scenarios = tuple(s for s in scenarios if not s.tags)
    expected = _outcome(copy.deepcopy(doc), lambda d: _reference(d, scenarios))
    assert _outcome(copy.deepcopy(doc), lambda d: apply_scenarios(d, scenarios)) == expected
