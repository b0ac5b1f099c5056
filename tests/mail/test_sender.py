"""Sending to real SMTP servers on loopback: plain, STARTTLS with AUTH, implicit TLS, refusals."""

from __future__ import annotations

import asyncio
import zipfile
from datetime import UTC, datetime
from email.message import EmailMessage
from io import BytesIO

import pytest

from facturo.mail.errors import MailDeferred, MailRejected, SmtpUrlInvalid
from facturo.mail.message import (
    Attachment,
    Outgoing,
    build_message,
    message_id_for,
    zip_attachments,
)
from facturo.mail.sender import MailSender, Sent, SmtpTarget
from facturo.platform.settings import Settings

from .conftest import Certificate, ServerFactory, free_port

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def _message(**overrides: object) -> Outgoing:
    fields: dict[str, object] = {
        "sender": "Facturo <billing@acme.test>",
        "to": ["Customer <customer@example.com>"],
        "cc": ["cc@example.com"],
        "bcc": ["audit@example.com"],
        "subject": "Invoice SAMPLE-004",
        "text": "Hello\n",
        "html": "<p>Hello</p>",
        "message_id": message_id_for("job-1:step-1", "Facturo <billing@acme.test>"),
        "date": NOW,
        "attachments": [Attachment("invoice.pdf", "application/pdf", b"%PDF-1.7 test")],
    }
    fields.update(overrides)
    return Outgoing(**fields)  # type: ignore[arg-type]


def _send(url: str, mail: Outgoing) -> Sent:
    sender = MailSender(SmtpTarget.parse(url), mail.sender)
    return asyncio.run(sender.send(build_message(mail), mail.recipients))


def test_a_message_arrives_with_headers_parts_and_every_envelope_recipient(
    smtp_server: ServerFactory,
) -> None:
    server = smtp_server()
    mail = _message()
    _send(f"smtp://{server.host}:{server.port}", mail)

    [got] = server.recorder.received
    assert got.mail_from == "billing@acme.test"
    assert got.rcpt_tos == ["customer@example.com", "cc@example.com", "audit@example.com"]
    message = got.message
    assert message["Subject"] == "Invoice SAMPLE-004"
    assert message["To"] == "Customer <customer@example.com>"
    assert message["Cc"] == "cc@example.com"
    assert message["Bcc"] is None
    assert message["Message-ID"] == "<job-1.step-1@acme.test>"
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_body(("plain",)).get_content().splitlines() == ["Hello"]
    assert message.get_body(("html",)).get_content().splitlines() == ["<p>Hello</p>"]
    [part] = message.iter_attachments()
    assert (part.get_filename(), part.get_content_type()) == ("invoice.pdf", "application/pdf")
    assert part.get_payload(decode=True) == b"%PDF-1.7 test"


def test_starttls_with_a_self_signed_certificate_and_login(
    smtp_server: ServerFactory, certificate: Certificate
) -> None:
    server = smtp_server(
        tls_context=certificate.server_context(), require_starttls=True, with_auth=True
    )
    url = f"smtp://facturo:s3cret@{server.host}:{server.port}?cafile={certificate.cert}"
    assert SmtpTarget.parse(url).starttls == "required"  # credentials never go in the clear

    _send(url, _message())

    assert server.recorder.logins == [("facturo", "s3cret")]
    assert len(server.recorder.received) == 1


def test_starttls_refuses_a_certificate_it_does_not_trust(
    smtp_server: ServerFactory, certificate: Certificate
) -> None:
    server = smtp_server(tls_context=certificate.server_context(), require_starttls=True)
    with pytest.raises(MailDeferred) as caught:
        _send(f"smtp://{server.host}:{server.port}?starttls=required", _message())
    assert caught.value.code == "connection"
    assert server.recorder.received == []


def test_implicit_tls(smtp_server: ServerFactory, certificate: Certificate) -> None:
    server = smtp_server(ssl_context=certificate.server_context())
    _send(f"smtps://{server.host}:{server.port}?cafile={certificate.cert}", _message())
    assert len(server.recorder.received) == 1


def test_a_4xx_reply_is_deferred_and_a_5xx_reply_is_rejected_with_its_code(
    smtp_server: ServerFactory,
) -> None:
    server = smtp_server()
    url = f"smtp://{server.host}:{server.port}"
    server.recorder.data_reply = "451 4.3.0 Try again later"
    with pytest.raises(MailDeferred) as deferred:
        _send(url, _message())
    assert deferred.value.code == "451"

    server.recorder.data_reply = "554 5.6.0 Message content rejected"
    with pytest.raises(MailRejected) as rejected:
        _send(url, _message())
    assert rejected.value.code == "554"


