"""Normalized combos kept between documents equal the combos normalized afresh.

Normalizing an invoice's combos keeps each result per (addon normalizers, members); a kept
result must give the very dict the normalizers give (members, values and their order), must
never be shared between documents, and must not confuse values that compare equal but print
differently (``21%`` and ``21.0%``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facturo.gobl.addons.es_sii import tax as sii_tax
from facturo.gobl.addons.es_tbai import tax as tbai_tax
from facturo.gobl.addons.es_verifactu import tax as verifactu_tax
from facturo.gobl.bill.normalize import ComboNormalizer, normalize_combo_chain, normalize_document
from facturo.gobl.num import Percentage

_NORMALIZERS = st.sampled_from(
    [
        (),
        (verifactu_tax.normalize_combo,),
        (tbai_tax.normalize_combo,),
        (sii_tax.normalize_combo,),
        (verifactu_tax.normalize_combo, sii_tax.normalize_combo),
    ]
)
_TEXT = st.sampled_from(["", "ES", "FR", "x"])
_COMBOS = st.fixed_dictionaries(
    {"cat": st.sampled_from(["VAT", "IGIC", "IRPF", ""])},
    optional={
        "rate": st.sampled_from(
            ["standard", "general", "zero", "exempt", "exempt+export", "general+eqs", ""]
        ),
        "key": st.sampled_from(["standard", "zero", "exempt", "export", "outside-scope", ""]),
        "country": _TEXT,
        "percent": st.sampled_from(["21%", "21.0%", "0%"]).map(Percentage.parse),
        "ext": st.dictionaries(
            st.sampled_from(
                ["es-verifactu-exempt", "es-verifactu-op-class", "es-sii-exempt", "es-tbai-x"]
            ),
            st.sampled_from(["E1", "E2", "S1", "N1", ""]),
            max_size=2,
        ),
        "tags": st.lists(st.sampled_from(["zero", "exempt"]), max_size=1),
    },
)


def _copy(combo: dict[str, Any]) -> dict[str, Any]:
    """A copy with fresh ext and tags containers (percentages are immutable values)."""
    return {k: v.copy() if isinstance(v, dict | list) else v for k, v in combo.items()}


def _document(combos: list[dict[str, Any]]) -> dict[str, Any]:
    return {"lines": [{"taxes": [c]} for c in combos]}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_COMBOS, min_size=1, max_size=4), _NORMALIZERS)
def test_normalized_combos_equal_a_fresh_normalization(
    combos: list[dict[str, Any]], extra: tuple[ComboNormalizer, ...]
) -> None:
    expected = []
    for c in combos:
        fresh = _copy(c)
        normalize_combo_chain(fresh, extra)
        expected.append(fresh)
    for _ in range(2):  # the second document is served from what the first one kept
        doc = _document([_copy(c) for c in combos])
        normalize_document(doc, combo_normalizers=extra)
        got = [line["taxes"][0] for line in doc["lines"]]
        assert [list(g.items()) for g in got] == [list(e.items()) for e in expected]


def test_kept_results_are_not_shared_between_documents() -> None:
    extra = (verifactu_tax.normalize_combo,)
    first = _document([{"cat": "VAT", "rate": "standard"}])
    normalize_document(first, combo_normalizers=extra)
    first["lines"][0]["taxes"][0]["ext"]["es-verifactu-op-class"] = "changed"
    first["lines"][0]["taxes"][0]["key"] = "changed"
    second = _document([{"cat": "VAT", "rate": "standard"}])
    normalize_document(second, combo_normalizers=extra)
    combo = second["lines"][0]["taxes"][0]
    assert combo["key"] == "standard"
    assert combo["ext"] == {"es-verifactu-regime": "01", "es-verifactu-op-class": "S1"}


def test_percentages_that_compare_equal_keep_their_own_text() -> None:
    for text in ("21%", "21.0%", "21%"):
        doc = _document([{"cat": "VAT", "percent": Percentage.parse(text)}])
        normalize_document(doc, combo_normalizers=())
        assert str(doc["lines"][0]["taxes"][0]["percent"]) == text
