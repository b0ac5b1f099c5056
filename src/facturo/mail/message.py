"""Building an e-mail with the stdlib ``email`` package. PURE: no sockets, no clock.

- An HTML body goes as ``multipart/alternative`` with a plain-text part derived from it, so
  clients that show text (and spam filters, which distrust HTML-only mail) get readable words;
  a plain body goes as ``text/plain`` alone.
- Attachments keep their names and content types; ``zip_attachments`` puts them in one
  ``attachments.zip`` (stored members, fixed timestamps, so the same files give the same bytes).
- The ``Message-ID`` is a function of the step's idempotency key (``job_id:step_id``): a message
  sent again after a crash carries the same id, which receivers and the local sink recognise as
  the same message (RFC 5322 §3.6.4: one id per message, whatever the number of deliveries).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from html.parser import HTMLParser

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    mime: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An e-mail ready to be built; ``bcc`` never appears in the headers."""

    sender: str
    to: Sequence[str]
    subject: str
    text: str
    html: str | None
    message_id: str
    date: datetime
    cc: Sequence[str] = ()
    bcc: Sequence[str] = ()
    reply_to: Sequence[str] = ()
    attachments: Sequence[Attachment] = ()
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def recipients(self) -> list[str]:
        """Every envelope recipient (RCPT TO), each address once, in header order."""
        seen: dict[str, None] = {}
        for _, addr in getaddresses([*self.to, *self.cc, *self.bcc]):
            if addr:
                seen.setdefault(addr, None)
        return list(seen)


def message_id_for(idempotency_key: str, sender: str) -> str:
    """``<job.step@domain>``: the same for every attempt of one step of one job."""
    _, addr = getaddresses([sender])[0]
    domain = addr.rpartition("@")[2] or "facturo.invalid"
    local = _ID_UNSAFE.sub("-", idempotency_key.replace(":", ".")).strip("-.")
    return f"<{local}@{domain}>"


def zip_attachments(attachments: Sequence[Attachment], name: str = "attachments.zip") -> Attachment:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        used: set[str] = set()
        for item in attachments:
            member = _unique(item.name or "file", used)
            info = zipfile.ZipInfo(member, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, item.data)
    return Attachment(name, "application/zip", buffer.getvalue())


def _unique(name: str, used: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
    used.add(candidate)
    return candidate


def build_message(mail: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.to)
    if mail.cc:
        message["Cc"] = ", ".join(mail.cc)
    if mail.reply_to:
        message["Reply-To"] = ", ".join(mail.reply_to)
    message["Subject"] = " ".join(mail.subject.split())  # no line breaks into the header
    message["Date"] = format_datetime(mail.date)
    message["Message-ID"] = mail.message_id
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    for item in mail.attachments:
        maintype, _, subtype = (item.mime or "application/octet-stream").partition("/")
        message.add_attachment(
            item.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=item.name,
        )
    return message


def check_address(value: str) -> str:
    """An RFC 5322 mailbox (``addr`` or ``Name <addr>``); ValueError names what is wrong."""
    pairs = getaddresses([value])
    if len(pairs) != 1 or "@" not in pairs[0][1]:
        raise ValueError(f"{value!r} is not an e-mail address")
    name, addr = pairs[0]
    local, _, domain = addr.rpartition("@")
    try:
        Address(display_name=name, username=local, domain=domain)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"{value!r} is not an e-mail address: {exc}") from None
    if not local or ("." not in domain and domain != "localhost"):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value.strip()


class _TextOf(HTMLParser):
    """Plain text of an HTML body: block elements break lines, links keep their target."""

    _BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head"):
            self.skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self.href:
            self.parts.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
