"""Invopop's own ES VERI*FACTU workflow, unchanged, run end to end over real HTTP.

The platform runs as ``facturo serve`` does (API, in-process workers, webhook dispatcher, the
AEAT sandbox and the SMTP sink on loopback), on SQLite and on PostgreSQL. A client that speaks
Invopop's contract stores an invoice with a v7 id, saves the exported workflow, and runs a job
with ``?wait``; the seed 002 results must be on the entry and the record at the AEAT sandbox.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pypdfium2 as pdfium
import pytest
import zxingcpp

from facturo.platform import services
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.platform.settings import Settings

pytestmark = pytest.mark.e2e

SHARED = Path(__file__).resolve().parents[3] / "shared"
WORKFLOWS = SHARED / "data/invopop/workflows/current"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
ISSUER = "B85905495"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        log_json=False,
        aeat_sandbox_port=0,  # services.start binds a free port and records it
        aeat_sandbox_wait_seconds=0,
        aeat_sandbox_census=[ISSUER, "B63272603"],
        mail_sink_port=0,
    )


@pytest.fixture
def api(http: httpx.Client, auth: dict[str, str]) -> httpx.Client:
    http.headers.update(auth)
    http.timeout = httpx.Timeout(90)
    return http


def workflow(api: httpx.Client, name: str) -> str:
    exported = json.loads((WORKFLOWS / f"{name}.json").read_text())
    body = {k: v for k, v in exported.items() if k not in ("id", "created_at", "updated_at")}
    workflow_id = str(uuid.uuid4())
    reply = api.put(f"/transform/v1/workflows/{workflow_id}", json=body)
    assert reply.status_code == 200, reply.text
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
        "/transform/v1/jobs?wait=60",
        json={"workflow_id": workflow_id, "silo_entry_id": entry_id},
    )
    assert reply.status_code == 202, reply.text
    job: dict[str, Any] = reply.json()
    assert job.get("completed_at"), job
    return job


def test_issue_then_cancel_an_invoice(
    api: httpx.Client, background: services.Background, runtime: Runtime
) -> None:
    issue = workflow(api, "es__verifactu-invoice")
    cancel = workflow(api, "es__verifactu-cancel")
    entry_id = entry(api)

    job = run(api, issue, entry_id)
    assert (job["status"], job["faults"]) == ("OK", [])
    assert [i["provider"] for i in job["intents"]] == [
        "silo.state",
        "sequence.enumerate",
        "silo.close",
        "verifactu.generate",
        "verifactu.send",
        "pdf",
        "silo.state",
    ]
    stored = api.get(f"/silo/v1/entries/{entry_id}").json()
    assert stored["state"] == "sent"
    assert stored["data"]["doc"]["code"] == "000001"
    stamps = {s["prv"]: s["val"] for s in stored["data"]["head"]["stamps"]}
    # In the sandbox environment the QR points at the sandbox's own cotejo service.
    sandbox_qr = f"http://127.0.0.1:{runtime.settings.aeat_sandbox_port}/wlpl/TIKE-CONT/ValidarQR?"
    assert stamps["verifactu-qr"].startswith(sandbox_qr)
    assert 'data-resultado="00"' in httpx.get(stamps["verifactu-qr"]).text
    meta = {(m["src"], m["key"]): m["value"] for m in stored["meta"]}
    assert meta[("verifactu", "status")] == "Correcto"

    [pdf] = [f for f in stored["attachments"] if f["category"] == "format"]
    document = api.get(pdf["url"])
    assert document.headers["content-type"] == "application/pdf"
    assert qr_codes(document.content) == [stamps["verifactu-qr"]]

    sandbox_url = f"http://127.0.0.1:{runtime.settings.aeat_sandbox_port}"
    records = httpx.get(f"{sandbox_url}/admin/issuers/{ISSUER}/records").json()
    huellas = [r["huella"] for r in records["records"]]
    assert huellas == [stamps["verifactu-hash"]]
    qr_query = urlsplit(stamps["verifactu-qr"]).query
    assert cotejo(sandbox_url, qr_query)["respuesta"]["resultado"] == "00"

    cancelled = run(api, cancel, entry_id)
    assert cancelled["status"] == "OK", cancelled
    assert api.get(f"/silo/v1/entries/{entry_id}").json()["state"] == "void"
    assert cotejo(sandbox_url, qr_query)["respuesta"]["resultado"] == "01"


def test_a_rejected_invoice_runs_the_error_flow(
    api: httpx.Client, background: services.Background
) -> None:
    issue = workflow(api, "es__verifactu-invoice")
    entry_id = entry(api, issue_date="2099-01-01")  # AEAT refuses a future issue date (1112)
    job = run(api, issue, entry_id)
    assert job["status"] == "KO"
    providers = [(i["provider"], i["events"][-1]["status"]) for i in job["intents"]]
    assert providers[-2:] == [("verifactu.send", "KO"), ("silo.state", "OK")]  # the rescue step
    assert [(f["code"]) for f in job["faults"]] == ["1112"]
    stored = api.get(f"/silo/v1/entries/{entry_id}").json()
    assert stored["state"] == "error"
    meta = {(m["src"], m["key"]): m["value"] for m in stored["meta"]}
    assert meta[("verifactu", "status")] == "Incorrecto"


def cotejo(sandbox_url: str, qr_query: str) -> dict[str, Any]:
    """What the sandbox's QR cotejo service answers, as JSON, to a QR's four parameters."""
    reply = httpx.get(f"{sandbox_url}/wlpl/TIKE-CONT/ValidarQR?{qr_query}&formato=json")
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    assert body["status"] == "OK", body
    return body


def qr_codes(pdf: bytes) -> list[str]:
    """The QR codes a scanner reads on the PDF's pages, rendered at 300 dpi."""
    found: list[str] = []
    document = pdfium.PdfDocument(pdf)
    for page in document:
        image = page.render(scale=300 / 72).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(image)]
    return found