def test_all_recipients_refused_is_deferred_if_any_refusal_was_temporary(
    smtp_server: ServerFactory,
) -> None:
    server = smtp_server()
    url = f"smtp://{server.host}:{server.port}"
    mail = _message(to=["a@example.com"], cc=[], bcc=["b@example.com"])
    server.recorder.rcpt_replies = {
        "a@example.com": "550 No such user",
        "b@example.com": "450 Busy",
    }
    with pytest.raises(MailDeferred) as deferred:
        _send(url, mail)
    assert deferred.value.code == "450"

    server.recorder.rcpt_replies["b@example.com"] = "553 Not allowed"
    with pytest.raises(MailRejected) as rejected:
        _send(url, mail)
    assert rejected.value.code == "550"


def test_a_partly_refused_message_is_sent_and_names_the_refused(
    smtp_server: ServerFactory,
) -> None:
    server = smtp_server()
    server.recorder.rcpt_replies = {"audit@example.com": "550 No such user"}
    sent = _send(f"smtp://{server.host}:{server.port}", _message())
    assert [(r.address, r.code) for r in sent.refused] == [("audit@example.com", 550)]
    assert server.recorder.received[0].rcpt_tos == ["customer@example.com", "cc@example.com"]


def test_no_server_is_deferred() -> None:
    with pytest.raises(MailDeferred) as caught:
        _send(f"smtp://127.0.0.1:{free_port()}?timeout=5", _message())
    assert caught.value.code == "connection"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sink", SmtpTarget("127.0.0.1", 8425, starttls="off")),
        ("smtp://mx.example", SmtpTarget("mx.example", 25)),
        (
            "smtp://u%40x:p%2Fw@mx.example",
            SmtpTarget("mx.example", 587, starttls="required", username="u@x", password="p/w"),
        ),
        ("smtps://u:p@mx.example", SmtpTarget("mx.example", 465, True, "auto", "u", "p")),
        (
            "smtp://mx.example:2525?starttls=off&verify=false&timeout=5",
            SmtpTarget("mx.example", 2525, starttls="off", verify=False, timeout=5.0),
        ),
    ],
)
def test_smtp_urls(url: str, expected: SmtpTarget) -> None:
    assert SmtpTarget.parse(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://mx.example",
        "smtp://",
        "smtp://mx?tls=1",
        "smtp://mx?starttls=maybe",
        "smtps://mx?starttls=required",
    ],
)
def test_bad_smtp_urls_are_refused(url: str) -> None:
    with pytest.raises(SmtpUrlInvalid):
        SmtpTarget.parse(url)


def test_sender_from_settings(tmp_path: object) -> None:
    settings = Settings(
        smtp_url="smtp://mx.example",
        smtp_from="Billing <b@acme.test>",
        mail_notify_to="a@x.es, b@x.es",
    )
    sender = MailSender.from_settings(settings)
    assert sender.target == SmtpTarget("mx.example", 25)
    assert sender.notify_to == ("a@x.es", "b@x.es")


def test_message_id_is_a_function_of_the_idempotency_key() -> None:
    key = "0196e0a4-0000-7000-8000-000000000001:97ced0a0-d4e8-11f0-985d-3b44fe520da3"
    first = message_id_for(key, "Facturo <facturo@acme.test>")
    assert first == message_id_for(key, "facturo@acme.test")
    assert first == (
        "<0196e0a4-0000-7000-8000-000000000001.97ced0a0-d4e8-11f0-985d-3b44fe520da3@acme.test>"
    )
    assert message_id_for(key + "x", "facturo@acme.test") != first


def test_zipped_attachments_are_one_deterministic_zip() -> None:
    files = [
        Attachment("invoice.pdf", "application/pdf", b"pdf"),
        Attachment("invoice.pdf", "application/pdf", b"pdf2"),
        Attachment("record.xml", "application/xml", b"<x/>"),
    ]
    archive = zip_attachments(files)
    assert archive == zip_attachments(files)
    assert (archive.name, archive.mime) == ("attachments.zip", "application/zip")
    with zipfile.ZipFile(BytesIO(archive.data)) as zipped:
        assert zipped.namelist() == ["invoice.pdf", "invoice-2.pdf", "record.xml"]
        assert zipped.read("invoice-2.pdf") == b"pdf2"


def test_a_plain_message_is_text_only_and_the_subject_has_no_line_breaks() -> None:
    message: EmailMessage = build_message(
        _message(html=None, attachments=[], subject="Line one\r\nBcc: evil@example.com")
    )
    assert message.get_content_type() == "text/plain"
    assert message["Subject"] == "Line one Bcc: evil@example.com"


def test_verify_false_accepts_an_untrusted_certificate(
    smtp_server: ServerFactory, certificate: Certificate
) -> None:
    server = smtp_server(tls_context=certificate.server_context(), require_starttls=True)
    _send(f"smtp://{server.host}:{server.port}?starttls=required&verify=false", _message())
    assert len(server.recorder.received) == 1
