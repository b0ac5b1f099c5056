"""The UUIDs a GOBL document mentions, and where: what "related entries" are found by.

A credit note names the invoice it corrects in ``preceding[0].uuid``; an invoice line may name
an item (``lines[0].item.uuid``). The context is the path without array indexes, dotted
(``preceding``, ``lines.item``), which is how the contract's ``context`` reads. The document's
own ``uuid`` is not a reference.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any


def document_refs(doc: dict[str, Any]) -> list[tuple[uuid.UUID, str]]:
    """Distinct ``(uuid, context)`` pairs found below the document's root."""
    seen: dict[tuple[uuid.UUID, str], None] = {}
    for value, context in _walk(doc, ()):
        seen.setdefault((value, context), None)
    return list(seen)


def _walk(node: Any, path: tuple[str, ...]) -> Iterator[tuple[uuid.UUID, str]]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "uuid" and path and isinstance(value, str):
                try:
                    ref = uuid.UUID(value)
                except ValueError:
                    continue
                yield ref, ".".join(path)
            elif isinstance(value, dict | list):
                yield from _walk(value, (*path, name))
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, path)
