"""The ``email.send`` and ``email.notify`` actions ("Send email", "Notify via Email", spec §5.1).

Config keys are Invopop's: ``connection_id``, ``subject`` (a Go template), ``body`` (a
**base64** Go template), ``add_invoice_customer``, ``add_invoice_supplier``, ``add_party``,
``attach`` and ``zip_attachments``. The Console also has To, Cc, Bcc and Reply-To fields whose
keys are not public (spec §7.6); here they are ``to``, ``cc``, ``bcc`` and ``reply_to``, each a
list of addresses or one comma-separated string. Both templates are parsed when the workflow is
saved, so a malformed one is a 422 at ``#/steps/N/config/body``.

- ``email.send`` writes to the configured addresses and, when asked, to the invoice's customer
  and supplier (``emails[].addr``) or to the party an ``org/party`` entry describes.
- ``email.notify`` tells people about the job itself (Invopop's templates send it with body
  ``{{.faults}}``); an empty subject or body gets one that names the job, the document and its
  faults.
- With no recipient at all, both write to the deployment's notification address
  (``FACTURO_MAIL_NOTIFY_TO``): Invopop's Stripe template sends "The invoice failed - check
  invopop" from its rescue flow with every recipient option off, a message for the workspace's
  people, not for a party. Without that address the step ends KO ``no-recipients``.

``attach`` names the entry's files to attach, separated by commas or spaces, each matched
against a file's key, name or category (``pdf`` is the ``pdf`` step's file); a name that matches
nothing ends the step KO ``attachment-missing`` rather than sending a mail without it.

Resume: ``IDEMPOTENT``. The ``Message-ID`` is derived from ``ctx.idempotency_key``, so a message
sent again after a crash before the checkpoint is the same message to its receivers (and is
marked "resent" by the local sink). Results: OK (``ref`` = the Message-ID; recipients the server
refused while accepting others become faults), ERR for what a retry may fix (no connection, a
timeout, a 4xx reply: the engine retries under :data:`MAIL_RETRY`), KO with the SMTP code for a
5xx reply (``550``), so conditions can branch on it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from facturo.errors import Fault
from facturo.mail.errors import MailDeferred, MailRejected
from facturo.mail.message import (
    Attachment,
    Outgoing,
    build_message,
    check_address,
    html_to_text,
    message_id_for,
    zip_attachments,
)
from facturo.mail.sender import MailSender
from facturo.mail.sink_store import WORKSPACE_HEADER
from facturo.mail.templates import Template, TemplateError, TemplateSyntaxError, parse
from facturo.mail.variables import JobFacts, party_emails, template_data
from facturo.silo import service as silo_service
from facturo.silo import service_files
from facturo.silo.errors import EntryNotFound
from facturo.silo.models import Entry
from facturo.silo.storage import Storage
from facturo.transform.engine.retry import RetryPolicy
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider

SEND: Final = "email.send"
NOTIFY: Final = "email.notify"

MAIL_RETRY = RetryPolicy(max_attempts=8, base=30.0, cap=1800.0)
"""Transient SMTP failures: 30 s growing to 30 min between tries, eight tries (a few hours)."""

NOTIFY_SUBJECT = parse(
    "Facturo job {{.job_id}}{{with .full_code}} ({{.}}){{end}}"
    "{{if .faults}}: {{len .faults}} fault(s){{end}}",
    html=False,
)
NOTIFY_BODY = parse(
    "Job {{.job_id}}{{with .key}} ({{.}}){{end}}"
    "{{with .full_code}} on {{.}}{{end}}{{with .silo_entry_id}}, entry {{.}}{{end}}.\n"
    "{{if .faults}}\nFaults:\n{{range .faults}}- {{with .provider}}{{.}}: {{end}}"
    "{{.message}}{{with .code}} ({{.}}){{end}}\n{{end}}{{else}}\nNo faults.\n{{end}}",
    html=False,
)

_SPLIT = re.compile(r"[\s,;]+")
_LIST_COMMA = re.compile(r',(?=(?:[^"]*"[^"]*")*[^"]*$)(?![^<]*>)')
"""A comma between addresses: not inside a quoted display name nor inside ``<…>``."""


@dataclass(frozen=True, slots=True)
class MailFiles:
    """Step resource: the Silo's file store, where ``attach`` reads the entry's files."""

    storage: Storage


def decode_body(value: str) -> str:
    """The template text of a base64 ``body`` (standard alphabet, padding optional)."""
    compact = "".join(value.split())
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise ValueError("body must be base64 of a UTF-8 Go template") from None


def _addresses(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError("expected a list of e-mail addresses or a comma-separated string")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError("addresses must be strings")
        out.extend(p.strip() for p in _LIST_COMMA.split(item) if p.strip())
    return out


class EmailConfig(BaseModel):
    """Config of ``email.send`` and ``email.notify``, checked when the workflow is saved."""

    model_config = ConfigDict(extra="forbid")

    connection_id: str = Field(
        default="default", description="The sender; only the deployment's SMTP server exists."
    )
    subject: str = Field(default="", max_length=998, description="Go template of the subject.")
    body: str = Field(default="", description="Go template of the body, base64-encoded.")
    add_invoice_customer: bool = False
    add_invoice_supplier: bool = False
    add_party: bool = False
    attach: str = Field(default="", description="Files to attach: keys, names or categories.")
    zip_attachments: bool = False
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    bcc: list[str] = Field(default_factory=list)
    reply_to: list[str] = Field(default_factory=list)

    @field_validator("connection_id")
    @classmethod
    def _connection(cls, value: str) -> str:
        if value not in ("", "default"):
            raise ValueError("only the `default` connection (FACTURO_SMTP_URL) exists")
        return value

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        _parse_or_explain(value, html=False)
        return value

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        _parse_or_explain(decode_body(value))
        return value

    @field_validator("to", "cc", "bcc", "reply_to", mode="before")
    @classmethod
    def _split(cls, value: Any) -> list[str]:
        return [check_address(a) for a in _addresses(value)]

    def subject_template(self) -> Template:
        return parse(self.subject, html=False)

    def body_template(self) -> Template:
        return parse(decode_body(self.body))

    def attach_names(self) -> list[str]:
        return [name for name in _SPLIT.split(self.attach) if name]


def _parse_or_explain(source: str, *, html: bool | None = None) -> Template:
    try:
        return parse(source, html=html)
    except TemplateSyntaxError as exc:
        raise ValueError(f"template error at line {exc.line}: {exc.reason}") from None


def _parties(config: EmailConfig, entry: Entry | None) -> list[str]:
    doc = entry.data.get("doc") if entry is not None else None
    if not isinstance(doc, dict):
        return []
    found: list[str] = []
    if config.add_invoice_customer:
        found += party_emails(doc.get("customer"))
    if config.add_invoice_supplier:
        found += party_emails(doc.get("supplier"))
    if config.add_party and str(doc.get("$schema", "")).endswith("org/party"):
        found += party_emails(doc)
    return found


def _attachments(ctx: StepContext, config: EmailConfig, entry: Entry | None) -> list[Attachment]:
    wanted = config.attach_names()
    if not wanted:
        return []
    if entry is None:
        raise _Stop(StepResult.ko("no-entry", "attachments need the job's Silo entry"))
    files = ctx.resources.find(MailFiles)
    if files is None:
        raise _Stop(StepResult.ko("no-file-store", "no file store is configured for steps"))
    chosen: dict[Any, Any] = {}
    for name in wanted:
        matches = [f for f in entry.attachments if f.stored and name in (f.key, f.name, f.category)]
        if not matches:
            raise _Stop(
                StepResult.ko(
                    "attachment-missing",
                    f"the entry has no file {name!r} to attach",
                    paths=("$.config.attach",),
                )
            )
        for f in matches:
            chosen.setdefault(f.id, f)
    out: list[Attachment] = []
    for f in chosen.values():
        blob = service_files.get_file_bytes(
            ctx.uow,
            files.storage,
            workspace_id=ctx.job.workspace_id,
            entry_id=entry.id,
            file_id=f.id,
        )
        out.append(Attachment(blob.name, blob.mime, blob.data))
    return out


class _Stop(Exception):
    """Ends the step early with ``result`` (a KO the helpers found)."""

    def __init__(self, result: StepResult) -> None:
        super().__init__(result.message)
        self.result = result


def _entry(ctx: StepContext) -> Entry | None:
    if ctx.job.silo_entry_id is None:
        return None
    try:
        return silo_service.get_entry(
            ctx.uow, workspace_id=ctx.job.workspace_id, entry_id=ctx.job.silo_entry_id
        )
    except EntryNotFound:
        raise _Stop(StepResult.ko("no-entry", "the job's Silo entry does not exist")) from None


def _refused_faults(refused: Sequence[Any], action: str) -> tuple[Fault, ...]:
    return tuple(
        Fault(str(r.code), f"{r.address} refused: {r.message}", provider=action) for r in refused
    )


async def _run(ctx: StepContext, config: EmailConfig, *, notify: bool) -> StepResult:
    sender = ctx.resources.find(MailSender)
    if sender is None:
        return StepResult.ko("mail-unconfigured", "no mail sender is configured for steps")
    try:
        entry = _entry(ctx)
        facts = JobFacts(
            job_id=str(ctx.job.id),
            silo_entry_id=str(ctx.job.silo_entry_id or ""),
            key=ctx.job.key or "",
            args=ctx.job.args,
            faults=ctx.job.faults,
            state=(entry.state or "") if entry is not None else "",
        )
        data = template_data(entry.data if entry is not None else None, facts)
        subject_tpl = config.subject_template()
        body_tpl = config.body_template()
        if notify and not config.subject.strip():
            subject_tpl = NOTIFY_SUBJECT
        if notify and not body_tpl.source.strip():
            body_tpl = NOTIFY_BODY
        try:
            subject = subject_tpl.render(data)
            body = body_tpl.render(data)
        except TemplateError as exc:
            return StepResult.ko("template", str(exc), paths=("$.config",))
        to = [*config.to, *_parties(config, entry)]
        if not (to or config.cc or config.bcc):
            to = list(sender.notify_to)
        if not (to or config.cc or config.bcc):
            return StepResult.ko("no-recipients", "the e-mail has no recipients")
        attachments = _attachments(ctx, config, entry)
    except _Stop as stop:
        return stop.result
    if config.zip_attachments and attachments:
        attachments = [zip_attachments(attachments)]
    message_id = message_id_for(ctx.idempotency_key, sender.default_from)
    mail = Outgoing(
        sender=sender.default_from,
        to=to,
        cc=config.cc,
        bcc=config.bcc,
        reply_to=config.reply_to,
        subject=subject,
        text=html_to_text(body) if body_tpl.html else body,
        html=body if body_tpl.html else None,
        message_id=message_id,
        date=ctx.now,
        attachments=attachments,
        headers={WORKSPACE_HEADER: str(ctx.job.workspace_id), "X-Facturo-Job": str(ctx.job.id)},
    )
    try:
        sent = await sender.send(build_message(mail), mail.recipients)
    except MailDeferred as exc:
        return StepResult.err(exc.code, exc.detail)
    except MailRejected as exc:
        return StepResult.ko(exc.code, exc.detail)
    ctx.log.info(
        "mail.sent",
        extra={"message_id": message_id, "recipients": len(mail.recipients), "action": ctx.action},
    )
    return StepResult.ok(ref=message_id, faults=_refused_faults(sent.refused, ctx.action))


@provider(SEND, config=EmailConfig, effect=Effect.IDEMPOTENT, retry=MAIL_RETRY, timeout=120.0)
async def email_send(ctx: StepContext, config: EmailConfig) -> StepResult:
    """Send the rendered e-mail to the configured addresses and the chosen parties."""
    return await _run(ctx, config, notify=False)


@provider(NOTIFY, config=EmailConfig, effect=Effect.IDEMPOTENT, retry=MAIL_RETRY, timeout=120.0)
async def email_notify(ctx: StepContext, config: EmailConfig) -> StepResult:
    """Send the job's outcome to the notification address (or the configured recipients)."""
    return await _run(ctx, config, notify=True)


__all__ = [
    "MAIL_RETRY",
    "NOTIFY",
    "SEND",
    "EmailConfig",
    "MailFiles",
    "decode_body",
    "email_notify",
    "email_send",
]
