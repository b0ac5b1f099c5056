"""The spool: files a workspace parks for later, addressed by a key (contract §2.7).

Job args given as data URIs (``data:application/xml;base64,…``) land here, so a job's args stay
short strings and the bytes are read back by key (``spool:<key>``). Keys look like the
contract's example, ``2025-W20-123467abcde-invoice.xml``: the ISO week, a random part that
makes them unguessable, and the name. A key is only readable by its workspace. Functions here
do not commit.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import uuid
from datetime import UTC, datetime
from urllib.parse import unquote_to_bytes

from sqlalchemy import delete, select

from facturo.errors import Fault, Invalid
from facturo.platform.uow import UnitOfWork
from facturo.silo import repository
from facturo.silo.errors import FileTooLarge, SpoolNotFound
from facturo.silo.models import SpoolFile
from facturo.silo.service_files import check_mime
from facturo.silo.storage import Storage, StoredObjectMissing
from facturo.silo.tables import SpoolRow

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DATA_URI = re.compile(r"^data:(?P<mime>[^;,]*)(?P<params>(?:;[^;,]*)*),(?P<data>.*)$", re.S)


class BadDataUri(Invalid):
    """Not a data URI (RFC 2397): `data:<mime>[;base64],<data>`."""


def _safe_name(name: str) -> str:
    cleaned = _UNSAFE.sub("-", name).strip("-.")[:100]
    return cleaned or "file"


def put_spool(
    uow: UnitOfWork,
    storage: Storage,
    *,
    workspace_id: uuid.UUID,
    name: str,
    mime: str,
    data: bytes,
    max_bytes: int,
    now: datetime | None = None,
) -> SpoolFile:
    """Spool ``data`` and return its record (with the key to read it back)."""
    if len(data) > max_bytes:
        raise FileTooLarge()
    mime = check_mime(mime or "application/octet-stream", "$.type")
    moment = now or datetime.now(UTC)
    year, week, _ = moment.isocalendar()
    key = f"{year}-W{week:02d}-{secrets.token_hex(6)}-{_safe_name(name)}"
    digest = storage.put(data)
    row = SpoolRow(
        workspace_id=workspace_id,
        key=key,
        name=name or "file",
        mime=mime,
        hash=digest,
        size=len(data),
        created_at=moment,
    )
    uow.session.add(row)
    uow.session.flush()
    return repository.spool_of(row)


def put_data_uri(
    uow: UnitOfWork,
    storage: Storage,
    *,
    workspace_id: uuid.UUID,
    uri: str,
    name: str,
    max_bytes: int,
    now: datetime | None = None,
) -> SpoolFile:
    """Spool the bytes of a data URI (a job arg); the caller keeps ``spool:<key>`` instead."""
    match = _DATA_URI.match(uri)
    if match is None:
        raise BadDataUri()
    params = [p.strip().lower() for p in match["params"].split(";") if p.strip()]
    try:
        if "base64" in params:
            data = base64.b64decode(match["data"], validate=True)
        else:
            data = unquote_to_bytes(match["data"])
    except (binascii.Error, ValueError) as exc:
        raise BadDataUri(faults=[Fault("base64", "is not valid base64", ("$",))]) from exc
    mime = match["mime"] or "text/plain"
    return put_spool(
        uow,
        storage,
        workspace_id=workspace_id,
        name=name,
        mime=mime,
        data=data,
        max_bytes=max_bytes,
        now=now,
    )


def get_spool(
    uow: UnitOfWork, storage: Storage, *, workspace_id: uuid.UUID, key: str
) -> tuple[SpoolFile, bytes]:
    """A spooled file and its bytes."""
    row = uow.session.get(SpoolRow, (workspace_id, key))
    if row is None:
        raise SpoolNotFound()
    try:
        data = storage.get(row.hash)
    except StoredObjectMissing as exc:
        raise SpoolNotFound("The spooled bytes are gone from the store.") from exc
    return repository.spool_of(row), data


def delete_spool(uow: UnitOfWork, *, workspace_id: uuid.UUID, key: str) -> None:
    """Forget a spooled file. Its bytes stay in the store while anything else shares them."""
    exists = uow.session.scalars(
        select(SpoolRow.key).where(SpoolRow.workspace_id == workspace_id, SpoolRow.key == key)
    ).first()
    if exists is None:
        raise SpoolNotFound()
    uow.session.execute(
        delete(SpoolRow).where(SpoolRow.workspace_id == workspace_id, SpoolRow.key == key)
    )
