"""Domain types of the Silo: entries and their versions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NewType

EntryId = NewType("EntryId", uuid.UUID)

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
