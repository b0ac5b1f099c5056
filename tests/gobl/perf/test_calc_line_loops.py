"""The loops over a document's lines equal the general code line by line.

``calculate_lines`` calculates a whole list, plain lines with integers inline and summing the
exact totals as it goes; ``normalize_document`` walks the lines in one loop and leaves a
list of plain percent modifiers as it is. Each is compared with the general code: every line
calculated on the general path alone (an empty ``substituted`` list sends it there) and the
totals summed with ``Amount``; every list of modifiers through ``_modifiers``; every list of
combos with its empty combos dropped first, then each normalized afresh.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl.addons.es_verifactu import tax as verifactu_tax
from facturo.gobl.bill.line_calculate import LineContext, calculate_lines
from facturo.gobl.bill.normalize import _modifiers, normalize_combo_chain, normalize_document
from facturo.gobl.errors import GoblError
from facturo.gobl.num import Amount, Percentage
from facturo.gobl.tax.rounding_rules import Rounding

from .member_order import ordered

_DIGITS = st.integers(min_value=-(10**9), max_value=10**9) | st.sampled_from([0, 1, -1, 5, 50])
_AMOUNTS = st.builds(Amount, _DIGITS, st.integers(min_value=0, max_value=6))
_PERCENTS = st.sampled_from(["5%", "10%", "2.5%", "0%", "33.3333%", "-5%"]).map(Percentage.parse)
# modifiers as decoding leaves them (percents and amounts typed: decoding rejects others)
_TYPED_MODIFIER = st.one_of(
    st.fixed_dictionaries({"percent": _PERCENTS}),
    st.fixed_dictionaries({"percent": _PERCENTS, "base": _AMOUNTS}),
    st.fixed_dictionaries({"amount": _AMOUNTS}),
    st.fixed_dictionaries({"percent": _PERCENTS, "ext": st.sampled_from([{}, {"a": ""}])}),
    st.fixed_dictionaries({"rate": _AMOUNTS}, optional={"quantity": _AMOUNTS}),
    st.sampled_from([{}, {"reason": "r"}]),
)
# and members of other types, which normalization hands to the general code
_MODIFIER = _TYPED_MODIFIER | st.sampled_from([None, {"percent": "5%"}, "5%"])
_ITEM = st.fixed_dictionaries(
    {"name": st.just("x")},
    optional={
        "price": _AMOUNTS,
        "currency": st.sampled_from(["EUR", "USD", "JPY", "KWD", ""]),
        "alt_prices": st.just([{"currency": "EUR", "value": Amount(1234, 2)}]),
    },
)
_SUB_LINE = st.fixed_dictionaries({"item": _ITEM}, optional={"quantity": _AMOUNTS})
_LINE = st.fixed_dictionaries(
    {"item": _ITEM},
    optional={
        "quantity": _AMOUNTS,
        "discounts": st.lists(_TYPED_MODIFIER, max_size=2),
        "charges": st.lists(_TYPED_MODIFIER, max_size=2),
        "breakdown": st.lists(_SUB_LINE, max_size=2),
        "taxes": st.just([{"cat": "VAT"}]),
    },
)
_ROUNDING = st.builds(
    Rounding, st.sampled_from(["precise", "currency"]), st.sampled_from([0, 2, 3])
)
_RATES = st.sampled_from(
    [[], [{"from": "USD", "to": "EUR", "amount": Amount(9, 1)}], [{"from": "JPY", "to": "EUR"}]]
)


def _outcome(calculate: Any) -> Any:
    try:
        return calculate()
    except (GoblError, KeyError, TypeError, AttributeError) as exc:
        return type(exc), str(exc)


def _general(lines: list[dict[str, Any]], ctx: LineContext, sub: int) -> Any:
    """Each line alone on the general path, the exact totals summed with ``Amount``."""
    total = Amount(0, sub)
    items = []
    unpriced = []
    for i, line in enumerate(lines):
        had = "substituted" in line
        if not had:
            line["substituted"] = []
        got: list[Any] = []
        try:
            calculate_lines([line], ctx, got, unpriced, i)
        finally:
            if not had:
                del line["substituted"]
        for v, e, combos in got:
            t = Amount(v, e)
            total = total.match_precision(t).add(t)
            items.append((v, e, combos))
    return (total.value, total.exp), items, [line["i"] for line in unpriced]


def _loop(lines: list[dict[str, Any]], ctx: LineContext) -> Any:
    items: list[Any] = []
    unpriced: list[dict[str, Any]] = []
    sv, se = calculate_lines(lines, ctx, items, unpriced)
    return (sv, se), items, [line["i"] for line in unpriced]


@settings(max_examples=500, deadline=None)
@given(st.lists(_LINE, max_size=5), _ROUNDING, _RATES)
def test_the_line_loop_equals_each_line_on_the_general_path(
    lines: list[dict[str, Any]], rr: Rounding, rates: list[dict[str, Any]]
) -> None:
    ctx = LineContext("EUR", rr, rates)
    general = copy.deepcopy(lines)
    plain = copy.deepcopy(lines)
    expected = _outcome(lambda: _general(general, ctx, rr.subunits))
    got = _outcome(lambda: _loop(plain, ctx))
    assert repr(got) == repr(expected)
    assert repr(ordered(plain)) == repr(ordered(general))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(_MODIFIER, max_size=3), min_size=1, max_size=3), st.booleans())
def test_modifier_lists_left_as_they_are_equal_the_general_normalization(
    lists: list[list[Any]], charges: bool
) -> None:
    key = "charges" if charges else "discounts"
    doc = {"lines": [{key: copy.deepcopy(mods)} for mods in lists]}
    expected = [{key: copy.deepcopy(mods)} for mods in lists]

    def general() -> Any:
        for line in expected:
            _modifiers(line, key, line[key])
        return repr(ordered(expected))

    def fast() -> Any:
        normalize_document(doc, combo_normalizers=())
        return repr(ordered(doc["lines"]))

    assert _outcome(fast) == _outcome(general)


_COMBO = st.one_of(
    st.fixed_dictionaries(
        {"cat": st.sampled_from(["VAT", "IGIC", "IRPF"])},
        optional={
            "rate": st.sampled_from(["standard", "reduced", "exempt", "zero"]),
            "key": st.sampled_from(["zero", "exempt", ""]),
            "percent": _PERCENTS,
            "ext": st.sampled_from([{}, {"es-verifactu-exempt": "E2"}, {"x": ""}]),
        },
    ),
    st.sampled_from([{}, None, [], ""]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_COMBO, max_size=4), min_size=1, max_size=3))
def test_line_combos_equal_combos_dropped_then_normalized(lists: list[list[Any]]) -> None:
    extra = (verifactu_tax.normalize_combo,)
    expected = []
    for taxes in copy.deepcopy(lists):
        kept = [c for c in taxes if c]
        for combo in kept:
            normalize_combo_chain(combo, extra)
        expected.append(kept)
    for _ in range(2):  # the second time from the kept normalizations
        doc = {"lines": [{"taxes": copy.deepcopy(taxes)} for taxes in lists]}
        normalize_document(doc, combo_normalizers=extra)
        assert repr(ordered([line["taxes"] for line in doc["lines"]])) == repr(ordered(expected))
