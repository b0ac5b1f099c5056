"""Use cases of workflows: create, update, fetch, list, and the published version a job pins.

A workflow is validated against the runtime's registry **when it is saved** (STYLE.md "Step
providers"), so the engine never meets an unknown action or a broken config. Publishing stores an
immutable version row named by a counter (``"1"``, ``"2"``, ... a JSON string, spec §1.7) and the
content hash; saving content whose hash did not change publishes nothing. ``draft: true`` saves
the definition without publishing it, so running jobs and new jobs keep the last published
version (spec §3.5).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from facturo.errors import Fault, Invalid
from facturo.platform.ids import uuid7
from facturo.platform.uow import UnitOfWork
from facturo.transform.errors import WorkflowExists, WorkflowNotFound, WorkflowUnusable
from facturo.transform.tables import WorkflowRow, WorkflowVersionRow
from facturo.transform.workflows.digest import RESOURCE_FIELDS, content_hash
from facturo.transform.workflows.models import Workflow
from facturo.transform.workflows.validate import Registry, parse_workflow, validate_workflow

CREATE_FIELDS = ("name", "description", "schema", "country", "draft", "steps", "rescue")
"""What a PUT body may set (``TransformCreateWorkflow``); anything else unknown is kept."""

FIXED_ON_UPDATE = ("schema", "country")
"""What a PATCH may not change (spec §3.8)."""


def _now() -> datetime:
    """Now, to the millisecond the wire shows, so ``next_created_at`` finds the row again."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(frozen=True, slots=True)
class Author:
    """Who saved a version (``versions[].src``, ``src_id``)."""

    src: str
    src_id: str


@dataclass(frozen=True, slots=True)
class Pinned:
    """The published version a job runs: its row id and the parsed definition."""

    version_id: uuid.UUID
    workflow: Workflow


def _definition(document: Mapping[str, Any]) -> dict[str, Any]:
    """The stored definition: the document without resource fields, as the client sent it."""
    return {key: value for key, value in document.items() if key not in RESOURCE_FIELDS}


def _check(document: Mapping[str, Any], registry: Registry) -> tuple[Workflow, str]:
    workflow = validate_workflow(parse_workflow(dict(document)), registry)
    if not workflow.name:
        raise Invalid(faults=[Fault("required", "name is required", ("#/name",))])
    return workflow, content_hash(workflow)


def create_workflow(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    workflow_id: uuid.UUID,
    document: Mapping[str, Any],
    registry: Registry,
    author: Author,
) -> dict[str, Any]:
    """PUT: create-only; a repeat for the same id is 409 (spec §1.5)."""
    definition = _definition(document)
    workflow, digest = _check(definition, registry)
    if uow.session.get(WorkflowRow, (workspace_id, workflow_id)) is not None:
        raise WorkflowExists()
    moment = _now()
    row = WorkflowRow(
        workspace_id=workspace_id,
        id=workflow_id,
        name=workflow.name or "",
        description=workflow.description or "",
        schema=workflow.schema_ or "",
        draft=document.get("draft") is True,
        disabled=document.get("disabled") is True,
        version=None,
        hash=digest,
        definition=definition,
        created_at=moment,
        updated_at=moment,
    )
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:  # a concurrent PUT won
        uow.rollback()
        raise WorkflowExists() from exc
    if not row.draft:
        _publish(uow, row, author, moment)
    uow.commit()
    return workflow_json(row, _versions(uow, row))


def update_workflow(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    workflow_id: uuid.UUID,
    changes: Mapping[str, Any],
    registry: Registry,
    author: Author,
) -> dict[str, Any]:
    """PATCH: change what is given; ``null`` and ``""`` leave a field as it is (spec §1.7)."""
    row = _get(uow, workspace_id, workflow_id, lock=True)
    definition = dict(row.definition)
    faults = [
        Fault("immutable", f"{name} cannot be changed", (f"#/{name}",))
        for name in FIXED_ON_UPDATE
        if changes.get(name) not in (None, "", definition.get(name))
    ]
    if faults:
        raise Invalid("schema and country cannot be changed", faults=faults)
    for name, value in changes.items():
        if name in RESOURCE_FIELDS or name in FIXED_ON_UPDATE or value is None or value == "":
            continue
        definition[name] = value
    workflow, digest = _check(definition, registry)
    moment = _now()
    row.definition = definition
    row.name = workflow.name or row.name
    row.description = workflow.description or ""
    row.hash = digest
    row.updated_at = moment
    if isinstance(changes.get("draft"), bool):
        row.draft = changes["draft"]
    if isinstance(changes.get("disabled"), bool):
        row.disabled = changes["disabled"]
    if not row.draft:
        _publish(uow, row, author, moment)
    uow.commit()
    return workflow_json(row, _versions(uow, row))


