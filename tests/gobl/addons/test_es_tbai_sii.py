"""Table tests for the es-tbai-v1 and es-sii-v1 normalizers: codes set per key and country."""

from __future__ import annotations

from typing import Any

import pytest

from facturo.gobl.addons.es_sii import bill as sii_bill
from facturo.gobl.addons.es_sii import tax as sii_tax
from facturo.gobl.addons.es_tbai import bill as tbai_bill
from facturo.gobl.addons.es_tbai import tax as tbai_tax


@pytest.mark.parametrize(
    ("combo", "key", "ext"),
    [
        ({"cat": "VAT", "rate": "general"}, "standard", {}),
        ({"cat": "VAT", "key": "reverse-charge"}, "reverse-charge", {"es-tbai-exemption": "S2"}),
        (
            {"cat": "VAT", "key": "export"},
            "export",
            {"es-tbai-exemption": "E2", "es-tbai-regime": "02"},
        ),
        (
            {"cat": "VAT", "key": "exempt", "ext": {"es-tbai-exemption": "E6"}},
            "exempt",
            {"es-tbai-exemption": "E6"},
        ),
        (
            {"cat": "VAT", "ext": {"es-tbai-exemption": "E5"}},
            "intra-community",
            {"es-tbai-exemption": "E5"},
        ),
        ({"cat": "VAT", "key": "outside-scope"}, "outside-scope", {"es-tbai-exemption": "RL"}),
        ({"cat": "VAT", "rate": "general+eqs"}, "standard", {"es-tbai-regime": "51"}),
        ({"cat": "VAT", "country": "NL", "rate": "standard"}, None, {"es-tbai-exemption": "IE"}),
        ({"cat": "VAT", "country": "GB", "rate": "standard"}, None, {"es-tbai-exemption": "RL"}),
        ({"cat": "IGIC"}, None, {"es-tbai-exemption": "IE"}),
    ],
)
def test_tbai_combo(combo: dict[str, Any], key: str | None, ext: dict[str, str]) -> None:
    tbai_tax.normalize_combo(combo)
    assert combo.get("key") == key
    assert (combo.get("ext") or {}) == ext


@pytest.mark.parametrize(
    ("region", "tags", "item_key", "tax_ext", "combo_ext"),
    [
        (
            "Bizkaia",
            [],
            "services",
            {"es-tbai-region": "BI"},
            {"es-tbai-product": "services", "es-tbai-regime": "01"},
        ),
        (
            "Álava",
            [],
            "goods",
            {"es-tbai-region": "VI"},
            {"es-tbai-product": "goods", "es-tbai-regime": "01"},
        ),
        (
            "gipuzkoa",
            ["simplified-scheme"],
            "",
            {"es-tbai-region": "SS"},
            {"es-tbai-product": "services", "es-tbai-regime": "52"},
        ),
        ("Madrid", [], "other", {}, {"es-tbai-regime": "01"}),
    ],
)
def test_tbai_invoice(
    region: str, tags: list[str], item_key: str, tax_ext: dict[str, str], combo_ext: dict[str, str]
) -> None:
    combo: dict[str, Any] = {"cat": "VAT", "key": "standard"}
    inv: dict[str, Any] = {
        "$tags": tags,
        "supplier": {"addresses": [{"region": region}]},
        "lines": [{"item": {"key": item_key}, "taxes": [combo]}],
    }
    tbai_bill.normalize_invoice(inv)
    assert (inv.get("tax") or {}).get("ext", {}) == tax_ext
    assert combo["ext"] == combo_ext


@pytest.mark.parametrize(
    ("combo", "key", "ext"),
    [
        ({"cat": "VAT", "rate": "general"}, "standard", {"es-sii-regime": "01"}),
        (
            {"cat": "VAT", "key": "outside-scope"},
            "outside-scope",
            {"es-sii-outside-scope": "location", "es-sii-regime": "01"},
        ),
        ({"cat": "VAT", "key": "export"}, "export", {"es-sii-exempt": "E2", "es-sii-regime": "02"}),
        (
            {"cat": "VAT", "ext": {"es-sii-exempt": "E6"}},
            "exempt",
            {"es-sii-exempt": "E6", "es-sii-regime": "01"},
        ),
        (
            {"cat": "VAT", "ext": {"es-sii-outside-scope": "other"}},
            "outside-scope",
            {"es-sii-outside-scope": "other", "es-sii-regime": "01"},
        ),
        (
            {"cat": "IGIC", "country": "FR"},
            None,
            {"es-sii-outside-scope": "location", "es-sii-regime": "01"},
        ),
        ({"cat": "IRPF", "key": "pro"}, "pro", {}),
    ],
)
def test_sii_combo(combo: dict[str, Any], key: str | None, ext: dict[str, str]) -> None:
    sii_tax.normalize_combo(combo)
    assert combo.get("key") == key
    assert (combo.get("ext") or {}) == ext


@pytest.mark.parametrize(
    ("inv", "tax_ext"),
    [
        ({"type": "credit-note"}, {"es-sii-correction-type": "I", "es-sii-doc-type": "R1"}),
        (
            {"type": "corrective", "tax": {"ext": {"es-sii-doc-type": "R3"}}},
            {"es-sii-correction-type": "S", "es-sii-doc-type": "R3"},
        ),
        ({"type": "standard", "$tags": ["self-billed"]}, {"es-sii-third-party-issuer": "S"}),
        (
            {"type": "standard", "ordering": {"issuer": {"name": "X"}}},
            {"es-sii-third-party-issuer": "S"},
        ),
        (
            {"type": "standard", "preceding": [{"ext": {"es-sii-doc-type": "F1"}}]},
            {"es-sii-doc-type": "F1"},
        ),
        ({"type": "standard"}, {}),
    ],
)
def test_sii_invoice(inv: dict[str, Any], tax_ext: dict[str, str]) -> None:
    sii_bill.normalize_invoice(inv)
    assert (inv.get("tax") or {}).get("ext", {}) == tax_ext


@pytest.mark.parametrize(
    ("normalize", "ext_key"),
    [
        (sii_bill.normalize_invoice, "es-sii-identity-type"),
        (tbai_bill.normalize_invoice, "es-tbai-identity-type"),
    ],
)
@pytest.mark.parametrize(
    ("id_key", "code"),
    [("passport", "03"), ("foreign", "04"), ("resident", "05"), ("other", "06"), ("x", None)],
)
def test_identity_type(normalize: Any, ext_key: str, id_key: str, code: str | None) -> None:
    inv: dict[str, Any] = {
        "type": "standard",
        "customer": {"identities": [{"key": id_key, "code": "1"}]},
    }
    normalize(inv)
    assert (inv["customer"]["identities"][0].get("ext") or {}).get(ext_key) == code
