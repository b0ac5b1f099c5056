"""The workflow document of the Invopop Transform contract (``TransformWorkflow``, spec §3.5-3.6).

Why the models look like this:

- **Unknown fields are kept.** The OpenAPI schemas (``OA-tr``: ``TransformWorkflow``,
  ``TransformStep``, ``TransformNext``) declare no ``additionalProperties: false``, so a client
  may send more than we know and must get it back. Every model uses ``extra="allow"``, and
  :meth:`Workflow.to_wire` dumps only what was set, so a Console export loads and re-serialises
  without losing or inventing a key.
- **``action`` and ``provider``.** Current Console exports use ``provider``, the OpenAPI and the
  Go client use ``action`` (spec §3.6). Input may carry either, ``action`` winning when both are
  given; the model holds one field, ``action``, and the wire form carries both with the same value.
- **``version`` is a string** in the contract (``"version": "3"``), so it is ``str`` here and a
  number is refused rather than coerced.
- **``status`` of a condition** takes the OpenAPI enum (``OK``, ``SKIP``, ``KO``, ``TIMEOUT``) plus
  ``NA``, the zero value that Console exports write for "Any", and the empty string. Absent,
  ``""`` and ``"NA"`` all mean "Any" (spec §3.6); the value is stored as given.
- **Nothing is normalised away.** ``next: []`` and an absent ``next`` stay distinct on the wire;
  :mod:`facturo.transform.workflows.digest` decides what counts as the same content.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)


class ConditionStatus(StrEnum):
    """The ``status`` a ``next`` block matches (``TransformNext.status``)."""

    OK = "OK"  # the step succeeded
    SKIP = "SKIP"  # the step was not executed
    KO = "KO"  # the step failed for good: an "exception" block (seed 000)
    TIMEOUT = "TIMEOUT"  # in the OpenAPI enum; matches a KO with code ``timeout`` (spec §3.7.5)
    NA = "NA"  # Console exports' zero value: matches any status ("Any" in the UI)
    EMPTY = ""  # "when empty this next step will always be executed" (OA-tr): Any


ANY_STATUSES: frozenset[ConditionStatus | None] = frozenset(
    {None, ConditionStatus.NA, ConditionStatus.EMPTY}
)


class _Document(BaseModel):
    """Shared configuration: keep unknown keys, allow Python names for aliased fields."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class Next(_Document):
    """A condition block after a step: when the result matches, run ``steps`` (spec §3.6).

    ``step_id`` is the legacy "go to" (the Console flags it as deprecated but runs it) and
    ``stop`` ends the workflow once the block is done.
    """

    status: ConditionStatus | None = None
    code: str | None = None
    steps: list[Step] | None = None
    step_id: str | None = None
    stop: bool | None = None

    @property
    def matches_any_status(self) -> bool:
        """Whether the block has no status to match: absent, ``""`` or ``"NA"``."""
        return self.status in ANY_STATUSES


class Step(_Document):
    """One action in a flow (``TransformStep``), with its condition blocks."""

    id: str | None = None
    name: str | None = None
    action: str | None = None
    notes: str | None = None
    config: dict[str, Any] | None = None
    summary: str | None = None
    next: list[Next] | None = None

    @model_validator(mode="before")
    @classmethod
    def _provider_is_action(cls, data: Any) -> Any:
        """Read the legacy ``provider`` key as ``action``; ``action`` wins when both are sent."""
        if isinstance(data, dict) and "provider" in data:
            data = dict(data)
            provider = data.pop("provider")
            data.setdefault("action", provider)
        return data

    @model_serializer(mode="wrap")
    def _send_provider_too(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Write ``provider`` beside ``action`` so clients of either era read the step."""
        data: dict[str, Any] = handler(self)
        if "action" in data:
            data["provider"] = data["action"]
        return data


class WorkflowVersion(_Document):
    """One published version in ``versions[]`` (``TransformWorkflowVersion``)."""

    version: str | None = None
    name: str | None = None
    hash: str | None = None
    created_at: datetime | None = None
    src: str | None = None
    src_id: str | None = None


class Workflow(_Document):
    """A workflow resource or definition (``TransformWorkflow``; create and update bodies too).

    The same model reads a ``PUT`` body (no id, no timestamps), a Console export and a stored
    resource; which fields are required is a question for the endpoint, not for the document.
    ``schema`` is a Python attribute of ``BaseModel``, hence the ``schema_`` field name.
    """

    id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    name: str | None = None
    description: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    country: str | None = None
    draft: bool | None = None
    disabled: bool | None = None
    version: str | None = None
    hash: str | None = None
    steps: list[Step] | None = None
    rescue: list[Step] | None = None
    versions: list[WorkflowVersion] | None = None

    def to_wire(self) -> dict[str, Any]:
        """The JSON object to send: the keys that were set, by their contract names."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


Next.model_rebuild()
