"""Invopop's supplier registration and unregister workflows, unchanged, run end to end.

The platform runs as ``facturo serve`` does (API, in-process workers, the AEAT sandbox with its
census on loopback), on SQLite and on PostgreSQL. A client stores a GOBL ``org/party`` entry and
runs ``es__verifactu-supplier-registration.json``; the operator answers through
``/verifactu/v1/registrations`` while the job waits, and the job follows: OK and state
``registered`` when approved, the rescue (unregister, state ``rejected``) when refused or when
the census does not know the NIF. The job arg ``verifactu-wait`` makes the waiting steps poll
every second instead of hourly.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from facturo.platform import services
from facturo.platform.ids import uuid7
from facturo.platform.settings import Settings

pytestmark = pytest.mark.e2e

SHARED = Path(__file__).resolve().parents[3] / "shared"
WORKFLOWS = SHARED / "data/invopop/workflows/current"
SUPPLIER = "B85905495"
STRANGER = "A58818501"  # a valid NIF the sandbox's census does not hold
POLL = {"verifactu-wait": "1"}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        log_json=False,
        aeat_sandbox_port=0,  # services.start binds a free port and records it
        aeat_sandbox_wait_seconds=0,
        aeat_sandbox_census=[SUPPLIER],
        mail_sink_port=0,
        worker_poll_seconds=0.2,
    )


@pytest.fixture
def api(http: httpx.Client, auth: dict[str, str]) -> httpx.Client:
    http.headers.update(auth)
    http.timeout = httpx.Timeout(90)
    return http


def workflow(api: httpx.Client, name: str) -> str:
    exported = json.loads((WORKFLOWS / f"{name}.json").read_text())
    workflow_id = str(uuid.uuid4())
    reply = api.put(f"/transform/v1/workflows/{workflow_id}", json=exported)
    assert reply.status_code == 200, reply.text
    return workflow_id


def party(api: httpx.Client, nif: str) -> str:
    data = {
        "$schema": "https://gobl.org/draft-0/org/party",
        "name": "Provide One S.L.",
        "tax_id": {"country": "ES", "code": nif},
    }
    entry_id = str(uuid7())
    reply = api.put(f"/silo/v1/entries/{entry_id}", json={"data": data})
    assert reply.status_code == 200, reply.text
    return entry_id


def start(api: httpx.Client, workflow_id: str, entry_id: str, wait: int) -> dict[str, Any]:
    reply = api.post(
        f"/transform/v1/jobs?wait={wait}",
        json={"workflow_id": workflow_id, "silo_entry_id": entry_id, "args": POLL},
    )
    assert reply.status_code == 202, reply.text
    job: dict[str, Any] = reply.json()
    return job


def until(api: httpx.Client, path: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """GET ``path`` until ``done`` holds (bounded: a minute at most)."""
    pause = threading.Event()
    for _ in range(240):
        body: dict[str, Any] = api.get(path).json()
        if done(body):
            return body
        pause.wait(0.25)
    raise AssertionError(f"{path} never reached the expected state")


def registration_of(api: httpx.Client, entry_id: str) -> dict[str, Any]:
    body = until(
        api,
        "/verifactu/v1/registrations",
        lambda b: any(r["silo_entry_id"] == entry_id for r in b["list"]),
    )
    [found] = [r for r in body["list"] if r["silo_entry_id"] == entry_id]
    assert isinstance(found, dict)
    return found


def finished(api: httpx.Client, job_id: str) -> dict[str, Any]:
    return until(api, f"/transform/v1/jobs/{job_id}", lambda b: bool(b.get("completed_at")))


def outcome(job: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (i["provider"], i["events"][-1]["status"], i["events"][-1].get("code", ""))
        for i in job["intents"]
    ]


def test_a_supplier_is_registered_then_unregistered(
    api: httpx.Client, background: services.Background
) -> None:
    registration_flow = workflow(api, "es__verifactu-supplier-registration")
    unregister_flow = workflow(api, "es__verifactu-unregister")
    entry_id = party(api, SUPPLIER)

    job = start(api, registration_flow, entry_id, wait=2)
    assert not job.get("completed_at")
    found = registration_of(api, entry_id)
    assert found["tax_id"]["code"] == SUPPLIER
    entry = until(api, f"/silo/v1/entries/{entry_id}", lambda e: e["state"] == "processing")
    [link] = [m for m in entry["meta"] if (m["src"], m["key"]) == ("verifactu", "registration")]
    assert link["ref"] == found["id"]
    assert link["link_url"].endswith(f"/verifactu/v1/registrations/{found['id']}")

    document = base64.b64encode(b"%PDF-1.4 apoderamiento firmado").decode()
    url = f"/verifactu/v1/registrations/{found['id']}"
    uploaded = api.post(f"{url}/document", json={"name": "apoderamiento.pdf", "data": document})
    assert uploaded.json()["status"] == "uploaded"
    until(api, f"/silo/v1/entries/{entry_id}", lambda e: e["state"] == "registered")
    assert api.post(f"{url}/approve").json()["status"] == "approved"

    done = finished(api, job["id"])
    assert done["status"] == "OK", done
    assert [(p, s) for p, s, _ in outcome(done)] == [
        ("gov-es.lookup.verify", "OK"),
        ("verifactu.register", "OK"),
        ("silo.state", "OK"),
        ("verifactu.wait.upload", "OK"),
        ("silo.state", "OK"),
        ("verifactu.wait.approval", "OK"),
    ]
    assert api.get(f"/silo/v1/entries/{entry_id}").json()["state"] == "registered"

    ended = start(api, unregister_flow, entry_id, wait=60)
    assert ended["status"] == "OK", ended
    assert api.get(f"/silo/v1/entries/{entry_id}").json()["state"] == "void"
    assert api.get(url).json()["status"] == "unregistered"


def test_a_rejected_supplier_runs_the_rescue(
    api: httpx.Client, background: services.Background
) -> None:
    registration_flow = workflow(api, "es__verifactu-supplier-registration")
    entry_id = party(api, SUPPLIER)
    job = start(api, registration_flow, entry_id, wait=2)
    url = f"/verifactu/v1/registrations/{registration_of(api, entry_id)['id']}"
    assert api.post(f"{url}/uploaded").json()["status"] == "uploaded"
    until(api, f"/silo/v1/entries/{entry_id}", lambda e: e["state"] == "registered")
    refused = api.post(f"{url}/reject", json={"reason": "the signature is missing"})
    assert refused.json()["status"] == "rejected"

    done = finished(api, job["id"])
    assert done["status"] == "KO"
    assert outcome(done)[-3:] == [
        ("verifactu.wait.approval", "KO", "rejected"),
        ("verifactu.unregister", "OK", "unregistered"),
        ("silo.state", "OK", ""),
    ]
    assert api.get(f"/silo/v1/entries/{entry_id}").json()["state"] == "rejected"
    assert api.get(url).json()["status"] == "unregistered"


def test_a_nif_outside_the_census_is_stopped_first(
    api: httpx.Client, background: services.Background
) -> None:
    registration_flow = workflow(api, "es__verifactu-supplier-registration")
    entry_id = party(api, STRANGER)
    done = start(api, registration_flow, entry_id, wait=60)
    assert done["status"] == "KO", done
    assert outcome(done) == [
        ("gov-es.lookup.verify", "KO", "not-found"),
        ("verifactu.unregister", "SKIP", "not-registered"),
        ("silo.state", "OK", ""),
    ]
    assert "4107" in {f["code"] for f in done["faults"]}
    assert api.get(f"/silo/v1/entries/{entry_id}").json()["state"] == "rejected"
    assert api.get("/verifactu/v1/registrations").json()["list"] == []
