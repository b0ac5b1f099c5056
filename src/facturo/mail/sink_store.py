"""The local sink's mailbox: one ``.eml`` file per message and an ``index.jsonl`` beside them.

Files rather than tables: the sink is a development tool that runs beside any database (or
none), its messages are meant to be opened with any mail client (``.eml``), and ``rm -r
<data_dir>/mail`` empties it. The index holds what the list page shows, so listing does not
parse every message; a line is appended only after its ``.eml`` is written, so a reader never
sees an entry without its file.

Each message records the ``X-Facturo-Workspace`` header the e-mail steps set, so the page shows
a workspace only its own mail, like every other route.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from facturo.platform.ids import uuid7

INDEX = "index.jsonl"
WORKSPACE_HEADER = "X-Facturo-Workspace"
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class Part:
    """An attachment as listed: its bytes stay in the ``.eml``."""

    name: str
    mime: str
    size: int


@dataclass(frozen=True, slots=True)
class Stored:
    """One message the sink received."""

    id: str
    received_at: str
    mail_from: str
    rcpt_to: list[str]
    subject: str
    sender: str
    to: str
    cc: str
    message_id: str
    workspace: str
    size: int
    repeat: bool = False  # a message with this Message-ID arrived before (a resend)
    attachments: list[Part] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stored:
        parts = [Part(**p) for p in data.pop("attachments", [])]
        return cls(**data, attachments=parts)


def parse_message(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def attachments_of(message: EmailMessage) -> list[tuple[Part, bytes]]:
    found: list[tuple[Part, bytes]] = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        payload = data if isinstance(data, bytes) else b""
        name = part.get_filename() or "attachment"
        found.append((Part(name, part.get_content_type(), len(payload)), payload))
    return found


class SinkStore:
    """The directory the sink writes and the mail page reads."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def add(self, raw: bytes, *, mail_from: str, rcpt_to: Sequence[str], now: datetime) -> Stored:
        message = parse_message(raw)
        message_id = str(message.get("Message-ID", "")).strip()
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            repeat = bool(message_id) and any(s.message_id == message_id for s in self.list())
            stored = Stored(
                id=uuid7().hex,
                received_at=now.astimezone(UTC).isoformat(),
                mail_from=mail_from,
                rcpt_to=list(rcpt_to),
                subject=str(message.get("Subject", "")).strip(),
                sender=str(message.get("From", "")).strip(),
                to=str(message.get("To", "")).strip(),
                cc=str(message.get("Cc", "")).strip(),
                message_id=message_id,
                workspace=str(message.get(WORKSPACE_HEADER, "")).strip(),
                size=len(raw),
                repeat=repeat,
                attachments=[part for part, _ in attachments_of(message)],
            )
            (self.directory / f"{stored.id}.eml").write_bytes(raw)
            with (self.directory / INDEX).open("a", encoding="utf-8") as index:
                index.write(json.dumps(asdict(stored), ensure_ascii=False) + "\n")
        return stored

    def list(self, *, workspace: str | None = None) -> list[Stored]:
        """Messages, newest first; only ``workspace``'s when given."""
        path = self.directory / INDEX
        if not path.exists():
            return []
        items = [
            Stored.from_json(json.loads(line))
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        if workspace is not None:
            items = [s for s in items if s.workspace == workspace]
        return items[::-1]

    def get(self, message_id: str, *, workspace: str | None = None) -> tuple[Stored, bytes] | None:
        """A message and its raw bytes by the sink's id, or None (also for another workspace)."""
        if not _ID.match(message_id):
            return None
        for stored in self.list(workspace=workspace):
            if stored.id == message_id:
                return stored, (self.directory / f"{stored.id}.eml").read_bytes()
        return None
