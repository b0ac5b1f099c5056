"""Percentages are immutable values: copying and pickling give an equal value that prints alike."""

from __future__ import annotations

import copy
import pickle

import pytest

from facturo.gobl.num.percentage import Percentage


@pytest.mark.parametrize("text", ["21%", "21.0%", "0.210", "5.2%", "-1.5%", "0%"])
def test_copies_and_pickles_keep_value_and_text(text: str) -> None:
    p = Percentage.parse(text)
    doc = {"percent": p, "rates": [p]}
    unpickled = pickle.loads(pickle.dumps(p))  # noqa: S301 (our own bytes)
    for twin in (copy.copy(p), copy.deepcopy(p), unpickled):
        assert twin == p
        assert str(twin) == str(p)
    deep = copy.deepcopy(doc)
    assert deep == doc
    assert deep is not doc
    assert deep["rates"] is not doc["rates"]
