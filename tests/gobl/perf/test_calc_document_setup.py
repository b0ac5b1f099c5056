"""A document's currency, rounding and line context looked up equal them worked out afresh.

``calculate_document`` keeps, per (currency, rounding rule, regime), the currency it
calculates in, its rounding and its plain line context, and looks them up for the next
document with the same triple. Each document here is calculated twice from the same input:
once with the table emptied (the general path) and once after an equal document filled it
(the lookup, when the triple may be kept). Both must come out the same, member order
included, or fail the same way; triples the table must not keep (unknown currencies and rule
names, wrongly typed members) are generated too.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl.bill import calculator
from facturo.gobl.bill.calculator import calculate_document
from facturo.gobl.errors import GoblError
from facturo.gobl.num import Amount, Percentage
from facturo.gobl.tax.regime_def import regime

_REGIMES = st.sampled_from(["ES", "PT", "FR", "NL", None])
_CURRENCIES = st.sampled_from([None, "", "EUR", "USD", "JPY", "KWD", "ZZZ", "eur", 5, ["EUR"]])
_RULES = st.sampled_from([None, "", "precise", "currency", "bogus", "sum-then-round", 3, ["x"]])
_DIGITS = st.integers(min_value=-(10**7), max_value=10**7)
_AMOUNTS = st.builds(Amount, _DIGITS, st.integers(min_value=0, max_value=4))
_COMBOS = st.sampled_from(
    [
        [{"cat": "VAT", "rate": "standard"}],
        [{"cat": "VAT", "percent": Percentage.parse("21%")}],
        [{"cat": "VAT", "rate": "reduced"}, {"cat": "IRPF", "percent": Percentage.parse("15%")}],
        [{"cat": "VAT", "key": "exempt"}],
        [],
    ]
)
_LINE = st.fixed_dictionaries(
    {
        "quantity": _AMOUNTS,
        "item": st.fixed_dictionaries({"name": st.just("x"), "price": _AMOUNTS}),
        "taxes": _COMBOS,
    },
    optional={"discounts": st.just([{"percent": Percentage.parse("10%")}])},
)
_TAX = st.one_of(
    st.none(),
    st.just({}),
    st.just("wrong"),
    st.builds(lambda r: {"rounding": r}, _RULES),
    st.builds(lambda r: {"rounding": r, "prices_include": "VAT"}, _RULES),
)
# document discounts and charges, in percent (of the sum or of a base) and in amount
_MODS = st.one_of(
    st.none(),
    st.tuples(
        st.sampled_from(["discounts", "charges"]),
        st.lists(
            st.one_of(
                st.fixed_dictionaries({"percent": st.just(Percentage.parse("5%"))}),
                st.fixed_dictionaries(
                    {"percent": st.just(Percentage.parse("2.5%")), "base": _AMOUNTS}
                ),
                st.fixed_dictionaries({"amount": _AMOUNTS, "taxes": _COMBOS}),
            ),
            min_size=1,
            max_size=2,
        ),
    ),
)
_EXCHANGE = st.sampled_from([None, [], [{"from": "USD", "to": "EUR", "amount": Amount(9, 1)}]])


def _document(
    currency: Any, tax: Any, rates: Any, lines: list[dict[str, Any]], mods: Any = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": "standard", "lines": lines}
    if mods is not None:
        doc[mods[0]] = mods[1]
    if currency is not None:
        doc["currency"] = currency
    if tax is not None:
        doc["tax"] = tax
    if rates is not None:
        doc["exchange_rates"] = rates
    return doc


def _outcome(doc: dict[str, Any], country: str | None) -> Any:
    try:
        calculate_document(doc, regime(country) if country else None, tax_date="2024-06-01")
    except (GoblError, KeyError, TypeError, AttributeError, ValueError) as exc:
        return type(exc), str(exc)
    return repr(doc)


@settings(max_examples=600, deadline=None)
@given(
    _REGIMES,
    _CURRENCIES,
    _TAX,
    _EXCHANGE,
    st.lists(_LINE, min_size=1, max_size=3),
    _MODS,
)
def test_a_looked_up_setup_equals_the_setup_worked_out_afresh(
    country: str | None,
    currency: Any,
    tax: Any,
    rates: Any,
    lines: list[dict[str, Any]],
    mods: Any,
) -> None:
    doc = _document(currency, tax, rates, lines, mods)
    calculator._SETUPS.clear()
    general = _outcome(copy.deepcopy(doc), country)
    kept = len(calculator._SETUPS)
    looked_up = _outcome(copy.deepcopy(doc), country)
    assert looked_up == general
    assert len(calculator._SETUPS) == kept  # the second run found what the first kept


@pytest.mark.parametrize(
    ("currency", "tax", "kept"),
    [
        (None, None, True),
        ("EUR", {"rounding": "currency"}, True),
        ("JPY", {"rounding": "precise"}, True),
        ("ZZZ", None, False),  # not a currency: the regime's is written, every time
        ("EUR", {"rounding": "bogus"}, False),  # not a rule name
        ("EUR", {"rounding": "sum-then-round"}, False),  # a legacy name, migrated elsewhere
        (5, None, False),
    ],
)
def test_only_definitions_are_kept(currency: Any, tax: Any, kept: bool) -> None:
    calculator._SETUPS.clear()
    line = {"quantity": Amount(1, 0), "item": {"name": "x", "price": Amount(100, 2)}}
    doc = _document(currency, tax, None, [line])
    calculate_document(doc, regime("ES"), tax_date="2024-06-01")
    assert bool(calculator._SETUPS) is kept
    assert doc["currency"] == (currency if kept and currency else "EUR")


def test_a_document_without_a_currency_gets_the_regimes_from_the_table() -> None:
    calculator._SETUPS.clear()
    line = {"quantity": Amount(2, 0), "item": {"name": "x", "price": Amount(1050, 2)}}
    first = _document(None, None, None, [copy.deepcopy(line)])
    second = _document("", None, None, [copy.deepcopy(line)])
    calculate_document(first, regime("PT"), tax_date="2024-06-01")
    calculate_document(second, regime("PT"), tax_date="2024-06-01")
    assert first["currency"] == second["currency"] == "EUR"
    assert second["totals"]["sum"] == Amount(2100, 2)
