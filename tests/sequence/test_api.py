"""``/sequence/v1`` over real HTTP: series and entries as ``sequence_v1.yaml`` shapes them."""

from __future__ import annotations

import httpx

from facturo.platform.ids import uuid7


def test_series_and_entries_round_trip(http: httpx.Client, auth: dict[str, str]) -> None:
    series_id = str(uuid7())
    body = {"name": "Spanish Invoices", "code": "INV", "prefix": "ES-", "padding": 5, "start": 1}
    created = http.put(f"/sequence/v1/series/{series_id}", json=body, headers=auth)
    assert created.status_code == 200, created.text
    series = created.json()
    assert series["id"] == series_id
    assert series["last_index"] == 0
    assert {k: series[k] for k in body} == body

    assert http.put(f"/sequence/v1/series/{series_id}", json=body, headers=auth).json() == series
    changed = http.put(
        f"/sequence/v1/series/{series_id}", json={**body, "prefix": "FR-"}, headers=auth
    )
    assert changed.status_code == 409

    entry_ids = [str(uuid7()) for _ in range(3)]
    codes = []
    for entry_id in entry_ids:
        reply = http.put(
            f"/sequence/v1/series/{series_id}/entries/{entry_id}",
            json={"meta": {"invoice_id": entry_id}},
            headers=auth,
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["meta"] == {"invoice_id": entry_id}
        codes.append(reply.json()["code"])
    assert codes == ["ES-00001", "ES-00002", "ES-00003"]
    again = http.put(
        f"/sequence/v1/series/{series_id}/entries/{entry_ids[0]}", json={}, headers=auth
    )
    assert again.json()["code"] == "ES-00001"

    fetched = http.get(f"/sequence/v1/series/{series_id}/entries/{entry_ids[1]}", headers=auth)
    assert fetched.json()["previous_id"] == entry_ids[0]
    assert http.get(f"/sequence/v1/series/{series_id}", headers=auth).json()["last_index"] == 3

    first = http.get(f"/sequence/v1/series/{series_id}/entries?limit=2", headers=auth).json()
    assert [e["code"] for e in first["list"]] == ["ES-00003", "ES-00002"]
    rest = http.get(
        f"/sequence/v1/series/{series_id}/entries",
        params={"limit": 2, "cursor": first["cursor"]},
        headers=auth,
    ).json()
    assert [e["code"] for e in rest["list"]] == ["ES-00001"]
    assert "cursor" not in rest

    listed = http.get("/sequence/v1/series", headers=auth).json()["list"]
    assert [s["id"] for s in listed] == [series_id]


def test_the_guide_s_last_index_is_the_start(http: httpx.Client, auth: dict[str, str]) -> None:
    series_id = str(uuid7())
    body = {"name": "Migrated", "padding": 3, "last_index": 101}
    assert http.put(f"/sequence/v1/series/{series_id}", json=body, headers=auth).status_code == 200
    entry = http.put(f"/sequence/v1/series/{series_id}/entries/{uuid7()}", json={}, headers=auth)
    assert entry.json()["code"] == "101"


def test_errors(http: httpx.Client, auth: dict[str, str]) -> None:
    missing = str(uuid7())
    assert http.get(f"/sequence/v1/series/{missing}", headers=auth).status_code == 404
    reply = http.put(f"/sequence/v1/series/{missing}/entries/{uuid7()}", json={}, headers=auth)
    assert reply.status_code == 404
    assert reply.json()["message"] == "sequence not found"
    assert http.get("/sequence/v1/series").status_code == 401
    bad = http.put(f"/sequence/v1/series/{missing}", json={"padding": -1}, headers=auth)
    assert bad.status_code == 422
    assert http.get(f"/sequence/v1/series/{missing}", headers=auth).status_code == 404
    signed = http.put(f"/sequence/v1/series/{missing}", json={"sig": "x.y.z"}, headers=auth)
    assert signed.status_code == 422
    cursor = http.get(f"/sequence/v1/series/{missing}/entries?cursor=zz", headers=auth)
    assert cursor.status_code == 404
