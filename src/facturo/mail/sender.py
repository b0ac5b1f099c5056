"""Sending e-mail over SMTP with aiosmtplib, configured by one URL.

``FACTURO_SMTP_URL`` forms:

==============================================  ===============================================
``sink``                                        the local sink ``make serve`` starts (no TLS)
``smtp://host:25``                              plain SMTP; STARTTLS when the server offers it
``smtp://user:pass@host:587``                   submission: STARTTLS required before AUTH
``smtps://user:pass@host:465``                  TLS from the first byte (RFC 8314 implicit TLS)
``…?starttls=required|auto|off``                override the STARTTLS rule
``…?cafile=/path/ca.pem``                       trust this CA (a private relay's certificate)
``…?verify=false``                              do not check the certificate (never in production)
``…?timeout=30``                                seconds per SMTP command
==============================================  ===============================================

Credentials are never sent in the clear: with a user and no ``smtps``, STARTTLS is required
unless the URL says ``starttls=off`` explicitly. Failures are sorted for the retry rules
(:mod:`facturo.mail.errors`): no connection, a timeout or a 4xx reply is :class:`MailDeferred`;
a 5xx reply is :class:`MailRejected` with its code. Recipients the server refused while it
accepted others are returned, not raised: the message went out.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from facturo.mail.errors import MailDeferred, MailRejected, SmtpUrlInvalid
from facturo.platform.settings import Settings

StartTls = Literal["auto", "required", "off"]
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    """Where and how to connect; built from a URL by :meth:`parse`."""

    host: str
    port: int
    implicit_tls: bool = False
    starttls: StartTls = "auto"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None
    verify: bool = True
    timeout: float = 30.0

    @classmethod
    def parse(cls, url: str, *, sink_host: str = "127.0.0.1", sink_port: int = 8425) -> SmtpTarget:
        if url.strip() == "sink":
            return cls(sink_host, sink_port, starttls="off")
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SmtpUrlInvalid()
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - {"starttls", "cafile", "verify", "timeout"}
        if unknown:
            raise SmtpUrlInvalid(f"unknown SMTP URL option {sorted(unknown)[0]!r}")
        implicit = parts.scheme == "smtps"
        username = unquote(parts.username) if parts.username else None
        starttls = query.get("starttls", "required" if username and not implicit else "auto")
        if starttls not in ("auto", "required", "off") or (implicit and starttls == "required"):
            raise SmtpUrlInvalid("starttls must be auto, required or off (not with smtps)")
        verify = query.get("verify", "true").lower()
        if verify not in _TRUE | _FALSE:
            raise SmtpUrlInvalid("verify must be true or false")
        try:
            port = parts.port or (465 if implicit else 587 if username else 25)
            timeout = float(query.get("timeout", "30"))
        except ValueError as exc:
            raise SmtpUrlInvalid(f"bad port or timeout in the SMTP URL: {exc}") from None
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=implicit,
            starttls=starttls,  # type: ignore[arg-type]  # checked just above
            username=username,
            password=unquote(parts.password) if parts.password else None,
            cafile=query.get("cafile"),
            verify=verify in _TRUE,
            timeout=timeout,
        )

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.cafile)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


@dataclass(frozen=True, slots=True)
class Refused:
    """A recipient the server refused while it accepted the message for others."""

    address: str
    code: int
    message: str


@dataclass(frozen=True, slots=True)
class Sent:
    """What the server said when it took the message."""

    reply: str
    refused: tuple[Refused, ...] = ()


@dataclass(frozen=True, slots=True)
class MailSender:
    """Step resource: the configured SMTP server, the From address and the notify address."""

    target: SmtpTarget
    default_from: str
    notify_to: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> MailSender:
        target = SmtpTarget.parse(
            settings.smtp_url, sink_host=settings.mail_sink_host, sink_port=settings.mail_sink_port
        )
        notify = tuple(a.strip() for a in settings.mail_notify_to.split(",") if a.strip())
        return cls(target, settings.smtp_from, notify)

    async def send(self, message: EmailMessage, recipients: Sequence[str]) -> Sent:
        """Deliver ``message`` to ``recipients`` (the envelope, Bcc included)."""
        target = self.target
        client = aiosmtplib.SMTP(
            hostname=target.host,
            port=target.port,
            use_tls=target.implicit_tls,
            start_tls={"auto": None, "required": True, "off": False}[target.starttls],
            tls_context=target.tls_context()
            if target.starttls != "off" or target.implicit_tls
            else None,
            username=target.username,
            password=target.password,
            timeout=target.timeout,
        )
        try:
            async with client:
                errors, reply = await client.send_message(message, recipients=list(recipients))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise _refused_all(exc.recipients) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise _by_code(exc.code, exc.message) from exc
        except aiosmtplib.SMTPNotSupported as exc:
            raise MailRejected(f"the mail server does not support it: {exc}", code="tls") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailDeferred(
                f"the mail server is not reachable: {exc}", code="connection"
            ) from exc
        return Sent(reply, _refused(errors))


def _refused(errors: Mapping[str, aiosmtplib.SMTPResponse]) -> tuple[Refused, ...]:
    return tuple(Refused(addr, r.code, r.message) for addr, r in errors.items())


def _by_code(code: int, message: str) -> MailDeferred | MailRejected:
    detail = f"the mail server answered {code} {message}".strip()
    if 500 <= code < 600:
        return MailRejected(detail, code=str(code))
    return MailDeferred(detail, code=str(code) if code > 0 else "connection")


def _refused_all(
    recipients: Sequence[aiosmtplib.SMTPRecipientRefused],
) -> MailDeferred | MailRejected:
    """Every recipient refused: try later if any refusal was temporary, else give up."""
    temporary = [r for r in recipients if 400 <= r.code < 500]
    first = temporary[0] if temporary else recipients[0]
    error = _by_code(first.code, f"{first.message} for {first.recipient}")
    return error
