"""The platform as separate processes sharing one PostgreSQL: API, worker and AEAT sandbox.

This is the multi-process deployment: ``facturo serve`` with no in-process workers, ``facturo
worker`` running the jobs, ``facturo aeat-sandbox`` standing in for AEAT, each its own process
talking real HTTP and SQL. Invopop's unchanged ES workflow runs through ``PUT
/transform/v1/jobs/{id}?wait=30`` and the sandbox must hold exactly one record.
"""

from __future__ import annotations

import copy
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pypdfium2 as pdfium
import pytest
import zxingcpp

from facturo.platform.ids import uuid7
from facturo.platform.pgserver import PostgresServer

pytestmark = [pytest.mark.e2e, pytest.mark.pg]

SHARED = Path(__file__).resolve().parents[3] / "shared"
WORKFLOWS = SHARED / "data/invopop/workflows/current"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
ISSUER = "B85905495"
SOAP_PATH = "/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
FACTURO = [sys.executable, "-m", "facturo.platform.cli"]
_databases = iter(range(1_000_000))


def _free_port() -> int:
    """A port free a moment ago, for ``facturo serve``, which binds the port it is given."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_http(url: str, proc: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


class Platform:
    """The three processes, started in order and stopped in reverse."""

    def __init__(self, tmp: Path, database_url: str) -> None:
        self.procs: list[subprocess.Popen[str]] = []
        self.sandbox = ""
        self.api = ""
        self.env = {
            **os.environ,
            "FACTURO_DATA_DIR": str(tmp / "var"),
            "FACTURO_DATABASE_URL": database_url,
            "FACTURO_WORKER_THREADS": "0",
            "FACTURO_SMTP_URL": f"smtp://127.0.0.1:{_free_port()}",
            "FACTURO_LOG_JSON": "false",
        }
        self.logs = tmp

    def start(self, name: str, *args: str) -> subprocess.Popen[str]:
        log = (self.logs / f"{name}.log").open("w")
        proc = subprocess.Popen(
            [*FACTURO, *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.procs.append(proc)
        return proc

    def start_sandbox(self, *args: str, seconds: float = 60) -> None:
        """``facturo aeat-sandbox --port 0``; its URL is read from the lines it prints."""
        proc = self.start("sandbox", "aeat-sandbox", "--port", "0", *args)
        deadline = time.monotonic() + seconds
        while not (found := re.search(r"Admin API:\s+(http://\S+)/admin/", self.log("sandbox"))):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox did not start: {self.log('sandbox')}")
            time.sleep(0.1)
        self.sandbox = found.group(1)
        _wait_http(f"{self.sandbox}/admin/health", proc)
        self.env["FACTURO_AEAT_URL"] = self.sandbox + SOAP_PATH

    def start_api(self, attempts: int = 3) -> None:
        """``facturo serve`` on a free port; on another one if a process took it meanwhile.

        The API's own URLs (attachments, links) are built from its port, so it cannot bind
        port 0 and learn the port later as the sandbox does.
        """
        for _ in range(attempts):
            port = _free_port()
            self.env["FACTURO_PORT"] = str(port)
            self.api = f"http://127.0.0.1:{port}"
            proc = self.start("api", "serve")
            try:
                _wait_http(f"{self.api}/healthz", proc)
                return
            except RuntimeError:
                if proc.poll() is None or "address already in use" not in self.log("api"):
                    raise
                self.procs.remove(proc)
        raise RuntimeError(f"no free port for the API after {attempts} attempts")

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text()


@pytest.fixture
def platform(tmp_path: Path, pg_server: PostgresServer, pg_template: str) -> Iterator[Platform]:
    url = pg_server.create_database(f"procs{next(_databases)}", template=pg_template)
    running = Platform(tmp_path, url)
    try:
        running.start_sandbox("--census", ISSUER, "--census", "B63272603", "--wait", "0")
        running.start_api()
        running.start("worker", "worker", "--threads", "2")
        yield running
    finally:
        running.stop()


def _save(api: httpx.Client, name: str) -> str:
    exported = json.loads((WORKFLOWS / f"{name}.json").read_text())
    body = {k: v for k, v in exported.items() if k not in ("id", "created_at", "updated_at")}
    workflow_id = str(uuid.uuid4())
    assert api.put(f"/transform/v1/workflows/{workflow_id}", json=body).status_code == 200
    return workflow_id


def _entry(api: httpx.Client, **changes: str) -> str:
    data = copy.deepcopy(INVOICE)
    data.pop("code")
    data.update(changes)
    entry_id = str(uuid7())
    assert api.put(f"/silo/v1/entries/{entry_id}", json={"data": data}).status_code == 200
    return entry_id


def _run(api: httpx.Client, workflow_id: str, entry_id: str) -> dict[str, Any]:
    reply = api.put(
        f"/transform/v1/jobs/{uuid7()}?wait=30",
        json={"workflow_id": workflow_id, "silo_entry_id": entry_id},
    )
    assert reply.status_code == 202, reply.text
    job: dict[str, Any] = reply.json()
    return job


def _qr_codes(pdf: bytes) -> list[str]:
    found: list[str] = []
    for page in pdfium.PdfDocument(pdf):
        image = page.render(scale=300 / 72).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(image)]
    return found


def test_the_es_workflows_run_across_processes(platform: Platform) -> None:
    """Issue (OK, PDF QR = the record's URL, one record), reject (rescue), then cancel."""
    found = re.search(r"fct_[A-Za-z0-9_-]{43}", platform.log("api"))
    assert found, platform.log("api")
    headers = {"Authorization": f"Bearer {found.group(0)}"}
    with httpx.Client(base_url=platform.api, headers=headers, timeout=90) as api:
        issue, cancel = _save(api, "es__verifactu-invoice"), _save(api, "es__verifactu-cancel")
        entry_id = _entry(api)
        job = _run(api, issue, entry_id)
        assert (job["status"], job["faults"]) == ("OK", []), (job, platform.log("worker"))
        entry = api.get(f"/silo/v1/entries/{entry_id}").json()
        assert entry["state"] == "sent"
        stamps = {s["prv"]: s["val"] for s in entry["data"]["head"]["stamps"]}
        meta = {(m["src"], m["key"]): m["value"] for m in entry["meta"]}
        assert meta[("verifactu", "status")] == "Correcto"
        [pdf] = [f for f in entry["attachments"] if f["category"] == "format"]
        assert _qr_codes(api.get(pdf["url"]).content) == [stamps["verifactu-qr"]]
        records = httpx.get(f"{platform.sandbox}/admin/issuers/{ISSUER}/records").json()
        assert [r["huella"] for r in records["records"]] == [stamps["verifactu-hash"]]
        qr_query = urlsplit(stamps["verifactu-qr"]).query  # the sandbox checks the QR's values
        cotejo = httpx.get(f"{platform.sandbox}/wlpl/TIKE-CONT/ValidarQR?{qr_query}&formato=json")
        assert cotejo.json()["respuesta"]["resultado"] == "00", cotejo.text

        rejected_id = _entry(api, issue_date="2099-01-01")  # AEAT refuses it: 1112
        rejected = _run(api, issue, rejected_id)
        assert rejected["status"] == "KO"
        assert [f["code"] for f in rejected["faults"]] == ["1112"]
        assert rejected["intents"][-1]["provider"] == "silo.state"  # the rescue ran
        assert api.get(f"/silo/v1/entries/{rejected_id}").json()["state"] == "error"

        voided = _run(api, cancel, entry_id)
        assert voided["status"] == "OK", voided
        assert api.get(f"/silo/v1/entries/{entry_id}").json()["state"] == "void"