def get_workflow(
    uow: UnitOfWork, *, workspace_id: uuid.UUID, workflow_id: uuid.UUID
) -> dict[str, Any]:
    row = _get(uow, workspace_id, workflow_id)
    return workflow_json(row, _versions(uow, row))


def list_workflows(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    limit: int,
    created_at: datetime | None,
    schema: str | None,
) -> dict[str, Any]:
    """Newest first; ``created_at`` is the upper bound, ``next_created_at`` the next page's."""
    query = select(WorkflowRow).where(WorkflowRow.workspace_id == workspace_id)
    if created_at is not None:
        query = query.where(WorkflowRow.created_at <= created_at)
    if schema:
        query = query.where(WorkflowRow.schema == schema)
    rows = list(
        uow.session.scalars(
            query.order_by(WorkflowRow.created_at.desc(), WorkflowRow.id.desc()).limit(limit + 1)
        )
    )
    out: dict[str, Any] = {"list": [workflow_json(r) for r in rows[:limit]], "limit": limit}
    if created_at is not None:
        out["created_at"] = timestamp(created_at)
    if schema:
        out["schema"] = schema
    if len(rows) > limit:
        out["next_created_at"] = timestamp(rows[limit].created_at)
    return out


def pinned_version(uow: UnitOfWork, *, workspace_id: uuid.UUID, workflow_id: uuid.UUID) -> Pinned:
    """The version a new job runs: the latest published one of an enabled workflow."""
    row = _get(uow, workspace_id, workflow_id)
    if row.disabled:
        raise WorkflowUnusable(
            "The workflow is disabled.",
            faults=[Fault("disabled", "the workflow is disabled", ("$.workflow_id",))],
        )
    latest = _latest(uow, row)
    if latest is None:
        raise WorkflowUnusable(
            "The workflow has no published version.",
            faults=[Fault("draft", "the workflow has no published version", ("$.workflow_id",))],
        )
    return Pinned(latest.id, Workflow.model_validate(latest.definition))


def load_version(uow: UnitOfWork, version_id: uuid.UUID) -> Workflow:
    """The definition of a published version (the engine's view of a pinned job)."""
    row = uow.session.get(WorkflowVersionRow, version_id)
    if row is None:
        raise WorkflowNotFound(f"workflow version {version_id} is missing")
    return Workflow.model_validate(row.definition)


def workflow_json(
    row: WorkflowRow, versions: list[WorkflowVersionRow] | None = None
) -> dict[str, Any]:
    """The ``TransformWorkflow`` document; ``versions`` only on a direct fetch."""
    wire = Workflow.model_validate(row.definition).to_wire()
    out: dict[str, Any] = {
        "id": str(row.id),
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
        **wire,
        "name": row.name,
        "hash": row.hash[:12],
    }
    if row.description:
        out["description"] = row.description
    if row.version is not None:
        out["version"] = row.version
    if row.draft:
        out["draft"] = True
    if row.disabled:
        out["disabled"] = True
    if versions is not None:
        out["versions"] = [
            {
                "version": v.version,
                "name": v.name,
                "hash": v.hash[:12],
                "created_at": timestamp(v.created_at),
                "src": v.src,
                "src_id": v.src_id,
            }
            for v in sorted(versions, key=lambda v: int(v.version), reverse=True)
        ]
    return out


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and ``Z``, as the contract's examples (spec §1.1)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _publish(uow: UnitOfWork, row: WorkflowRow, author: Author, moment: datetime) -> None:
    latest = _latest(uow, row)
    if latest is not None and latest.hash == row.hash:
        return
    number = str(int(latest.version) + 1 if latest is not None else 1)
    uow.session.add(
        WorkflowVersionRow(
            id=uuid7(),
            workspace_id=row.workspace_id,
            workflow_id=row.id,
            version=number,
            name=row.name,
            hash=row.hash,
            definition=row.definition,
            src=author.src,
            src_id=author.src_id,
            created_at=moment,
        )
    )
    row.version = number


def _latest(uow: UnitOfWork, row: WorkflowRow) -> WorkflowVersionRow | None:
    versions = _versions(uow, row)
    return max(versions, key=lambda v: int(v.version)) if versions else None


def _versions(uow: UnitOfWork, row: WorkflowRow) -> list[WorkflowVersionRow]:
    uow.session.flush()
    return list(
        uow.session.scalars(
            select(WorkflowVersionRow).where(
                WorkflowVersionRow.workspace_id == row.workspace_id,
                WorkflowVersionRow.workflow_id == row.id,
            )
        )
    )


def _get(
    uow: UnitOfWork, workspace_id: uuid.UUID, workflow_id: uuid.UUID, *, lock: bool = False
) -> WorkflowRow:
    query = select(WorkflowRow).where(
        WorkflowRow.workspace_id == workspace_id, WorkflowRow.id == workflow_id
    )
    if lock:
        query = query.with_for_update()
    row = uow.session.scalars(query).first()
    if row is None:
        raise WorkflowNotFound()
    return row
