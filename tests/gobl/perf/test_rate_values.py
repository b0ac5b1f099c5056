"""Rate values kept per (category, key, rate, date) are the values in force for each combo.

A rate's value is looked up once per date and then reused, except when the rate's values are
chosen by the combo's ext codes (Portugal's regions), which must be resolved per combo.
"""

from __future__ import annotations

from typing import Any

import pytest

from facturo.gobl.errors import GoblError
from facturo.gobl.tax.combo import prepare_combo
from facturo.gobl.tax.regime_def import regime


def _percent(country: str, combo: dict[str, Any], date: str) -> str:
    prepare_combo(combo, regime(country), date)
    return str(combo.get("percent"))


@pytest.mark.parametrize("rounds", [1, 2])
def test_each_date_gets_the_value_in_force_then(rounds: int) -> None:
    for _ in range(rounds):  # the second round is served from what the first one kept
        for date, expected in [
            ("2024-12-04", "21.0%"),
            ("2011-01-01", "18.0%"),
            ("2012-09-01", "21.0%"),
            ("2012-08-31", "18.0%"),
            ("1996-01-01", "16.0%"),
        ]:
            assert _percent("ES", {"cat": "VAT", "rate": "general"}, date) == expected


def test_a_date_before_any_value_fails_every_time() -> None:
    for _ in range(2):
        with pytest.raises(GoblError, match="rate value unavailable for 'general'"):
            prepare_combo({"cat": "VAT", "rate": "general"}, regime("ES"), "1980-01-01")


def test_values_chosen_by_ext_are_resolved_for_each_combo() -> None:
    date = "2024-12-04"
    for _ in range(2):
        assert _percent("PT", {"cat": "VAT", "rate": "general"}, date) == "23.0%"
        azores = {"cat": "VAT", "rate": "general", "ext": {"pt-region": "PT-AC"}}
        assert _percent("PT", azores, date) == "16.0%"
        madeira = {"cat": "VAT", "rate": "general", "ext": {"pt-region": "PT-MA"}}
        assert _percent("PT", madeira, date) == "22.0%"


def test_surcharges_come_and_go_with_the_rate() -> None:
    combo: dict[str, Any] = {"cat": "VAT", "rate": "general+eqs"}
    prepare_combo(combo, regime("ES"), "2024-12-04")
    assert (str(combo["percent"]), str(combo["surcharge"])) == ("21.0%", "5.2%")
    combo["rate"] = "general"
    prepare_combo(combo, regime("ES"), "2024-12-04")
    assert "surcharge" not in combo
