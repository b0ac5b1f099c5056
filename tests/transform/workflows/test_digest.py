"""The content hash of a published version: same content, same hash; any change, a new one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from facturo.transform.workflows.digest import (
    canonical_json,
    content_hash,
    short_hash,
)
from facturo.transform.workflows.models import Workflow

TEMPLATE = (
    Path(__file__).resolve().parents[4]
    / "shared"
    / "data"
    / "invopop"
    / "workflows"
    / "current"
    / "es__verifactu-invoice.json"
)


def _template() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TEMPLATE.read_text("utf-8"))
    return data


def _hash(document: dict[str, Any]) -> str:
    return content_hash(Workflow.model_validate(document))


def test_hash_is_sha256_hex_and_short_hash_its_prefix() -> None:
    workflow = Workflow.model_validate(_template())
    full = content_hash(workflow)
    assert len(full) == 64
    assert int(full, 16) >= 0
    assert short_hash(workflow) == full[:12]


def test_provider_and_action_spellings_hash_the_same() -> None:
    legacy = _template()
    modern = json.loads(json.dumps(legacy).replace('"provider":', '"action":'))
    assert _hash(legacy) == _hash(modern)


def test_wire_form_hashes_like_the_export() -> None:
    document = _template()
    assert _hash(Workflow.model_validate(document).to_wire()) == _hash(document)


def test_key_order_does_not_matter() -> None:
    document = _template()
    reversed_keys = dict(reversed(list(document.items())))
    assert _hash(reversed_keys) == _hash(document)


def test_resource_fields_do_not_change_the_hash() -> None:
    document = _template()
    resource = {
        **document,
        "id": "0196e0a2-5c1e-7a3e-9d4b-2f1c8e6a1b23",
        "version": "7",
        "draft": True,
        "disabled": True,
        "hash": "x",
        "created_at": "2026-04-30T08:39:57Z",
        "updated_at": "2026-05-01T08:39:57Z",
        "versions": [{"version": "6"}],
    }
    assert _hash(resource) == _hash(document)


def test_go_zero_values_do_not_change_the_hash() -> None:
    document = _template()
    padded = json.loads(json.dumps(document))
    padded["country"] = ""
    padded["steps"][0]["next"] = []
    padded["steps"][0]["notes"] = ""
    padded["steps"][2]["config"] = {}
    assert _hash(padded) == _hash(document)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["steps"][5]["config"].update(logo_height=61),
        lambda d: d["steps"].pop(),
        lambda d: d["rescue"][0]["config"].update(state="rejected"),
        lambda d: d.update(name="Another name"),
        lambda d: d.update(extra_key=1),
        lambda d: d["steps"][4].update(next=[{"status": "KO", "code": "4107", "stop": True}]),
        lambda d: d["steps"].reverse(),
    ],
    ids=["config", "step removed", "rescue", "name", "unknown key", "condition", "order"],
)
def test_any_change_of_content_changes_the_hash(change: Any) -> None:
    document = _template()
    changed = json.loads(json.dumps(document))
    change(changed)
    assert _hash(changed) != _hash(document)


def test_canonical_json_is_compact_sorted_utf8() -> None:
    workflow = Workflow.model_validate(
        {"name": "Factura ñ", "schema": "bill/invoice", "steps": [{"id": "a", "provider": "pdf"}]}
    )
    assert (
        canonical_json(workflow)
        == (
            '{"name":"Factura ñ","schema":"bill/invoice","steps":[{"action":"pdf","id":"a"}]}'
        ).encode()
    )
