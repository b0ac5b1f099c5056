"""Combo rules answered from the table kept between documents equal the rules applied afresh.

:func:`facturo.gobl.tax.combo_rules.check_combo` keeps the fault a (regime, category, key,
rate) gives; the kept answer must be the one the regime's definitions give, whichever regime
(the document's or the combo's own country) and in whatever order combos come, and values that
are not text must still be judged by the definitions each time.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.gobl.num import Percentage
from facturo.gobl.rules.faults import Faults
from facturo.gobl.rules.walk import RuleContext
from facturo.gobl.tax import combo_rules
from facturo.gobl.tax.combo import combo_regime
from facturo.gobl.tax.regime_def import RegimeDef, regime

_REGIMES = st.sampled_from(["ES", "PT", "FR", "NL", ""])
_COMBOS = st.fixed_dictionaries(
    {"cat": st.sampled_from(["VAT", "IGIC", "IRPF", "NOPE", ""])},
    optional={
        "rate": st.sampled_from(
            ["general", "intermediate", "super-reduced", "exempt", "general+eqs", "nope", ""]
        )
        | st.none(),
        "key": st.sampled_from(["standard", "zero", "exempt", "export", "reverse-charge", "nope"])
        | st.just(""),
        "country": st.sampled_from(["ES", "PT", "FR", "XX", ""]),
        "percent": st.sampled_from(["21%", "0%"]).map(Percentage.parse) | st.none(),
        "surcharge": st.sampled_from(["5.2%"]).map(Percentage.parse) | st.none(),
    },
)


def _fresh(combo: dict[str, Any], doc_regime: RegimeDef | None) -> list[tuple[str, str]]:
    """gobl's combo rules 01, 02, 03 and 05 spelled out, without any kept answer."""
    out = []
    if combo.get("surcharge") is not None and combo.get("percent") is None:
        out.append(("GOBL-TAX-COMBO-05", "$.c"))
    reg = combo_regime(combo, doc_regime) if "country" in combo else doc_regime
    if reg is None:
        return out
    cat = reg.categories.get(combo.get("cat", ""))
    if cat is None:
        return [*out, ("GOBL-TAX-COMBO-01", "$.c")]
    key = combo.get("key") or ""
    if key and cat.keys and key not in cat.keys:
        return [*out, ("GOBL-TAX-COMBO-02", "$.c")]
    rate = combo.get("rate")
    if rate and not (key and cat.keys.get(key)):
        rates = {rd.rate for rd in cat.rates if (key in rd.keys if key else not rd.keys)}
        if rate not in rates and rate.split("+", 1)[0] not in rates:
            out.append(("GOBL-TAX-COMBO-03", "$.c"))
    return out


def _checked(combo: dict[str, Any], doc_regime: RegimeDef | None) -> list[tuple[str, str]]:
    f = Faults()
    combo_rules.check_combo(f, combo, "$.c", RuleContext({}, doc_regime))
    return [(fault.code, path) for fault in f.to_list() for path in fault.paths]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_COMBOS, _REGIMES), min_size=1, max_size=8))
def test_kept_answers_equal_the_rules_applied_afresh(
    cases: list[tuple[dict[str, Any], str]],
) -> None:
    for combo, country in cases * 2:  # the second round is answered from the table
        doc_regime = regime(country) if country else None
        assert _checked(combo, doc_regime) == _fresh(combo, doc_regime)


def test_the_same_rate_is_judged_by_each_regime() -> None:
    combo = {"cat": "VAT", "key": "standard", "rate": "super-reduced"}
    es, nl = regime("ES"), regime("NL")
    assert es is not None
    assert nl is not None
    for _ in range(2):
        assert _checked(combo, es) == []
        assert _checked(combo, nl) == [("GOBL-TAX-COMBO-03", "$.c")]


def test_values_that_are_not_text_are_judged_each_time() -> None:
    es = regime("ES")
    assert es is not None
    assert _checked({"cat": "VAT", "key": 7}, es) == [("GOBL-TAX-COMBO-02", "$.c")]
