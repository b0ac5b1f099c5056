"""The contract's JSON shapes of Silo objects (``silo_v1.yaml`` components, Go client types).

Fields the Go client tags ``omitempty`` are left out when empty; the others are always sent.
Timestamps are RFC 3339 UTC with milliseconds and ``Z``, as the contract's examples.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.responses import Response

from facturo.silo.models import Entry, File, Listed, Meta, State
from facturo.silo.repository import LISTED_ROW_COLUMNS, faults_json, faults_of, stored_json
from facturo.silo.snippets import snippet


def json_response(content: Any, status_code: int = 200) -> Response:
    """``content`` as an ``application/json`` answer, encoded by orjson.

    The bytes are those of FastAPI's own JSON answers (compact, UTF-8 as is), made without
    FastAPI's pass over the whole envelope to make it encodable first: an endpoint that
    returns this is answered as it is. What orjson refuses (an integer past 64 bits in a
    stored document) goes through the standard library.
    """
    try:
        body = orjson.dumps(content, default=_as_fragment, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        body = json.dumps(
            content, ensure_ascii=False, separators=(",", ":"), default=_decoded
        ).encode()
    return Response(body, status_code=status_code, media_type="application/json")


class StoredJSON:
    """JSON text from the database that goes into an answer as it is, undecoded.

    orjson copies it through a ``Fragment``; the standard library's fallback decodes it, which
    ``orjson.Fragment`` alone would not allow (it does not give its text back).
    """

    __slots__ = ("text",)

    def __init__(self, text: str | bytes) -> None:
        self.text = text


def _as_fragment(value: Any) -> Any:
    if isinstance(value, StoredJSON):
        return orjson.Fragment(value.text)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _decoded(value: Any) -> Any:
    if isinstance(value, StoredJSON):
        return json.loads(value.text)
    raise TypeError(f"{type(value).__name__} is not JSON")


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and ``Z``, as the contract's examples."""
    # isoformat ends a UTC time in "+00:00"; it is several times faster than strftime.
    return value.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _entry_head(
    entry_id: str,
    created_at: str,
    updated_at: str,
    key: str | None,
    folder: str,
    state: str | None,
    signed: bool,
    invalid: bool,
    env_schema: str,
    doc_schema: str,
    version: str,
    faults: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """The fields every shape of an entry begins with (full, listed, listed from driver values),
    in the contract's order."""
    out: dict[str, Any] = {
        "id": entry_id,
        "created_at": created_at,
        "updated_at": updated_at,
        "folder": folder,
        "signed": signed,
        "invalid": invalid,
        "draft": not signed,
        "env_schema": env_schema,
        "doc_schema": doc_schema,
        "version": version,
    }
    if key:
        out["key"] = key
    if state:
        out["state"] = state
    if faults:
        out["faults"] = faults
    return out


def _stored_summary(
    out: dict[str, Any], digest: str | None, tags: str | None, snippet: str | None
) -> dict[str, Any]:
    """A listed entry's stored JSON columns, put into the answer undecoded."""
    if digest:
        out["digest"] = StoredJSON(digest)
    if tags:
        out["tags"] = StoredJSON(tags)
    if snippet:
        out["snippet"] = StoredJSON(snippet)
    return out


def entry_json(entry: Entry, *, base_url: str = "", with_data: bool = True) -> dict[str, Any]:
    out = _head_of(entry)
    if entry.digest:
        out["digest"] = entry.digest
    if entry.tags:
        out["tags"] = entry.tags
    summary = entry.snippet if entry.snippet is not None else snippet(entry.data.get("doc") or {})
    if summary:
        out["snippet"] = summary
    if entry.attachments:
        out["attachments"] = [file_json(f, base_url=base_url) for f in entry.attachments]
    if entry.meta:
        out["meta"] = [meta_json(m) for m in entry.meta]
    if entry.versions:
        out["versions"] = [
            {
                "version": v.version,
                "at": timestamp(v.at),
                "src": v.src,
                "src_id": v.src_id,
                "signed": v.signed,
                "invalid": v.invalid,
            }
            for v in entry.versions
        ]
    if with_data:
        out["data"] = entry.data
    return out


def listed_json(entry: Listed) -> dict[str, Any]:
    """An entry in a list: :func:`entry_json`'s fields without the envelope, versions, files
    and meta rows, as the contract's lists show entries."""
    return _stored_summary(_head_of(entry), entry.digest, entry.tags, entry.snippet)


def _head_of(entry: Entry | Listed) -> dict[str, Any]:
    return _entry_head(
        str(entry.id),
        timestamp(entry.created_at),
        timestamp(entry.updated_at),
        entry.key,
        entry.folder,
        entry.state,
        entry.signed,
        entry.invalid,
        entry.env_schema,
        entry.doc_schema,
        entry.version,
        faults_json(entry.faults) if entry.faults else None,
    )


_LISTED_WIDTH = len(LISTED_ROW_COLUMNS)
"""How many columns :func:`listed_row_json` reads; a shown entry's rows begin with them."""


@dataclass(frozen=True, slots=True)
class DriverText:
    """The wire's text of ids and timestamps as a dialect's driver hands them
    (:data:`~facturo.silo.repository.LISTED_ROW_COLUMNS`), made without the ``UUID`` and aware
    ``datetime`` in between."""

    id_text: Callable[[Any], str]
    stamp_text: Callable[[Any], str]


def _sqlite_id(raw: str) -> str:
    """SQLite keeps a UUID as its 32 hex digits, lower case; the wire has the dashed form."""
    if len(raw) == 32:
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
    return str(uuid.UUID(raw))


def _sqlite_stamp(raw: str) -> str:
    """SQLite keeps a timestamp as UTC text, ``YYYY-MM-DD HH:MM:SS.ffffff`` (always six
    digits); the wire's milliseconds are its first three, cut as :func:`timestamp` cuts them.
    Text of another form (written by hand) is read as :class:`UTCDateTime` reads it."""
    if len(raw) == 26 and raw[10] == " " and raw[19] == ".":
        return f"{raw[:10]}T{raw[11:23]}Z"
    stamp = datetime.fromisoformat(raw)
    return timestamp(stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC))


