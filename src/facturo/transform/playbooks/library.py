"""The playbooks shipped as package data: read once, handed out as fresh copies.

A playbook is a workflow document exactly as a client would ``PUT`` it to
``/transform/v1/workflows/{id}``, so installing one goes through the same validation as any
workflow (STYLE.md "Step providers": an unknown action or a bad config is refused on save). What
it handles is read from its own ``next`` blocks rather than declared beside it, so the listing
cannot drift from the document.

Webhook steps carry a placeholder ``callback_url`` (``https://example.com/…``): a real URL is
the installer's to give (:meth:`Playbook.workflow`), since a template cannot know where a
workspace wants to be notified.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from facturo.transform.playbooks.errors import PlaybookNotFound

TEMPLATES = "templates"
WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class Handler:
    """One ``next`` block of a playbook: the step it hangs on and the result it matches."""

    step: str  # the action id of the step whose result is matched
    status: str
    code: str
    then: tuple[str, ...]  # the action ids the block runs, in order
    stop: bool


@dataclass(frozen=True, slots=True)
class Playbook:
    """A shipped workflow template and what it handles."""

    name: str
    title: str
    description: str
    handlers: tuple[Handler, ...]
    _document: Mapping[str, Any]

    @property
    def codes(self) -> tuple[str, ...]:
        """The result codes the playbook branches on, in document order, without repeats."""
        return tuple(dict.fromkeys(h.code for h in self.handlers if h.code))

    def workflow(self, *, callback_url: str | None = None) -> dict[str, Any]:
        """The workflow document to save; ``callback_url`` replaces every webhook step's URL."""
        document = copy.deepcopy(dict(self._document))
        if callback_url is not None:
            for step in _steps(document):
                if _action(step) == WEBHOOK:
                    config = step.setdefault("config", {})
                    config["callback_url"] = callback_url
                    step["summary"] = callback_url
        return document

    def summary(self) -> dict[str, Any]:
        """The listing form: name, title, description, codes and handlers."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "codes": list(self.codes),
            "handlers": [
                {
                    "step": h.step,
                    "status": h.status,
                    "code": h.code,
                    "then": list(h.then),
                    "stop": h.stop,
                }
                for h in self.handlers
            ],
        }


def _action(step: Mapping[str, Any]) -> str:
    return str(step.get("action") or step.get("provider") or "")


def _steps(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every step of the document, nested ones included, depth first."""
    pending: list[dict[str, Any]] = [
        *(document.get("steps") or ()),
        *(document.get("rescue") or ()),
    ]
    while pending:
        step = pending.pop(0)
        yield step
        nested = [s for block in step.get("next") or () for s in block.get("steps") or ()]
        pending[:0] = nested


def _handlers(document: Mapping[str, Any]) -> tuple[Handler, ...]:
    return tuple(
        Handler(
            step=_action(step),
            status=str(block.get("status") or ""),
            code=str(block.get("code") or ""),
            then=tuple(_action(s) for s in block.get("steps") or ()),
            stop=bool(block.get("stop")),
        )
        for step in _steps(document)
        for block in step.get("next") or ()
    )


@cache
def _load() -> dict[str, Playbook]:
    folder = resources.files(__package__).joinpath(TEMPLATES)
    playbooks: dict[str, Playbook] = {}
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if not item.name.endswith(".json"):
            continue
        name = item.name.removesuffix(".json")
        document = json.loads(item.read_text("utf-8"))
        playbooks[name] = Playbook(
            name=name,
            title=str(document.get("name") or name),
            description=str(document.get("description") or ""),
            handlers=_handlers(document),
            _document=document,
        )
    return playbooks


def list_playbooks() -> list[Playbook]:
    """Every shipped playbook, by name."""
    return list(_load().values())


def get_playbook(name: str) -> Playbook:
    """The playbook called ``name``; raises :class:`PlaybookNotFound`."""
    try:
        return _load()[name]
    except KeyError:
        raise PlaybookNotFound() from None


__all__ = ["Handler", "Playbook", "get_playbook", "list_playbooks"]
