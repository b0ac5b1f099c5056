"""Contract test: the running server against Invopop's own OpenAPI documents.

Every operation of ``silo_v1.yaml`` and ``utils_v1.yaml`` is driven over real HTTP with inputs
schemathesis generates from the document (bounded: ``MAX_EXAMPLES`` per operation). Every
response must be no server error and, where the document describes the response, conform to it
(body schema, content type, headers). Path ids are pointed at a real entry (and file) most of
the time, so generated bodies reach the handlers instead of stopping at a 404.

Checks left out, and why:

- ``status_code_conformance``: the document lists only the 200 of each operation, while the
  contract (spec §1.3) answers 401/404/409/413/422 with its error body.
- ``positive_data_acceptance``: the document's schemas are looser than its own prose, which
  Facturo enforces: ``limit`` is "up to 100", ids are UUIDs, a state key is a key, files need
  ``sha256``/``size``/``mime`` without ``data``, ``data`` must be a GOBL document.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from facturo.platform.ids import uuid7

SHARED = Path(__file__).resolve().parents[3] / "shared"
OPENAPI = SHARED / "data/invopop/openapi"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]


def _seed(http: httpx.Client, auth: dict[str, str]) -> dict[str, str]:
    entry = http.post("/silo/v1/entries", json={"data": INVOICE, "key": "seed"}, headers=auth)
    assert entry.status_code == 200, entry.text
    entry_id = entry.json()["id"]
    file = http.post(
        f"/silo/v1/entries/{entry_id}/files",
        json={"name": "a.txt", "data": base64.b64encode(b"a").decode()},
        headers=auth,
    )
    assert file.status_code == 200, file.text
    return {"entry_id": entry_id, "file_id": file.json()["id"], "version": entry.json()["version"]}


def _aim(case: Any, known: dict[str, str]) -> None:
    """Point path ids at the seeded entry, so generated bodies reach the handlers."""
    params = case.path_parameters
    if not params:
        return
    path, method = case.operation.path, case.method.upper()
    if "entry_id" in params:
        params["entry_id"] = known["entry_id"]
    if path == "/silo/v1/entries/{id}":
        params["id"] = str(uuid7()) if method == "PUT" else known["entry_id"]
    elif path.startswith("/silo/v1/entries/{id}/"):
        params["id"] = known["entry_id"]
    if path == "/silo/v1/entries/{entry_id}/files/{id}" and method == "GET":
        params["id"] = known["file_id"]
    if path.endswith("/versions/{version}"):
        params["version"] = known["version"]


def _drive(document: Path, base_url: str, auth: dict[str, str], known: dict[str, str]) -> int:
    schema = schemathesis.openapi.from_path(document)
    driven = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            _aim(case, known)
            case.call_and_validate(base_url=base_url, headers=auth, checks=CHECKS)

        run()
        driven += 1
    return driven


@pytest.mark.parametrize(("document", "operations"), [("silo_v1.yaml", 22), ("utils_v1.yaml", 2)])
def test_server_conforms_to_the_official_openapi(
    live_url: str, http: httpx.Client, auth: dict[str, str], document: str, operations: int
) -> None:
    known = _seed(http, auth)
    assert _drive(OPENAPI / document, live_url, auth, known) == operations
