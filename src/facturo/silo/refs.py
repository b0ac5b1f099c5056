"""The UUIDs a GOBL document mentions, and where: what "related entries" are found by.

A credit note names the invoice it corrects in ``preceding[0].uuid``; an invoice line may name
an item (``lines[0].item.uuid``). The context is the path without array indexes, dotted
(``preceding``, ``lines.item``), which is how the contract's ``context`` reads. The document's
own ``uuid`` is not a reference.
"""

from __future__ import annotations

import uuid
from typing import Any


def document_refs(doc: dict[str, Any]) -> list[tuple[uuid.UUID, str]]:
    """Distinct ``(uuid, context)`` pairs found below the document's root, in document order."""
    found: dict[tuple[uuid.UUID, str], None] = {}
    _collect(doc, "", found)
    return list(found)


def _collect(node: Any, context: str, found: dict[tuple[uuid.UUID, str], None]) -> None:
    """Add the references below ``node``, found at ``context``, to ``found``.

    A plain recursion over the containers only: this runs on every write of an entry, and a
    generator per level cost a frame for every value of the document.
    """
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "uuid" and context and isinstance(value, str):
                try:
                    ref = uuid.UUID(value)
                except ValueError:
                    continue
                found.setdefault((ref, context), None)
            elif isinstance(value, dict | list):
                _collect(value, f"{context}.{name}" if context else name, found)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict | list):
                _collect(item, context, found)
