"""The contract's JSON shapes of Silo objects (``silo_v1.yaml`` components, Go client types).

Fields the Go client tags ``omitempty`` are left out when empty; the others are always sent.
Timestamps are RFC 3339 UTC with milliseconds and ``Z``, as the contract's examples.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from facturo.silo.models import Entry, File, Meta, State
from facturo.silo.repository import faults_json
from facturo.silo.snippets import snippet


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and ``Z``, as the contract's examples."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def entry_json(entry: Entry, *, base_url: str = "", with_data: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(entry.id),
        "created_at": timestamp(entry.created_at),
        "updated_at": timestamp(entry.updated_at),
        "folder": entry.folder,
        "signed": entry.signed,
        "invalid": entry.invalid,
        "draft": not entry.signed,
        "env_schema": entry.env_schema,
        "doc_schema": entry.doc_schema,
        "version": entry.version,
    }
    if entry.key:
        out["key"] = entry.key
    if entry.state:
        out["state"] = entry.state
    if entry.faults:
        out["faults"] = faults_json(entry.faults)
    if entry.digest:
        out["digest"] = entry.digest
    if entry.tags:
        out["tags"] = entry.tags
    summary = snippet(entry.data.get("doc") or {})
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
