"""Each playbook against the AEAT sandbox answering its code: the branch taken, end to end.

The platform runs as ``facturo serve`` does, as in ``tests/e2e/test_verifactu_invoice.py``
(API on loopback, in-process workers and webhook dispatcher through ``services.start``). The
sandbox is started by the test rather than by ``services.start``, so a test can give it a clock
(2004) and steer it through its admin API (census, faults, reset); webhooks go to a receiver on
loopback that keeps every body it is posted. The playbook is installed through
``GET /transform/v1/playbooks/{name}`` and ``PUT /transform/v1/workflows/{id}``, and a job runs
on an invoice with ``?wait``. What is asserted is what a client sees: the intents'
actions and codes, the job's status and faults, the entry's state and folder, the records the
sandbox holds, and the webhooks the loopback receiver got.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from facturo.aeat_sandbox.testing import ManualClock, SandboxHandle, running_sandbox
from facturo.platform import services, workspaces
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.platform.settings import Settings

pytestmark = pytest.mark.e2e

SHARED = Path(__file__).resolve().parents[4] / "shared"
INVOICE: dict[str, Any] = json.loads(
    (SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text()
)
ISSUER = "B85905495"
CUSTOMER = "B63272603"


@dataclass
class Receiver:
    """A webhook receiver on loopback: every JSON body it was posted, in order."""

    url: str
    bodies: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    bodies: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            bodies.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks", bodies)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def aeat_clock() -> ManualClock | None:
    """The sandbox's clock; ``None`` is the real one. A test overrides it to move AEAT's time."""
    return None


@pytest.fixture
def sandbox(aeat_clock: ManualClock | None) -> Iterator[SandboxHandle]:
    kwargs: dict[str, Any] = {} if aeat_clock is None else {"clock": aeat_clock}
    with running_sandbox(census=[ISSUER, CUSTOMER], wait_seconds=0, **kwargs) as handle:
        yield handle


@pytest.fixture
def settings(tmp_path: Path, database_url: str, sandbox: SandboxHandle) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        log_json=False,
        aeat_url=sandbox.endpoint,
        mail_sink_port=0,  # the sink binds a free port; the runtime's settings name it
    )


@pytest.fixture
def api(http: httpx.Client, auth: dict[str, str], background: services.Background) -> httpx.Client:
    del background
    http.headers.update(auth)
    http.timeout = httpx.Timeout(90)
    return http


SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""Most playbooks run on SQLite only: the branch taken does not depend on the dialect."""
BOTH = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True
)

ISSUE = [
    "silo.state",
    "sequence.enumerate",
    "silo.close",
    "verifactu.generate",
    "verifactu.send",
    "pdf",
    "silo.state",
]


def install(api: httpx.Client, name: str, receiver: Receiver) -> str:
    reply = api.get(f"/transform/v1/playbooks/{name}", params={"callback_url": receiver.url})
    assert reply.status_code == 200, reply.text
    workflow_id = str(uuid.uuid4())
    saved = api.put(f"/transform/v1/workflows/{workflow_id}", json=reply.json()["workflow"])
    assert saved.status_code == 200, saved.text
    return workflow_id


def entry(api: httpx.Client, **changes: Any) -> str:
    data = copy.deepcopy(INVOICE)
    data.pop("code")
    data.update(changes)
    entry_id = str(uuid7())
    reply = api.put(f"/silo/v1/entries/{entry_id}", json={"data": data})
    assert reply.status_code == 200, reply.text
    return entry_id


def run(api: httpx.Client, workflow_id: str, entry_id: str) -> dict[str, Any]:
    reply = api.post(
        "/transform/v1/jobs?wait=60", json={"workflow_id": workflow_id, "silo_entry_id": entry_id}
    )
    assert reply.status_code == 202, reply.text
    job: dict[str, Any] = reply.json()
    assert job.get("completed_at"), job
    return job


