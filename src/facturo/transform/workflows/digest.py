"""The content hash that names an immutable published version (spec §3.5 ``hash``).

Publishing stores a version that never changes; a job records the version it ran with, and
re-publishing content that did not change should not make a new version. So the hash covers
what a job runs, and nothing that only describes the resource:

- in: ``name``, ``description``, ``schema``, ``country``, ``steps``, ``rescue`` and any unknown
  top-level keys (they are stored, so they are content);
- out: ``id``, ``created_at``, ``updated_at``, ``draft``, ``disabled``, ``version``, ``hash``,
  ``versions``.

Two spellings of the same workflow hash the same: ``provider`` and ``action`` collapse to
``action``, and values a Go client omits (``omitempty``: null, ``""``, ``false``, ``[]``, ``{}``)
are dropped from the model's own fields, so a Console export and the same workflow re-sent by the
Go client agree. ``config`` and unknown keys are opaque and kept as given (inside them ``0`` and
``{}`` may well mean something). The JSON is canonical in the usual sense: keys sorted, no
whitespace, UTF-8. It is not RFC 8785 for floats, which is harmless while the hash is only
compared with hashes this code made.

The contract calls its ``hash`` "partial SHA-256"; :func:`content_hash` returns the full hex
digest and :func:`short_hash` the prefix to show.
"""

from __future__ import annotations

import hashlib
import json
from enum import Enum
from typing import Any

from pydantic import BaseModel

from facturo.transform.workflows.models import Next, Step, Workflow

RESOURCE_FIELDS = frozenset(
    {"id", "created_at", "updated_at", "draft", "disabled", "version", "hash", "versions"}
)
SHORT_HASH_LENGTH = 12


def canonical_definition(workflow: Workflow) -> dict[str, Any]:
    """The definition as a plain JSON object, in the form the hash is taken of."""
    definition = _fields(workflow, exclude=RESOURCE_FIELDS)
    for flow in ("steps", "rescue"):
        steps = workflow.steps if flow == "steps" else workflow.rescue
        if steps:
            definition[flow] = [_step(step) for step in steps]
    return definition


def canonical_json(workflow: Workflow) -> bytes:
    """The canonical JSON bytes of the definition."""
    return json.dumps(
        canonical_definition(workflow),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def content_hash(workflow: Workflow) -> str:
    """SHA-256 (hex) of the canonical JSON of the definition."""
    return hashlib.sha256(canonical_json(workflow)).hexdigest()


def short_hash(workflow: Workflow) -> str:
    """The prefix of :func:`content_hash` to send as ``hash``."""
    return content_hash(workflow)[:SHORT_HASH_LENGTH]


def _step(step: Step) -> dict[str, Any]:
    data = _fields(step, exclude=frozenset({"next"}))
    blocks = [_next(block) for block in step.next or ()]
    if blocks:
        data["next"] = blocks
    return data


def _next(block: Next) -> dict[str, Any]:
    data = _fields(block, exclude=frozenset({"steps"}))
    steps = [_step(step) for step in block.steps or ()]
    if steps:
        data["steps"] = steps
    return data


def _fields(model: BaseModel, *, exclude: frozenset[str]) -> dict[str, Any]:
    """The model's declared fields minus zero values, plus its unknown keys verbatim."""
    data: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        key = info.alias or name
        if name in exclude or key in exclude or name in ("steps", "rescue"):
            continue
        value = getattr(model, name)
        if value is None or value is False or (isinstance(value, str | list | dict) and not value):
            continue
        data[key] = value.value if isinstance(value, Enum) else value
    data.update(model.model_extra or {})
    return data
