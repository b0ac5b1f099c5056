"""A created entry is answered from what was written: the same as reading it back."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx

from facturo.platform.ids import uuid7

INVOICE = json.loads(
    (
        Path(__file__).resolve().parents[2]
        / "../shared/data/invopop/gobl/es-verifactu-b2b-invoice.min.json"
    ).read_text()
)


def test_put_answers_what_get_reads_back(http: httpx.Client, auth: dict[str, str]) -> None:
    entry_id = uuid7()
    body = {"data": copy.deepcopy(INVOICE), "key": "inv-1"}
    created = http.put(f"/silo/v1/entries/{entry_id}", json=body, headers=auth)
    assert created.status_code == 200, created.text
    read = http.get(f"/silo/v1/entries/{entry_id}", headers=auth)
    assert read.status_code == 200
    assert created.json() == read.json()
    assert [v["version"] for v in created.json()["versions"]] == [created.json()["version"]]


def test_a_taken_id_is_409_before_the_document_is_looked_at(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    entry_id = uuid7()
    body = {"data": INVOICE, "key": "k"}
    first = http.put(f"/silo/v1/entries/{entry_id}", json=body, headers=auth)
    assert first.status_code == 200, first.text
    unbuildable = {"data": {"nope": 1}}
    again = http.put(f"/silo/v1/entries/{entry_id}", json=unbuildable, headers=auth)
    assert again.status_code == 409
    assert again.json()["message"] == "entry already exists with same id"
    taken_key = http.put(
        f"/silo/v1/entries/{uuid7()}", json={**unbuildable, "key": "k"}, headers=auth
    )
    assert taken_key.status_code == 409
    free_key = http.put(
        f"/silo/v1/entries/{uuid7()}", json={**unbuildable, "key": "k2"}, headers=auth
    )
    assert free_key.status_code == 422
