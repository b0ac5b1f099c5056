"""Files on entries (contract §2.4, ``DOCS:guides/file-uploads.mdx``).

A file is uploaded with its bytes (base64 ``data``), or declared by ``sha256``, ``size`` and
``mime`` and its bytes PUT later to its upload URL. A file's slot is (category, key), or
(category, name) when it has no key: uploading into a taken slot replaces the file and keeps the
old one in ``previous[]``, still downloadable by its own id; it is not a conflict. The same id
uploaded again with the same bytes answers the stored file (a retried request); with other bytes
it is a conflict. Bytes are checked against ``sha256`` and ``size`` when given, and refused
over ``max_bytes`` (413). Functions here do not commit.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from facturo.errors import Fault, Invalid
from facturo.platform.ids import uuid7
from facturo.platform.uow import UnitOfWork
from facturo.silo import repository
from facturo.silo.errors import (
    BadFileData,
    FileAlreadyStored,
    FileExists,
    FileNotFound,
    FileNotStored,
    FileTooLarge,
    HashMismatch,
    SizeMismatch,
)
from facturo.silo.models import File
from facturo.silo.storage import Storage, sha256_hex
from facturo.silo.tables import FilePreviousRow, FileRow

# type/subtype with optional parameters, printable ASCII only: it is sent back as a header.
_MIME = re.compile(r"^[A-Za-z0-9][\w.+-]*/[\w.+-]+(\s*;[ -~]*)?$")

# Categories of the Go client (``silo_attachments.go``); "" is the legacy "none".
CATEGORIES = frozenset(
    {"", "format", "request", "response", "agreement", "verification", "attachment"}
)


@dataclass(frozen=True, slots=True)
class NewFile:
    """A file as a caller describes it; ``data`` None declares it for a later upload."""

    name: str
    data: bytes | None = None
    desc: str | None = None
    key: str | None = None
    category: str = ""
    mime: str | None = None
    sha256: str | None = None
    size: int | None = None
    embeddable: bool = False
    private: bool = False
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FileBytes:
    """A download: what to send and how to label it."""

    name: str
    mime: str
    data: bytes


def check_mime(mime: str, path: str = "$.mime") -> str:
    """``mime`` if it reads as a media type; downloads send it back as ``Content-Type``."""
    if not _MIME.match(mime):
        raise Invalid(faults=[Fault("mime", "must be a media type, e.g. application/pdf", (path,))])
    return mime


def decode_base64(data: str, max_bytes: int) -> bytes:
    """Base64 ``data`` (a request's ``data``) as bytes; refused before decoding when it cannot
    fit under ``max_bytes``."""
    if len(data) // 4 * 3 > max_bytes + 2:
        raise FileTooLarge()
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadFileData(faults=[Fault("base64", "is not valid base64", ("$.data",))]) from None


def _check(spec: NewFile, max_bytes: int) -> tuple[str, int, str]:
    """The file's hash, size and MIME type, checked against what the caller declared."""
    if spec.category not in CATEGORIES:
        raise Invalid(
            "Unknown file category.",
            faults=[
                Fault(
                    "category",
                    f"must be one of: {', '.join(sorted(CATEGORIES - {''}))}",
                    ("$.category",),
                )
            ],
        )
    mime = check_mime(spec.mime or mimetypes.guess_type(spec.name)[0] or "application/octet-stream")
    if spec.data is None:
        missing = [n for n in ("sha256", "size", "mime") if getattr(spec, n) in (None, "")]
        if missing:
            raise Invalid(
                "Without `data`, give `sha256`, `size` and `mime` of the bytes to upload.",
                faults=[
                    Fault("required", "is required without data", (f"$.{n}",)) for n in missing
                ],
            )
        assert spec.sha256 is not None
        assert spec.size is not None
        if spec.size > max_bytes:
            raise FileTooLarge()
        digest = spec.sha256.lower()
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise Invalid(faults=[Fault("sha256", "must be 64 hex digits", ("$.sha256",))])
        if spec.size < 0:
            raise Invalid(faults=[Fault("size", "must not be negative", ("$.size",))])
        return digest, spec.size, mime
    if len(spec.data) > max_bytes:
        raise FileTooLarge()
    digest = sha256_hex(spec.data)
    _verify(spec.data, digest, spec.sha256, spec.size)
    return digest, len(spec.data), mime


def _verify(data: bytes, digest: str, sha256: str | None, size: int | None) -> None:
    if sha256 and sha256.lower() != digest:
        raise HashMismatch(faults=[Fault("sha256", "does not match the bytes", ("$.sha256",))])
    if size is not None and size != len(data):
        raise SizeMismatch(faults=[Fault("size", "does not match the bytes", ("$.size",))])


def put_file(
    uow: UnitOfWork,
    storage: Storage,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    spec: NewFile,
    max_bytes: int,
    file_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> File:
    """Add a file to the entry, replacing the one in its slot. Returns the file record."""
    repository.get_entry_row(uow, workspace_id, entry_id, lock=True)
    digest, size, mime = _check(spec, max_bytes)
    slot = spec.key or spec.name
    if file_id is not None:
        same = uow.session.get(FileRow, (workspace_id, file_id))
        if same is not None:
            if (same.entry_id, same.hash, same.category, same.slot) == (
                entry_id,
                digest,
                spec.category,
                slot,
            ):
                return _file(uow, same)
            raise FileExists()
        if uow.session.get(FilePreviousRow, (workspace_id, file_id)) is not None:
            raise FileExists()
    stored = spec.data is not None
    if spec.data is not None:
        storage.put(spec.data)
    else:
        stored = _held(uow, workspace_id, digest, size)
    moment = now or datetime.now(UTC)
    current = uow.session.scalars(
        select(FileRow).where(
            FileRow.workspace_id == workspace_id,
            FileRow.entry_id == entry_id,
            FileRow.category == spec.category,
            FileRow.slot == slot,
        )
    ).one_or_none()
    if current is not None:
        uow.session.add(
            FilePreviousRow(
                workspace_id=workspace_id,
                id=current.id,
                entry_id=entry_id,
                category=current.category,
                slot=current.slot,
                name=current.name,
                hash=current.hash,
                mime=current.mime,
                size=current.size,
                stored=current.stored,
                created_at=current.created_at,
            )
        )
        uow.session.delete(current)
        uow.session.flush()
    row = FileRow(
        workspace_id=workspace_id,
        id=file_id or uuid7(),
        entry_id=entry_id,
        category=spec.category,
        slot=slot,
        key=spec.key or None,
        name=spec.name,
        desc=spec.desc or None,
        hash=digest,
        mime=mime,
        size=size,
        stored=stored,
        embeddable=spec.embeddable,
        private=spec.private,
        meta=dict(spec.meta) or None,
        public_token=None if spec.private else secrets.token_urlsafe(24),
        created_at=moment,
    )
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:  # a concurrent upload took this id first
        raise FileExists() from exc
    return _file(uow, row)


def _held(uow: UnitOfWork, workspace_id: uuid.UUID, digest: str, size: int) -> bool:
    """Whether the workspace already holds these bytes (a stored file with this hash).

    A declared file whose bytes the workspace already uploaded is stored at once, and the
    client skips sending them again (the Go client does). Only the workspace's own files count:
    the store is shared, and a hash must never let one workspace read another's bytes.
    """
    for table in (FileRow, FilePreviousRow):
        held = uow.session.scalars(
            select(table.size)
            .where(table.workspace_id == workspace_id, table.hash == digest, table.stored.is_(True))
            .limit(1)
        ).first()
        if held is not None:
            if held != size:
                raise SizeMismatch(faults=[Fault("size", "does not match the bytes", ("$.size",))])
            return True
    return False


def upload_file_bytes(
    uow: UnitOfWork,
    storage: Storage,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    file_id: uuid.UUID,
    data: bytes,
    max_bytes: int,
) -> File:
    """Store the bytes of a declared file; they must match its ``sha256`` and ``size``."""
    row = _current(uow, workspace_id, entry_id, file_id)
    if row.stored:
        if sha256_hex(data) == row.hash:
            return _file(uow, row)  # a retried upload
        raise FileAlreadyStored()
    if len(data) > max_bytes:
        raise FileTooLarge()
    _verify(data, sha256_hex(data), row.hash, row.size)
    storage.put(data)
    row.stored = True
    uow.session.flush()
    return _file(uow, row)


def get_file_bytes(
    uow: UnitOfWork,
    storage: Storage,
    *,
    workspace_id: uuid.UUID,
    entry_id: uuid.UUID,
    file_id: uuid.UUID,
) -> FileBytes:
    """The bytes of a file or of one of its previous versions, by id."""
    repository.get_entry_row(uow, workspace_id, entry_id)
    found: FileRow | FilePreviousRow | None = uow.session.get(FileRow, (workspace_id, file_id))
    if found is None or found.entry_id != entry_id:
        found = uow.session.get(FilePreviousRow, (workspace_id, file_id))
    if found is None or found.entry_id != entry_id:
        raise FileNotFound()
    if not found.stored:
        raise FileNotStored()
    return FileBytes(found.name, found.mime, storage.get(found.hash))


def get_public_file_bytes(uow: UnitOfWork, storage: Storage, *, token: str) -> FileBytes:
    """A public file by the token of its link (no workspace: the token is the credential)."""
    row = uow.session.scalars(select(FileRow).where(FileRow.public_token == token)).one_or_none()
    if row is None or row.private:
        raise FileNotFound()
    if not row.stored:
        raise FileNotStored()
    return FileBytes(row.name, row.mime, storage.get(row.hash))


def get_file(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, entry_id: uuid.UUID, file_id: uuid.UUID
) -> File:
    """The current file record with this id."""
    return _file(uow, _current(uow, workspace_id, entry_id, file_id))


def _current(
    uow: UnitOfWork, workspace_id: uuid.UUID, entry_id: uuid.UUID, file_id: uuid.UUID
) -> FileRow:
    repository.get_entry_row(uow, workspace_id, entry_id)
    row = uow.session.get(FileRow, (workspace_id, file_id))
    if row is None or row.entry_id != entry_id:
        raise FileNotFound()
    return row


def _file(uow: UnitOfWork, row: FileRow) -> File:
    previous = uow.session.scalars(
        select(FilePreviousRow).where(
            FilePreviousRow.workspace_id == row.workspace_id,
            FilePreviousRow.entry_id == row.entry_id,
            FilePreviousRow.category == row.category,
            FilePreviousRow.slot == row.slot,
        )
    ).all()
    return repository.file_of(row, list(previous))
