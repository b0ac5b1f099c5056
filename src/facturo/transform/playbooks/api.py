"""``/transform/v1/playbooks``: the shipped remediation playbooks, read only.

An extension to Invopop's contract. ``GET /playbooks/{name}`` answers the workflow document
ready to ``PUT`` to ``/transform/v1/workflows/{id}``; ``?callback_url=`` fills its webhook steps.
Routes take the caller like every other route: the templates are not secret, but the platform
answers nothing to an anonymous client.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from facturo.errors import Fault, Invalid
from facturo.platform.auth import Caller
from facturo.transform.playbooks.library import get_playbook, list_playbooks
from facturo.transform.webhooks.models import check_callback_url

router = APIRouter(prefix="/transform/v1/playbooks", tags=["transform"])


@router.get("", summary="List the remediation playbooks")
def list_all(caller: Caller) -> dict[str, Any]:
    del caller
    return {"list": [p.summary() for p in list_playbooks()]}


@router.get("/{name}", summary="Fetch a playbook with its workflow document")
def get_one(
    name: str,
    caller: Caller,
    callback_url: Annotated[str | None, Query(max_length=2048)] = None,
) -> dict[str, Any]:
    del caller
    playbook = get_playbook(name)
    url = None if callback_url is None else _callback(callback_url)
    return {**playbook.summary(), "workflow": playbook.workflow(callback_url=url)}


def _callback(value: str) -> str:
    try:
        return check_callback_url(value)
    except ValueError as exc:
        raise Invalid(faults=[Fault("callback_url", str(exc), ("$.callback_url",))]) from exc
