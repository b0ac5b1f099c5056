"""The local SMTP sink: what it stores, and the ``/dev/mail`` pages that list it."""

from __future__ import annotations

import asyncio
import errno
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from facturo.mail.message import Attachment, Outgoing, build_message, message_id_for
from facturo.mail.sender import MailSender, SmtpTarget
from facturo.mail.sink import SinkHandle, start_sink, start_sink_for
from facturo.mail.sink_store import WORKSPACE_HEADER, SinkStore
from facturo.platform import workspaces
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.platform.settings import Settings

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def _send(sink: SinkHandle, workspace: str, subject: str, key: str = "job:step") -> None:
    sender = MailSender(SmtpTarget.parse("sink", sink_port=sink.port), "Facturo <f@acme.test>")
    mail = Outgoing(
        sender=sender.default_from,
        to=["Customer <c@example.com>"],
        bcc=["audit@example.com"],
        subject=subject,
        text="Hello",
        html="<p>Hello <script>alert(1)</script></p>",
        message_id=message_id_for(key, sender.default_from),
        date=NOW,
        attachments=[Attachment("invoice.pdf", "application/pdf", b"%PDF")],
        headers={WORKSPACE_HEADER: workspace},
    )
    asyncio.run(sender.send(build_message(mail), mail.recipients))


@pytest.fixture
def sink(settings: Settings) -> Iterator[SinkHandle]:
    handle = start_sink("127.0.0.1", 0, settings.data_dir / "mail")
    yield handle
    handle.stop()


def test_the_sink_keeps_each_message_as_eml_and_marks_a_resend(tmp_path: Path) -> None:
    handle = start_sink("127.0.0.1", 0, tmp_path / "mail")
    try:
        _send(handle, "ws-1", "First")
        _send(handle, "ws-1", "First again")  # same idempotency key: the same Message-ID
        _send(handle, "ws-1", "Other", key="job:other")
    finally:
        handle.stop()

    listed = handle.store.list()
    assert [(m.subject, m.repeat) for m in listed] == [
        ("Other", False),
        ("First again", True),
        ("First", False),
    ]
    first = listed[-1]
    assert first.rcpt_to == ["c@example.com", "audit@example.com"]
    assert first.message_id == "<job.step@acme.test>"
    assert [(a.name, a.mime, a.size) for a in first.attachments] == [
        ("invoice.pdf", "application/pdf", 4)
    ]
    eml = (tmp_path / "mail" / f"{first.id}.eml").read_bytes()
    assert b"Subject: First" in eml
    index = (tmp_path / "mail" / "index.jsonl").read_text().splitlines()
    assert [json.loads(line)["subject"] for line in index] == ["First", "First again", "Other"]


def test_the_mail_page_lists_and_shows_what_the_workspace_sent(
    client: TestClient, auth: dict[str, str], workspace: Workspace, sink: SinkHandle
) -> None:
    _send(sink, str(workspace.id), "Invoice SAMPLE-004 <from> Acme")
    _send(sink, "another-workspace", "Not yours", key="job:x")

    page = client.get("/dev/mail", headers=auth)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Invoice SAMPLE-004 &lt;from&gt; Acme" in page.text
    assert "invoice.pdf" in page.text
    assert "Not yours" not in page.text

    listed = client.get("/dev/mail/api/messages", headers=auth).json()["list"]
    assert [m["subject"] for m in listed] == ["Invoice SAMPLE-004 <from> Acme"]
    [item] = listed
    assert item["rcpt_to"] == ["c@example.com", "audit@example.com"]
    assert item["attachments"] == [{"name": "invoice.pdf", "mime": "application/pdf", "size": 4}]

    detail = client.get(f"/dev/mail/api/messages/{item['id']}", headers=auth).json()
    assert detail["text"].splitlines() == ["Hello"]
    assert detail["html"].splitlines() == ["<p>Hello <script>alert(1)</script></p>"]

    shown = client.get(f"/dev/mail/{item['id']}", headers=auth)
    assert shown.status_code == 200
    assert 'sandbox=""' in shown.text
    assert "<script>alert(1)</script>" not in shown.text  # escaped into srcdoc

    raw = client.get(f"/dev/mail/{item['id']}/raw", headers=auth)
    assert raw.headers["content-type"] == "message/rfc822"
    assert b"Message-ID: <job.step@acme.test>" in raw.content


def test_the_mail_pages_need_a_token_and_keep_workspaces_apart(
    client: TestClient,
    auth: dict[str, str],
    runtime: Runtime,
    workspace: Workspace,
    sink: SinkHandle,
) -> None:
    _send(sink, str(workspace.id), "Mine")
    [mine] = client.get("/dev/mail/api/messages", headers=auth).json()["list"]
    with runtime.uow() as uow:
        other = workspaces.create_workspace(uow, slug="other")
        other_auth = {
            "Authorization": f"Bearer {workspaces.create_token(uow, workspace_id=other.id).secret}"
        }

    assert client.get("/dev/mail").status_code == 401
    assert client.get(f"/dev/mail/{mine['id']}").status_code == 401
    assert client.get("/dev/mail/api/messages", headers=other_auth).json()["list"] == []
    res = client.get(f"/dev/mail/api/messages/{mine['id']}", headers=other_auth)
    assert res.status_code == 404
    assert client.get("/dev/mail/not-an-id", headers=auth).status_code == 404


def test_serve_starts_the_sink_only_when_mail_goes_to_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, mail_sink_port=0)
    handle = start_sink_for(settings)
    assert handle is not None
    try:
        assert handle.port != 0  # port 0 binds a free port, and the handle tells which
        _send(handle, "ws", "Hello")
    finally:
        handle.stop()
    assert [m.subject for m in SinkStore(tmp_path / "mail").list()] == ["Hello"]
    assert start_sink_for(Settings(data_dir=tmp_path, smtp_url="smtp://mx.example")) is None


def test_the_sink_refuses_a_port_that_is_taken(tmp_path: Path) -> None:
    handle = start_sink("127.0.0.1", 0, tmp_path / "mail")
    try:
        with pytest.raises(OSError, check=lambda e: e.errno == errno.EADDRINUSE):
            start_sink("127.0.0.1", handle.port, tmp_path / "other")
        _send(handle, "ws", "Still served")
    finally:
        handle.stop()
    assert [m.subject for m in SinkStore(tmp_path / "mail").list()] == ["Still served"]
    assert not (tmp_path / "other").exists() or not any((tmp_path / "other").iterdir())