def taken(job: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(action, final status, code) of every intent, in order."""
    rows = []
    for intent in job["intents"]:
        final = intent["events"][-1]
        rows.append((intent["provider"], final["status"], final.get("code") or ""))
    return rows


def stored(api: httpx.Client, entry_id: str) -> dict[str, Any]:
    reply = api.get(f"/silo/v1/entries/{entry_id}")
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


@BOTH
def test_issuer_outside_the_census_is_set_to_error_and_notified(
    api: httpx.Client, sandbox: SandboxHandle, receiver: Receiver
) -> None:
    workflow_id = install(api, "es-verifactu-4104-issuer-census", receiver)
    sandbox.remove_census(ISSUER)
    entry_id = entry(api)

    job = run(api, workflow_id, entry_id)

    assert taken(job) == [
        ("silo.state", "OK", ""),
        ("sequence.enumerate", "OK", ""),
        ("silo.close", "OK", ""),
        ("verifactu.generate", "OK", ""),
        ("verifactu.send", "KO", "4104"),
        ("silo.state", "OK", ""),
        ("webhook", "OK", ""),
    ]
    assert job["status"] == "OK"  # the KO was handled by the block (spec §3.7.3)
    assert [f["code"] for f in job["faults"]] == ["4104"]
    assert stored(api, entry_id)["state"] == "error"
    assert sandbox.records(ISSUER) == []
    [hook] = receiver.bodies
    assert (hook["event"], hook["silo_entry_id"], hook["transform_job_id"]) == (
        "verifactu.issuer-census",
        entry_id,
        job["id"],
    )
    assert [f["code"] for f in hook["faults"]] == ["4104"]


def _review_branch(step: str, code: str) -> list[tuple[str, str, str]]:
    """The intents of a job whose ``step`` ended KO ``code`` and took a review block."""
    before = ISSUE[: ISSUE.index(step)]
    return [
        *((action, "OK", "") for action in before),
        (step, "KO", code),
        ("silo.folder", "OK", ""),
        ("silo.state", "OK", ""),
        ("webhook", "OK", ""),
    ]


@SQLITE
def test_spanish_customer_without_nif_is_filed_for_review(
    api: httpx.Client, sandbox: SandboxHandle, receiver: Receiver
) -> None:
    workflow_id = install(api, "es-verifactu-1126-customer-id", receiver)
    # A Spanish resident identified by a residence document (IDType 04) instead of a NIF:
    # AEAT allows CodigoPais ES only with a passport (03) or "not in the census" (07).
    customer = {
        "name": "Cliente Residente",
        "identities": [
            {"country": "ES", "code": "X1234567L", "ext": {"es-verifactu-identity-type": "04"}}
        ],
    }
    entry_id = entry(api, customer=customer)

    job = run(api, workflow_id, entry_id)

    assert taken(job) == _review_branch("verifactu.generate", "1126")
    assert job["status"] == "OK"
    assert [f["code"] for f in job["faults"]] == ["1126"]
    after = stored(api, entry_id)
    assert (after["state"], after["folder"]) == ("error", "review")
    assert sandbox.records(ISSUER) == []
    [hook] = receiver.bodies
    assert (hook["event"], hook["silo_entry_id"]) == ("verifactu.customer-id", entry_id)
    assert [f["code"] for f in hook["faults"]] == ["1126"]


@SQLITE
def test_field_too_long_for_aeat_is_fixed_before_signing(
    api: httpx.Client, sandbox: SandboxHandle, receiver: Receiver
) -> None:
    workflow_id = install(api, "es-verifactu-1100-field-format", receiver)
    long_name = "Compañía de Servicios Profesionales " * 5  # 180 characters; AEAT takes 120
    # The ES prefix is AEAT's other usual 1100; GOBL strips it when the entry is saved.
    tax_id = {"country": "ES", "code": f"ES{CUSTOMER}"}
    entry_id = entry(api, customer={"name": long_name.strip(), "tax_id": tax_id})
    assert stored(api, entry_id)["data"]["doc"]["customer"]["tax_id"]["code"] == CUSTOMER

    job = run(api, workflow_id, entry_id)

    assert taken(job) == [
        ("silo.state", "OK", ""),
        ("sequence.enumerate", "OK", ""),
        ("silo.modify", "OK", ""),
        *((action, "OK", "") for action in ISSUE[2:]),
    ]
    assert (job["status"], job["faults"]) == ("OK", [])
    after = stored(api, entry_id)
    assert after["state"] == "sent"
    # Cut to 120 characters, then trimmed by GOBL's normalisation.
    assert after["data"]["doc"]["customer"]["name"] == long_name.strip()[:120].rstrip()
    assert len(sandbox.records(ISSUER)) == 1
    assert receiver.bodies == []


@SQLITE
def test_field_format_the_fix_cannot_mend_is_filed_for_review(
    api: httpx.Client, sandbox: SandboxHandle, receiver: Receiver
) -> None:
    workflow_id = install(api, "es-verifactu-1100-field-format", receiver)
    # A passport number longer than IDOtro/ID's 20 characters: AEAT answers 1100.
    customer = {
        "name": "Foreign Customer Ltd",
        "identities": [
            {"country": "GB", "code": "P" * 25, "ext": {"es-verifactu-identity-type": "03"}}
        ],
    }
    entry_id = entry(api, customer=customer)

    job = run(api, workflow_id, entry_id)

    rows = taken(job)
    assert rows[:3] == [
        ("silo.state", "OK", ""),
        ("sequence.enumerate", "OK", ""),
        ("silo.modify", "OK", ""),
    ]
    assert rows[3:] == _review_branch("verifactu.generate", "1100")[2:]
    assert [f["code"] for f in job["faults"]] == ["1100"]
    after = stored(api, entry_id)
    assert (after["state"], after["folder"]) == ("error", "review")
    assert sandbox.records(ISSUER) == []
    [hook] = receiver.bodies
    assert hook["event"] == "verifactu.field-format"


@pytest.mark.parametrize("aeat_clock", [ManualClock(datetime.now(UTC) - timedelta(hours=1))])
@SQLITE
def test_record_ahead_of_aeat_clock_is_accepted_with_errors_and_carries_on(
    api: httpx.Client, sandbox: SandboxHandle, receiver: Receiver
) -> None:
    workflow_id = install(api, "es-verifactu-2004-late-record", receiver)
    entry_id = entry(api)

    job = run(api, workflow_id, entry_id)

    send = ISSUE.index("verifactu.send")
    assert [action for action, _, _ in taken(job)] == [
        *ISSUE[: send + 1],
        "webhook",
        *ISSUE[send + 1 :],
    ]
    assert {status for _, status, _ in taken(job)} == {"OK"}
    assert job["status"] == "OK"
    assert [(f["provider"], f["code"]) for f in job["faults"]] == [("verifactu", "2004")]
    after = stored(api, entry_id)
    assert after["state"] == "sent"
    meta = {(m["src"], m["key"]): m["value"] for m in after["meta"]}
    assert meta[("verifactu", "status")] == "AceptadoConErrores"
    [record] = sandbox.records(ISSUER)
    assert (record["estado"], record["codigo_error"]) == ("AceptadoConErrores", 2004)
    [hook] = receiver.bodies
    assert hook["event"] == "verifactu.accepted"
    assert [f["code"] for f in hook["faults"]] == ["2004"]


@SQLITE
def test_record_aeat_already_holds_is_settled_as_sent(
    api: httpx.Client, sandbox: SandboxHandle, receiver: Receiver
) -> None:
    workflow_id = install(api, "es-verifactu-3000-duplicate", receiver)
    # AEAT stores the record, then the connection drops before the reply: a resend would be a
    # duplicate of our own record, which the client settles by query as already stored.
    sandbox.inject("drop", operation="RegFactu")
    entry_id = entry(api)

    job = run(api, workflow_id, entry_id)

    assert taken(job) == [(action, "OK", "") for action in ISSUE]
    assert (job["status"], job["faults"]) == ("OK", [])
    assert stored(api, entry_id)["state"] == "sent"
    assert len(sandbox.records(ISSUER)) == 1
    assert sandbox.pending_faults() == []
    assert receiver.bodies == []


@SQLITE
def test_number_taken_by_another_record_is_filed_for_review(
    api: httpx.Client,
    sandbox: SandboxHandle,
    receiver: Receiver,
    runtime: Runtime,
    live_url: str,
) -> None:
    # Another installation of the same issuer already sent invoice SAMPLE F-1 of that day.
    with runtime.uow() as uow:
        other = workspaces.create_workspace(uow, slug="other", name="Other")
    with runtime.uow() as uow:
        secret = workspaces.create_token(uow, workspace_id=other.id).secret
    auth = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=live_url, headers=auth, timeout=90) as elsewhere:
        theirs = entry(elsewhere, code="F-1")
        first = run(elsewhere, install(elsewhere, "es-verifactu-3000-duplicate", receiver), theirs)
        their_stamps = stored(elsewhere, theirs)["data"]["head"]["stamps"]
    assert first["status"] == "OK"
    workflow_id = install(api, "es-verifactu-3000-duplicate", receiver)
    entry_id = entry(api, code="F-1", lines=[{**INVOICE["lines"][0], "quantity": "21"}])

    job = run(api, workflow_id, entry_id)

    assert taken(job) == _review_branch("verifactu.send", "3000")
    assert [f["code"] for f in job["faults"]] == ["3000"]
    after = stored(api, entry_id)
    assert (after["state"], after["folder"]) == ("error", "review")
    [record] = sandbox.records(ISSUER)
    assert record["huella"] == {s["prv"]: s["val"] for s in their_stamps}["verifactu-hash"]
    [hook] = receiver.bodies
    assert (hook["event"], hook["silo_entry_id"]) == ("verifactu.duplicate", entry_id)


@SQLITE
def test_cancel_of_a_record_aeat_does_not_hold_is_filed_for_review(
    api: httpx.Client, sandbox: SandboxHandle, receiver: Receiver
) -> None:
    issue = install(api, "es-verifactu-4104-issuer-census", receiver)
    cancel = install(api, "es-verifactu-3002-cancel-unknown", receiver)
    entry_id = entry(api)
    assert run(api, issue, entry_id)["status"] == "OK"
    sandbox.reset()  # AEAT's side no longer holds the invoice's record

    job = run(api, cancel, entry_id)

    assert taken(job) == [
        ("verifactu.cancel", "KO", "3002"),
        ("silo.folder", "OK", ""),
        ("silo.state", "OK", ""),
        ("webhook", "OK", ""),
    ]
    assert [f["code"] for f in job["faults"]] == ["3002"]
    after = stored(api, entry_id)
    assert (after["state"], after["folder"]) == ("error", "review")
    assert sandbox.records(ISSUER) == []
    [hook] = receiver.bodies
    assert (hook["event"], hook["silo_entry_id"]) == ("verifactu.unknown-record", entry_id)
    assert [f["code"] for f in hook["faults"]] == ["3002"]
