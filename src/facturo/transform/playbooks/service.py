"""Install a playbook: save it in a workspace as an ordinary workflow.

It goes through :func:`facturo.transform.workflow_store.create_workflow` with the runtime's
registry, so a playbook is held to the same rules as a workflow a client saves over the API.
"""

from __future__ import annotations

import uuid
from typing import Any

from facturo.platform.ids import uuid7
from facturo.platform.uow import UnitOfWork
from facturo.transform import workflow_store
from facturo.transform.playbooks.library import get_playbook
from facturo.transform.workflows.validate import Registry

AUTHOR = workflow_store.Author("playbook", "")
"""``versions[].src`` of an installed playbook; ``src_id`` is the playbook's name."""


def install_playbook(
    uow: UnitOfWork,
    *,
    workspace_id: uuid.UUID,
    name: str,
    registry: Registry,
    callback_url: str | None = None,
    workflow_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Save playbook ``name`` as a new workflow of the workspace; returns the workflow."""
    document = get_playbook(name).workflow(callback_url=callback_url)
    return workflow_store.create_workflow(
        uow,
        workspace_id=workspace_id,
        workflow_id=workflow_id or uuid7(),
        document=document,
        registry=registry,
        author=workflow_store.Author(AUTHOR.src, name),
    )


__all__ = ["install_playbook"]
