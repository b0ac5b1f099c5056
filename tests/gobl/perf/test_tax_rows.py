"""Tax rows built with integers equal gobl's row scan and totals done with ``Amount``.

``calculate_taxes`` finds rows with an inline scan, adds bases as integers and sums and
rounds them in one pass. The reference here is gobl's algorithm written plainly: resolve
every combo, take included taxes out, scan the category's rows for the first one with the
same percent, ext, country and surcharge, add with ``Amount`` (``Rounding.match`` then
``add``), then :func:`sum_total` and :func:`round_total`, which payments still use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl.errors import GoblError
from facturo.gobl.num import Amount, Percentage
from facturo.gobl.tax.combo import prepare_combo
from facturo.gobl.tax.regime_def import RegimeDef, regime
from facturo.gobl.tax.rounding_rules import Rounding
from facturo.gobl.tax.totals_calculator import calculate_taxes, round_total, sum_total

_ES = regime("ES")
_PCT = st.sampled_from(["21%", "21.0%", "10%", "0%", "7.5%", "15%"]).map(Percentage.parse)
_COMBOS = st.one_of(
    st.fixed_dictionaries(
        {"cat": st.just("VAT"), "rate": st.sampled_from(["general", "reduced", "general+eqs"])},
        optional={"ext": st.sampled_from([{}, {"x": "1"}, {"x": "2"}, {"x": "1", "y": "1"}])},
    ),
    st.fixed_dictionaries(
        {"cat": st.sampled_from(["VAT", "IRPF", "IGIC"])},
        optional={
            "percent": _PCT,
            "surcharge": st.sampled_from(["5.2%", "5.20%", "1.4%"]).map(Percentage.parse),
            "key": st.sampled_from(["standard", "exempt", "zero"]),
            "country": st.sampled_from(["ES", "", "PT", "FR"]),
        },
    ),
)
_ITEMS = st.lists(
    st.tuples(
        st.integers(min_value=-(10**10), max_value=10**10),
        st.integers(min_value=0, max_value=7),
        st.lists(_COMBOS, max_size=3),
    ),
    max_size=8,
)
_ROUNDING = st.builds(
    Rounding, st.sampled_from(["precise", "currency"]), st.sampled_from([0, 2, 3])
)


def _same(a: Percentage | None, b: Percentage | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a.equals(b))


def _reference(
    items: list[tuple[int, int, list[dict[str, Any]]]],
    reg: RegimeDef,
    rr: Rounding,
    included: str,
) -> tuple[dict[str, Any], Amount, Amount | None, Amount | None]:
    defs: dict[str, Any] = {}
    amounts = []
    for v, e, combos in items:
        for combo in combos:
            defs.setdefault(combo.get("cat", ""), prepare_combo(combo, reg, "2024-12-04"))
        amounts.append(Amount(v, e).rescale_up(rr.subunits + 2) if combos else Amount(v, e))
    if included:
        for i, (_, _, combos) in enumerate(items):
            for combo in combos:
                if combo.get("cat") == included and combo.get("percent") is not None:
                    amounts[i] = amounts[i].remove(combo["percent"])
    categories: list[dict[str, Any]] = []
    for amount, (_, _, combos) in zip(amounts, items, strict=True):
        for combo in combos:
            code = combo.get("cat", "")
            ct = next((c for c in categories if c["code"] == code), None)
            if ct is None:
                ct = {"code": code, "rates": []}
                if defs[code] is not None and defs[code].retained:
                    ct["retained"] = True
                categories.append(ct)
            rate = None
            for r in ct["rates"]:
                if not _same(r.get("percent"), combo.get("percent")):
                    continue
                if (r.get("ext") or {}) != (combo.get("ext") or {}):
                    continue
                if r.get("country", "") != combo.get("country", ""):
                    continue
                rs = r.get("surcharge")
                if r.get("percent") is not None and not _same(
                    rs["percent"] if rs else None, combo.get("surcharge")
                ):
                    continue
                rate = r
                break
            if rate is None:
                rate = {"base": rr.zero}
                for k in ("key", "country", "ext", "percent"):
                    if combo.get(k):
                        rate[k] = combo[k]
                if combo.get("surcharge") is not None:
                    rate["surcharge"] = {"percent": combo["surcharge"], "amount": rr.zero}
                ct["rates"].append(rate)
            rate["base"] = rr.match(rate["base"], amount).add(amount)
    total: dict[str, Any] = {"categories": categories}
    sum_total(total, rr)
    exact = (
        total["sum"],
        total.get("retained"),
        next((c["amount"] for c in categories if c["code"] == included), None),
    )
    round_total(total, rr.subunits)
    return total, *exact


def _copy(items: list[tuple[int, int, list[dict[str, Any]]]]) -> Any:
    return [(v, e, [{**c} for c in combos]) for v, e, combos in items]


def _written(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_written(v) for v in value]
    return value if isinstance(value, bool | str) else str(value)


def _outcome(calculate: Callable[[], tuple[Any, ...]]) -> list[Any] | str:
    """The totals and exact sums, or the calculation error's text."""
    try:
        return list(calculate())
    except GoblError as exc:
        return str(exc)


@settings(max_examples=500, deadline=None)
@given(_ITEMS, _ROUNDING, st.sampled_from(["", "", "VAT", "IGIC"]))
def test_rows_and_totals_equal_the_reference(
    items: list[tuple[int, int, list[dict[str, Any]]]], rr: Rounding, included: str
) -> None:
    assert _ES is not None
    expected = _outcome(lambda: _reference(_copy(items), _ES, rr, included))
    got = _outcome(lambda: tuple(calculate_taxes(_copy(items), _ES, "2024-12-04", rr, included)))
    assert _written(got) == _written(expected)


def test_numerically_equal_percents_share_the_first_row() -> None:
    rr = Rounding("precise", 2)
    items = [
        (1000, 2, [{"cat": "VAT", "percent": Percentage.parse("21.0%")}]),
        (2000, 2, [{"cat": "VAT", "percent": Percentage.parse("21%")}]),
    ]
    assert _ES is not None
    total = calculate_taxes(items, _ES, "2024-12-04", rr).total
    (rate,) = total["categories"][0]["rates"]
    assert (str(rate["percent"]), str(rate["base"]), str(rate["amount"])) == (
        "21.0%",
        "30.00",
        "6.30",
    )
