"""What an entry's row keeps beside its envelope, so lists and search never read the envelope.

A list page shows each entry's snippet, digest and tags; decoding twenty envelopes to find them
cost more than everything else a page does. They are worked out once, whenever the data is
written (``summary_of``), and stored in columns of their own.

Search matches a substring of ``search_text``: the entry's key and every text and number in its
envelope (signatures and the digest aside), each case-folded with Python's ``str.casefold``, one
per line. The query is case-folded the same way, so "álvarez" finds "ÁLVAREZ" on SQLite, whose
``LIKE`` and ``lower()`` only fold ASCII, exactly as on PostgreSQL: both databases compare text
that is already folded, with a plain ``LIKE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from facturo.silo.snippets import snippet

_SKIPPED_HEAD = frozenset({"dig"})
"""Header fields search does not read: the digest is a hash, of no use to find a document."""


@dataclass(frozen=True, slots=True)
class Summary:
    """The columns derived from an envelope (and the entry's key, for search)."""

    snippet: dict[str, Any] | None
    digest: dict[str, str] | None
    tags: list[str] | None
    search_text: str


def summary_of(envelope: dict[str, Any], key: str | None) -> Summary:
    head = envelope.get("head")
    head = head if isinstance(head, dict) else {}
    doc = envelope.get("doc")
    doc = doc if isinstance(doc, dict) else {}
    digest = head.get("dig")
    tags = head.get("tags")
    return Summary(
        snippet=snippet(doc) or None,
        digest=digest if isinstance(digest, dict) and digest else None,
        tags=[str(t) for t in tags] if isinstance(tags, list) and tags else None,
        search_text=search_text(envelope, key),
    )


def search_text(envelope: dict[str, Any], key: str | None) -> str:
    """The folded text search reads: the key, then the envelope's texts and numbers.

    Folded once as a whole: case folding maps each character on its own, so that is the text
    folded part by part, in one call instead of one per part.
    """
    head = envelope.get("head")
    parts = [key or ""]
    if isinstance(head, dict):
        _collect({k: v for k, v in head.items() if k not in _SKIPPED_HEAD}, parts)
    _collect(envelope.get("doc"), parts)
    return "\n".join([p for p in parts if p]).casefold()


def folded_query(q: str) -> str:
    """The search query as ``search_text`` holds text: trimmed and case-folded."""
    return q.strip().casefold()


def _collect(node: Any, out: list[str]) -> None:
    """Append the texts and numbers of ``node`` to ``out``, in document order.

    A plain recursion that appends (strings, the common leaf, without a call of their own):
    nested generators cost a frame per level for every text, and this runs on every write.
    """
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, dict | list):
        for value in node.values() if isinstance(node, dict) else node:
            if isinstance(value, str):
                out.append(value)
            else:
                _collect(value, out)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        out.append(str(node))
