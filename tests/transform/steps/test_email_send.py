"""``email.send`` / ``email.notify`` run the way the engine runs them, against real SMTP servers.

The happy paths deliver to the platform's own sink on loopback; the refusals come from an
aiosmtpd server that answers 4xx or 5xx. The entry and its PDF are real Silo rows and bytes.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import socket
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from facturo.errors import Fault
from facturo.mail.sender import MailSender, SmtpTarget
from facturo.mail.sink import SinkHandle, SocketController, bind, start_sink
from facturo.mail.sink_store import Stored, attachments_of, parse_message
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo import service_files
from facturo.silo.storage import LocalStorage
from facturo.transform.statuses import EventStatus
from facturo.transform.steps.base import JobInfo, Provider, Resources, StepContext, StepResult
from facturo.transform.steps.email_send import MailFiles, email_notify, email_send
from facturo.transform.steps.testing import step_context
from facturo.transform.workflows.validate import WorkflowInvalid, parse_workflow, validate_workflow

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "invopop"
INVOICE = SHARED / "gobl" / "es-verifactu-b2b-invoice.built.json"
STRIPE = SHARED / "workflows" / "current" / "stripe__stripe-peppol.json"
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
FROM = "Acme Billing <billing@acme.test>"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@contextmanager
def _closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: connecting to it is refused, and no other
    process can start listening there meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        yield port


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[SinkHandle]:
    handle = start_sink("127.0.0.1", 0, tmp_path / "mail")
    yield handle
    handle.stop()


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")


@pytest.fixture
def resources(sink: SinkHandle, storage: LocalStorage) -> Resources:
    target = SmtpTarget.parse("sink", sink_port=sink.port)
    return Resources(MailSender(target, FROM, ("ops@acme.test",)), MailFiles(storage))


@pytest.fixture
def entry_id(runtime: Runtime, workspace: Workspace, storage: LocalStorage) -> Any:
    doc = json.loads(INVOICE.read_text())
    doc["customer"]["emails"] = [{"addr": "ap@consumer.test"}]
    doc["supplier"]["emails"] = [{"addr": "billing@invopop.test"}]
    with runtime.uow() as uow:
        entry = silo_service.create_entry(
            uow, workspace_id=workspace.id, data=doc, source=silo_service.Source("test", "t")
        )
        service_files.put_file(
            uow,
            storage,
            workspace_id=workspace.id,
            entry_id=entry.id,
            spec=service_files.NewFile(
                name="SAMPLE-004.pdf",
                data=b"%PDF-1.7 invoice",
                key="pdf",
                category="format",
                mime="application/pdf",
            ),
            max_bytes=1_000_000,
        )
        uow.commit()
    return entry.id


def _job(workspace: Workspace, entry_id: Any = None, **kw: Any) -> JobInfo:
    return JobInfo(
        id=kw.pop("job_id", uuid7()),
        workspace_id=workspace.id,
        workflow_id=uuid7(),
        key="invoice-SAMPLE-004",
        args={"payment_link": "https://pay.example/4?a=1&b=2"},
        silo_entry_id=entry_id,
        faults=kw.pop("faults", ()),
    )


@contextmanager
def _context(rt: Runtime, job: JobInfo, resources: Resources, action: str) -> Iterator[StepContext]:
    with rt.uow() as uow:
        ctx = step_context(
            uow,
            workspace_id=job.workspace_id,
            action=action,
            now=NOW,
            resources=resources,
            step_id="97ced0a0-d4e8-11f0-985d-3b44fe520da3",
            pointer="#/rescue/0",
        )
        yield replace(ctx, job=job)  # the job's key and args go into the mail
        uow.commit()


def _run(
    rt: Runtime, job: JobInfo, resources: Resources, step: Provider[Any] = email_send, **config: Any
) -> StepResult:
    parsed = step.parse_config(config)
    with _context(rt, job, resources, step.id) as ctx:
        result = asyncio.run(step.run(ctx, parsed))  # type: ignore[arg-type]
    assert isinstance(result, StepResult)
    return result


def _only(sink: SinkHandle) -> tuple[Stored, Any]:
    [stored] = sink.store.list()
    found = sink.store.get(stored.id)
    assert found is not None
    return stored, parse_message(found[1])


def test_send_renders_the_templates_and_attaches_the_entry_pdf(
    runtime: Runtime, workspace: Workspace, entry_id: Any, resources: Resources, sink: SinkHandle
) -> None:
    body = (
        "<p>Dear {{.customer_name}},</p>\n"
        "<p>Invoice {{.full_code}} for {{.payable}} {{.currency}}: "
        '<a href="{{args.payment_link}}">pay</a>.</p>'
    )
    job = _job(workspace, entry_id)
    result = _run(
        runtime,
        job,
        resources,
        subject="Invoice {{ .full_code }} from {{ .supplier_name }}",
        body=_b64(body),
        add_invoice_customer=True,
        bcc=["archive@acme.test"],
        attach="pdf",
    )

    assert result.status == EventStatus.OK
    stored, message = _only(sink)
    assert (
        result.ref
        == stored.message_id
        == f"<{job.id}.97ced0a0-d4e8-11f0-985d-3b44fe520da3@acme.test>"
    )
    assert stored.subject == "Invoice SAMPLE-004 from Invopop S.L."
    assert stored.sender == FROM
    assert stored.to == "Sample Consumer <ap@consumer.test>"
    assert stored.rcpt_to == ["ap@consumer.test", "archive@acme.test"]
    assert stored.workspace == str(workspace.id)
    html = message.get_body(("html",)).get_content()
    assert "<p>Dear Sample Consumer,</p>" in html
    assert 'href="https://pay.example/4?a=1&amp;b=2"' in html
    text = message.get_body(("plain",)).get_content()
    assert "Invoice SAMPLE-004 for 2178.00 EUR: pay (https://pay.example/4?a=1&b=2)." in text
    [(part, data)] = attachments_of(message)
    assert (part.name, part.mime, data) == (
        "SAMPLE-004.pdf",
        "application/pdf",
        b"%PDF-1.7 invoice",
    )


def test_zip_attachments_sends_one_zip(
    runtime: Runtime, workspace: Workspace, entry_id: Any, resources: Resources, sink: SinkHandle
) -> None:
    result = _run(
        runtime,
        _job(workspace, entry_id),
        resources,
        subject="Docs",
        body=_b64("Attached."),
        add_invoice_supplier=True,
        attach="format",
        zip_attachments=True,
    )
    assert result.status == EventStatus.OK
    stored, message = _only(sink)
    assert stored.rcpt_to == ["billing@invopop.test"]
    [(part, data)] = attachments_of(message)
    assert part.name == "attachments.zip"
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert archive.read("SAMPLE-004.pdf") == b"%PDF-1.7 invoice"


def test_a_missing_attachment_ends_ko_and_sends_nothing(
    runtime: Runtime, workspace: Workspace, entry_id: Any, resources: Resources, sink: SinkHandle
) -> None:
    result = _run(runtime, _job(workspace, entry_id), resources, to="a@acme.test", attach="pdf xml")
    assert (result.status, result.code) == (EventStatus.KO, "attachment-missing")
    assert sink.store.list() == []


def test_the_stripe_rescue_step_runs_unchanged_and_writes_to_the_notification_address(
    runtime: Runtime, workspace: Workspace, entry_id: Any, resources: Resources, sink: SinkHandle
) -> None:
    [step] = json.loads(STRIPE.read_text())["rescue"][:1]
    faults = (Fault("not-found", "receiver not found in the peppol network", (), "peppol"),)
    result = _run(runtime, _job(workspace, entry_id, faults=faults), resources, **step["config"])

    assert result.status == EventStatus.OK
    stored, message = _only(sink)
    assert stored.subject == "The invoice failed - check invopop"
    assert stored.rcpt_to == ["ops@acme.test"]
    assert message.get_content_type() == "text/plain"
    assert message.get_content().splitlines() == [
        "This invoice (SAMPLE-004) failed with error: "
        "peppol: receiver not found in the peppol network (not-found)"
    ]


def test_notify_with_an_empty_body_reports_the_job_and_its_faults(
    runtime: Runtime, workspace: Workspace, entry_id: Any, resources: Resources, sink: SinkHandle
) -> None:
    job = _job(workspace, entry_id, faults=(Fault("4107", "NIF no censado", (), "verifactu"),))
    result = _run(runtime, job, resources, email_notify, connection_id="default", body="")

    assert result.status == EventStatus.OK
    stored, message = _only(sink)
    assert stored.subject == f"Facturo job {job.id} (SAMPLE-004): 1 fault(s)"
    assert stored.rcpt_to == ["ops@acme.test"]
    assert message.get_content().splitlines() == [
        f"Job {job.id} (invoice-SAMPLE-004) on SAMPLE-004, entry {entry_id}.",
        "",
        "Faults:",
        "- verifactu: NIF no censado (4107)",
    ]


def test_a_resend_after_a_crash_carries_the_same_message_id(
    runtime: Runtime, workspace: Workspace, entry_id: Any, resources: Resources, sink: SinkHandle
) -> None:
    job = _job(workspace, entry_id)
    first = _run(runtime, job, resources, to="a@acme.test", subject="Hi")
    again = _run(runtime, job, resources, to="a@acme.test", subject="Hi")
    assert first.ref == again.ref
    assert [m.repeat for m in sink.store.list()] == [True, False]


def test_without_any_recipient_the_step_ends_ko(
    runtime: Runtime, workspace: Workspace, entry_id: Any, sink: SinkHandle
) -> None:
    resources = Resources(MailSender(SmtpTarget.parse("sink", sink_port=sink.port), FROM))
    result = _run(runtime, _job(workspace, entry_id), resources, subject="x")
    assert (result.status, result.code) == (EventStatus.KO, "no-recipients")


def test_a_template_that_fails_on_the_data_ends_ko(
    runtime: Runtime, workspace: Workspace, entry_id: Any, resources: Resources, sink: SinkHandle
) -> None:
    result = _run(
        runtime,
        _job(workspace, entry_id),
        resources,
        to="a@acme.test",
        subject="{{index .doc.lines 9}}",
    )
    assert (result.status, result.code) == (EventStatus.KO, "template")
    assert sink.store.list() == []


class _Refuser:
    def __init__(self, reply: str) -> None:
        self.reply = reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return self.reply


@pytest.mark.parametrize(
    ("reply", "status", "code"),
    [
        ("451 4.7.1 Greylisted, try again", EventStatus.ERR, "451"),
        ("421 4.3.2 Service shutting down", EventStatus.ERR, "421"),
        ("550 5.1.1 Mailbox unavailable", EventStatus.KO, "550"),
        ("554 5.7.1 Message rejected as spam", EventStatus.KO, "554"),
    ],
)
def test_smtp_replies_map_to_err_or_ko_with_the_smtp_code(
    runtime: Runtime, workspace: Workspace, reply: str, status: EventStatus, code: str
) -> None:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    controller = SocketController(_Refuser(reply), sock)
    controller.start()
    try:
        sender = MailSender(SmtpTarget.parse(f"smtp://127.0.0.1:{port}"), FROM)
        result = _run(runtime, _job(workspace), Resources(sender), to="a@acme.test", subject="x")
    finally:
        controller.stop()
    assert (result.status, result.code) == (status, code)


def test_no_mail_server_is_err_so_the_engine_retries(
    runtime: Runtime, workspace: Workspace
) -> None:
    with _closed_port() as port:
        sender = MailSender(SmtpTarget.parse(f"smtp://127.0.0.1:{port}?timeout=5"), FROM)
        result = _run(runtime, _job(workspace), Resources(sender), to="a@acme.test", subject="x")
    assert (result.status, result.code) == (EventStatus.ERR, "connection")
    assert email_send.retry is not None
    assert email_send.retry.max_attempts == 8


def _workflow(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "Mail",
        "schema": "bill/invoice",
        "steps": [{"id": "s1", "name": "Send email", "provider": "email.send", "config": config}],
    }


@pytest.mark.parametrize(
    ("config", "pointer"),
    [
        ({"body": _b64("Hello {{.customer_name")}, "#/steps/0/config/body"),
        ({"body": _b64("{{if .x}}never closed")}, "#/steps/0/config/body"),
        ({"body": "not base64!"}, "#/steps/0/config/body"),
        ({"subject": "{{nosuch}}"}, "#/steps/0/config/subject"),
        ({"to": ["not an address"]}, "#/steps/0/config/to"),
        ({"connection_id": "gmail"}, "#/steps/0/config/connection_id"),
        ({"recipients": "a@acme.test"}, "#/steps/0/config/recipients"),
    ],
)
def test_a_malformed_config_is_refused_when_the_workflow_is_saved(
    config: dict[str, Any], pointer: str
) -> None:
    registry = {"email.send": email_send, "email.notify": email_notify}
    with pytest.raises(WorkflowInvalid) as caught:
        validate_workflow(parse_workflow(_workflow(config)), registry)
    [fault] = caught.value.faults
    assert (fault.code, fault.paths) == ("step.config.invalid", (pointer,))


def test_the_template_error_names_its_line() -> None:
    registry = {"email.send": email_send}
    config = {"body": _b64("line one\nline two {{end}}")}
    with pytest.raises(WorkflowInvalid) as caught:
        validate_workflow(parse_workflow(_workflow(config)), registry)
    assert "line 2" in caught.value.faults[0].message


def test_the_real_workflow_configs_are_accepted() -> None:
    document = json.loads(STRIPE.read_text())
    step = copy.deepcopy(document["rescue"][0])
    registry = {"email.send": email_send}
    workflow = {"name": "x", "schema": "bill/invoice", "steps": [step]}
    assert validate_workflow(parse_workflow(workflow), registry)
    notify = {
        "connection_id": "default",
        "subject": "[Important] Register",
        "body": "e3suZmF1bHRzfX0=",
    }
    assert email_notify.parse_config(notify).body_template().source == "{{.faults}}"


def test_recipients_may_be_lists_or_comma_separated_strings() -> None:
    config = email_send.parse_config(
        {"to": '"Doe, John" <j@acme.test>, a@acme.test', "cc": ["x@acme.test,y@acme.test"]}
    )
    assert config.to == ['"Doe, John" <j@acme.test>', "a@acme.test"]
    assert config.cc == ["x@acme.test", "y@acme.test"]