_SQLITE_TEXT = DriverText(_sqlite_id, _sqlite_stamp)
_PSYCOPG_TEXT = DriverText(str, timestamp)  # psycopg gives UUID and aware datetime


@functools.cache
def driver_text(dialect: str) -> DriverText:
    """How ``dialect``'s driver values become the wire's text."""
    return _SQLITE_TEXT if dialect == "sqlite" else _PSYCOPG_TEXT


def listed_row_json(row: Sequence[Any], text: DriverText) -> dict[str, Any]:
    """:func:`listed_json` of a row of
    :data:`~facturo.silo.repository.LISTED_ROW_COLUMNS`, whose id and timestamps ``text``
    writes as the driver gave them."""
    (
        entry_id,
        key,
        folder,
        state,
        signed,
        invalid,
        env_schema,
        doc_schema,
        version,
        created_at,
        updated_at,
        faults,
        snippet,
        digest,
        tags,
    ) = row
    stamp_text = text.stamp_text
    out = _entry_head(
        text.id_text(entry_id),
        stamp_text(created_at),
        stamp_text(updated_at),
        key,
        folder,
        state,
        signed,
        invalid,
        env_schema,
        doc_schema,
        version,
        faults_json(faults_of(faults)) if faults else None,
    )
    return _stored_summary(out, stored_json(digest), stored_json(tags), stored_json(snippet))


def shown_rows_json(rows: Sequence[Any], text: DriverText) -> dict[str, Any]:
    """:func:`entry_json` of an entry without files or meta rows, from its rows of
    :data:`~facturo.silo.shown_rows.SHOWN_ROW_COLUMNS` (one per version, newest first): the
    same fields in the same order, the envelope and the derived JSON columns put in as stored
    text, ids and timestamps written from the driver's values as ``text`` says."""
    first = rows[0]
    out = listed_row_json(first[:_LISTED_WIDTH], text)
    stamp_text = text.stamp_text
    versions = [
        {
            "version": row.v_version,
            "at": stamp_text(row.v_at),
            "src": row.v_src,
            "src_id": row.v_src_id,
            "signed": row.v_signed,
            "invalid": row.v_invalid,
        }
        for row in rows
        if row.v_version is not None
    ]
    if versions:
        out["versions"] = versions
    out["data"] = StoredJSON(first.data)
    return out


def state_json(state: State) -> dict[str, Any]:
    """``SiloState``; its id is the contract's "UUID and timestamp composite"."""
    out: dict[str, Any] = {
        "id": f"{state.entry_id}:{timestamp(state.at)}",
        "created_at": timestamp(state.at),
        "key": state.key,
        "src": state.src,
        "src_id": state.src_id,
    }
    if state.notes:
        out["notes"] = state.notes
    if state.meta:
        out["meta"] = state.meta
    if state.faults:
        out["faults"] = faults_json(state.faults)
    return out


def meta_json(meta: Meta) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": meta.id,
        "created_at": timestamp(meta.created_at),
        "updated_at": timestamp(meta.updated_at),
        "owner_id": str(meta.owner_id),
        "entry_id": str(meta.entry_id),
        "src": meta.src,
        "key": meta.key,
    }
    for name in ("ref", "value", "link_url", "link_scope"):
        value = getattr(meta, name)
        if value is not None and value != "":
            out[name] = value
    for name in ("indexed", "owned", "secure", "shared"):
        if getattr(meta, name):
            out[name] = True
    return out


def file_url(file: File, base_url: str) -> str:
    """Where the file is read: its public link, or the authenticated download (or upload)."""
    if file.public_token and file.stored:
        return f"{base_url}/silo/v1/public/files/{file.public_token}"
    return f"{base_url}/silo/v1/entries/{file.entry_id}/files/{file.id}" + (
        "" if file.stored else "/data"
    )


def file_json(file: File, *, base_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(file.id),
        "entry_id": str(file.entry_id),
        "created_at": timestamp(file.created_at),
        "name": file.name,
        "category": file.category,
        "hash": file.hash,
        "mime": file.mime,
        "size": file.size,
        "stored": file.stored,
        "url": file_url(file, base_url),
    }
    if file.desc:
        out["desc"] = file.desc
    if file.key:
        out["key"] = file.key
    if file.embeddable:
        out["embeddable"] = True
    if file.private:
        out["private"] = True
    if file.meta:
        out["meta"] = file.meta
    if file.previous:
        out["previous"] = [
            {"id": str(p.id), "created_at": timestamp(p.created_at), "hash": p.hash, "size": p.size}
            for p in file.previous
        ]
    return out
