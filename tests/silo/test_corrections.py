"""Corrections in the Silo: ``previous_id`` + ``correct`` on create, and ``/gobl/correct``."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from facturo.gobl import validate
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.silo.tables import EntryRow

SHARED = Path(__file__).resolve().parents[3] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())


def _count(rt: Runtime) -> int:
    with rt.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(EntryRow)) or 0


def _stored(http: httpx.Client, auth: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    res = http.put(f"/silo/v1/entries/{uuid7()}", json={"data": data}, headers=auth)
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


def _pointers(res: httpx.Response) -> dict[str, str]:
    return {e["pointer"]: e["code"] for e in res.json()["errors"]}


def test_credit_note_from_previous_entry_over_http(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    original = _stored(http, auth, INVOICE)
    res = http.post(
        "/silo/v1/entries",
        json={
            "previous_id": original["id"],
            "correct": {"type": "credit-note", "reason": "Returned goods", "series": "R"},
            "key": "credit-R-1",
        },
        headers=auth,
    )
    assert res.status_code == 200, res.text
    entry = res.json()
    doc = entry["data"]["doc"]
    assert entry["id"] != original["id"]
    assert entry["folder"] == "sales"
    assert entry["invalid"] is False
    assert doc["type"] == "credit-note"
    assert doc["series"] == "R"
    assert "code" not in doc
    assert doc["tax"]["ext"]["es-verifactu-doc-type"] == "R1"
    assert doc["tax"]["ext"]["es-verifactu-correction-type"] == "I"
    previous = original["data"]["doc"]
    ref = doc["preceding"][0]
    assert (ref["uuid"], ref["code"], ref["reason"]) == (previous["uuid"], "004", "Returned goods")
    assert ref["tax"] == previous["totals"]["taxes"]
    validate(entry["data"])
    fetched = http.get("/silo/v1/entries/key/credit-R-1", headers=auth)
    assert fetched.json()["id"] == entry["id"]
    # the original is untouched
    again = http.get(f"/silo/v1/entries/{original['id']}", headers=auth).json()
    assert again["data"] == original["data"]


def test_corrective_with_legacy_credit_flag_and_signing(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    original = _stored(http, auth, INVOICE)
    res = http.post(
        "/silo/v1/entries",
        json={"previous_id": original["id"], "correct": {"credit": True}, "sign": True},
        headers=auth,
    )
    # a correction has no code yet, and signing needs one: refused, as for any draft
    assert res.status_code == 422, res.text
    assert _pointers(res) == {"#/data": "GOBL-ENVELOPE-13"}
    unsigned = http.post(
        "/silo/v1/entries",
        json={"previous_id": original["id"], "correct": {"credit": True}},
        headers=auth,
    )
    assert unsigned.status_code == 200, unsigned.text
    assert unsigned.json()["data"]["doc"]["type"] == "credit-note"


def test_correction_faults_point_into_the_request_and_store_nothing(
    http: httpx.Client, runtime: Runtime, auth: dict[str, str]
) -> None:
    draft = copy.deepcopy(INVOICE)
    del draft["code"]
    without_code = _stored(http, auth, draft)
    with_code = _stored(http, auth, INVOICE)
    stored = _count(runtime)

    no_code = http.post(
        "/silo/v1/entries",
        json={"previous_id": without_code["id"], "correct": {"type": "credit-note"}},
        headers=auth,
    )
    assert no_code.status_code == 422
    assert _pointers(no_code) == {"#/previous_id": "GOBL-BILL-CORRECTION-02"}

    bad_type = http.post(
        "/silo/v1/entries",
        json={"previous_id": with_code["id"], "correct": {"type": "proforma"}},
        headers=auth,
    )
    assert bad_type.status_code == 422
    assert _pointers(bad_type) == {"#/correct/type": "GOBL-BILL-CORRECTION-04"}
    assert "type" in bad_type.json()["fields"]["correct"]

    with_data = http.post(
        "/silo/v1/entries",
        json={"previous_id": with_code["id"], "correct": {"type": "credit-note"}, "data": INVOICE},
        headers=auth,
    )
    assert with_data.status_code == 422
    assert _pointers(with_data) == {"#/data": "conflict"}

    alone = http.post("/silo/v1/entries", json={"correct": {"type": "credit-note"}}, headers=auth)
    assert alone.status_code == 422
    assert _pointers(alone) == {"#/previous_id": "required"}

    broken = copy.deepcopy(INVOICE)
    broken["$tags"] = ["no-such-tag"]  # cannot even be calculated
    stored_broken = http.put(
        f"/silo/v1/entries/{uuid7()}", json={"data": broken, "allow_invalid": True}, headers=auth
    ).json()
    stored += 1
    uncalculable = http.post(
        "/silo/v1/entries",
        json={"previous_id": stored_broken["id"], "correct": {"type": "credit-note"}},
        headers=auth,
    )
    assert uncalculable.status_code == 422
    assert _pointers(uncalculable) == {"#/previous_id": "calculation"}

    missing = http.post(
        "/silo/v1/entries",
        json={"previous_id": str(uuid7()), "correct": {"type": "credit-note"}},
        headers=auth,
    )
    assert missing.status_code == 404
    assert _count(runtime) == stored


def test_gobl_correct_endpoint(http: httpx.Client, auth: dict[str, str]) -> None:
    envelope = http.post(
        "/silo/v1/gobl/build", json={"data": INVOICE, "envelop": True}, headers=auth
    ).json()["data"]
    res = http.post(
        "/silo/v1/gobl/correct",
        json={"data": envelope, "options": {"type": "corrective"}},
        headers=auth,
    )
    assert res.status_code == 200, res.text
    doc = res.json()["data"]["doc"]
    assert doc["type"] == "corrective"
    assert doc["tax"]["ext"]["es-verifactu-correction-type"] == "S"
    assert doc["preceding"][0]["uuid"] == envelope["doc"]["uuid"]

    schema = http.post(
        "/silo/v1/gobl/correct", json={"data": envelope, "show_options": True}, headers=auth
    )
    assert schema.status_code == 200
    props = schema.json()["data"]["$defs"]["bill.CorrectionOptions"]["properties"]
    assert "es-verifactu-doc-type" in props["ext"]["properties"]

    bare = http.post(
        "/silo/v1/gobl/correct",
        json={"data": INVOICE, "options": {"type": "credit-note"}},
        headers=auth,
    )
    assert bare.status_code == 422
    assert _pointers(bare) == {"#/data": "envelope"}

    draft = copy.deepcopy(envelope)
    del draft["doc"]["code"]
    no_code = http.post(
        "/silo/v1/gobl/correct",
        json={"data": draft, "options": {"type": "credit-note", "oops": 1}},
        headers=auth,
    )
    assert no_code.status_code == 422
    assert _pointers(no_code) == {"#/options/oops": "GOBL-BILL-CORRECTION-OPTIONS-01"}
