"""The body of a webhook request: the contract's fields plus ``meta`` and a ``result`` extension.

The contract's body (spec §4) is fixed::

    {"id", "event", "transform_job_id", "silo_entry_id", "owner_id", "key", "args", "faults"}

- ``meta`` repeats ``args``: the first version of Invopop's guide named the field ``meta``, so
  receivers written against either version keep working (spec §4 resolution).
- ``result`` is Facturo's extension, so a receiver need not call back to learn the outcome:

  ``status``
      the job's final status (``OK``/``KO``) for subscription deliveries; ``null`` when a
      ``webhook`` step sends, because the job is still running.
  ``completed_at``
      when the job finished (RFC 3339, ms, ``Z``); ``null`` from a step.
  ``workflow_id``
      the workflow the job ran.
  ``state``
      the Silo entry's state when the webhook was made (``null`` without an entry or state).
  ``stamps``
      the envelope's ``head.stamps`` (e.g. the VERI*FACTU QR URL and hash), ``[]`` if none.
  ``meta``
      the entry's meta rows that are not ``secure`` (``src``, ``key``, ``ref``, ``value``,
      ``link_url``, ``link_scope``), ``[]`` if none.

Receivers must ignore fields they do not know, as the contract says of every payload.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from facturo.errors import Fault, NotFound
from facturo.platform.uow import UnitOfWork
from facturo.silo import service as silo_service
from facturo.silo.models import Meta


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and ``Z`` (spec §1.1)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def fault_json(fault: Fault) -> dict[str, Any]:
    out: dict[str, Any] = {"provider": fault.provider, "code": fault.code, "message": fault.message}
    if fault.paths:
        out["paths"] = list(fault.paths)
    return out


def entry_result(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, entry_id: uuid.UUID | None
) -> dict[str, Any]:
    """The entry's part of ``result``: state, stamps and meta, read in the caller's transaction."""
    empty: dict[str, Any] = {"state": None, "stamps": [], "meta": []}
    if entry_id is None:
        return empty
    try:
        entry = silo_service.get_entry(uow, workspace_id=workspace_id, entry_id=entry_id)
    except NotFound:
        return empty
    head = entry.data.get("head") if isinstance(entry.data, dict) else None
    stamps = head.get("stamps") if isinstance(head, dict) else None
    return {
        "state": entry.state,
        "stamps": stamps if isinstance(stamps, list) else [],
        "meta": _meta_rows(entry.meta),
    }


def _meta_rows(rows: Iterable[Meta]) -> list[dict[str, Any]]:
    return [
        {
            "src": row.src,
            "key": row.key,
            "ref": row.ref,
            "value": row.value,
            "link_url": row.link_url,
            "link_scope": row.link_scope,
        }
        for row in rows
        if not row.secure
    ]


def build(
    *,
    webhook_id: uuid.UUID,
    event: str,
    job_id: uuid.UUID,
    silo_entry_id: uuid.UUID | None,
    owner_id: uuid.UUID,
    key: str | None,
    args: Mapping[str, str],
    faults: Iterable[Fault],
    result: Mapping[str, Any],
) -> dict[str, Any]:
    """The whole body; every contract field is present, empty rather than missing."""
    plain_args = dict(args)
    return {
        "id": str(webhook_id),
        "event": event,
        "transform_job_id": str(job_id),
        "silo_entry_id": str(silo_entry_id) if silo_entry_id else "",
        "owner_id": str(owner_id),
        "key": key or "",
        "args": plain_args,
        "meta": dict(plain_args),
        "faults": [fault_json(f) for f in faults],
        "result": dict(result),
    }


def encode(payload: Mapping[str, Any]) -> bytes:
    """The bytes sent and signed: compact JSON, UTF-8. Signed exactly as sent."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
