"""Domain types of the Silo: entries, versions, states, meta rows, files and spooled files."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NewType

from facturo.errors import Fault

EntryId = NewType("EntryId", uuid.UUID)

RawJson = NewType("RawJson", str)
"""JSON text as the database holds it, handed to an answer as is (never decoded)."""

GOBL_DRAFT = "https://gobl.org/draft-0/"

# Folders whose documents are time-bound and so need time-based ids (contract §1.6).
TIME_BOUND_FOLDERS = frozenset({"sales", "expenses", "invoices", "drafts"})

# "Automatic rules" when a create names no folder (contract §6.2).
_FOLDER_BY_SCHEMA = {
    "bill/invoice": "sales",
    "org/party": "customers",
    "org/item": "items",
    "bill/order": "orders",
    "bill/delivery": "deliveries",
    "bill/payment": "payments",
    "bill/status": "statuses",
    "note/message": "messages",
}


def folder_for(doc_schema: str) -> str:
    short = doc_schema.removeprefix(GOBL_DRAFT)
    return _FOLDER_BY_SCHEMA.get(short, short.rsplit("/", 1)[-1] + "s" if short else "documents")


@dataclass(frozen=True, slots=True)
class Version:
    version: str
    at: datetime
    src: str
    src_id: str
    signed: bool
    invalid: bool


@dataclass(frozen=True, slots=True)
class Entry:
    id: EntryId
    workspace_id: uuid.UUID
    key: str | None
    folder: str
    state: str | None
    signed: bool
    invalid: bool
    env_schema: str
    doc_schema: str
    digest: dict[str, str] | None
    tags: list[str]
    data: dict[str, Any]
    version: str
    created_at: datetime
    updated_at: datetime
    versions: list[Version] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    attachments: list[File] = field(default_factory=list)
    meta: list[Meta] = field(default_factory=list)
    snippet: dict[str, Any] | None = None
    """The stored snippet; ``None`` when it is to be worked out from ``data``."""


@dataclass(frozen=True, slots=True)
class Listed:
    """An entry as lists show it: no envelope; its snippet, digest and tags as stored, in JSON
    text that goes into the answer undecoded."""

    id: EntryId
    key: str | None
    folder: str
    state: str | None
    signed: bool
    invalid: bool
    env_schema: str
    doc_schema: str
    version: str
    created_at: datetime
    updated_at: datetime
    faults: list[Fault]
    snippet: RawJson | None
    digest: RawJson | None
    tags: RawJson | None


@dataclass(frozen=True, slots=True)
class State:
    """A state an entry passed through (``SiloState``); the newest by ``at`` is the entry's."""

    entry_id: uuid.UUID
    at: datetime
    key: str
    notes: str | None
    meta: dict[str, str]
    src: str
    src_id: str
    faults: list[Fault]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Meta:
    """A meta row (``SiloMeta``): data another service keeps about an entry."""

    entry_id: uuid.UUID
    owner_id: uuid.UUID
    src: str
    key: str
    ref: str | None
    value: Any
    link_url: str | None
    link_scope: str | None
    indexed: bool
    owned: bool
    secure: bool
    shared: bool
    created_at: datetime
    updated_at: datetime

    @property
    def id(self) -> str:
        """The contract's compound id, ``<entry_id>:<src>:<key>``."""
        return f"{self.entry_id}:{self.src}:{self.key}"


@dataclass(frozen=True, slots=True)
class FileVersion:
    """A replaced version of a file (``SiloFileVersion``)."""

    id: uuid.UUID
    created_at: datetime
    hash: str
    size: int


@dataclass(frozen=True, slots=True)
class File:
    """A file on an entry (``SiloFile``). ``public_token`` is set only for public files."""

    id: uuid.UUID
    entry_id: uuid.UUID
    created_at: datetime
    name: str
    desc: str | None
    key: str | None
    category: str
    hash: str
    mime: str
    size: int
    stored: bool
    embeddable: bool
    private: bool
    meta: dict[str, str]
    public_token: str | None
    previous: list[FileVersion] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SpoolFile:
    """A spooled file: bytes a workspace parked for later (data-URI job args, uploads)."""

    key: str
    name: str
    mime: str
    hash: str
    size: int
    created_at: datetime
