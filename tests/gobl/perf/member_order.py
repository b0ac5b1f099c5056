"""Compare JSON-like trees with the order of every dict's members included.

gobl writes struct members in declaration order and map keys sorted, and that order is part of
the bytes (and of the digest). Python dicts compare without regard to order, so the writer tests
compare these nested lists of pairs instead.
"""

from __future__ import annotations

from typing import Any


def ordered(value: Any) -> Any:
    """The value with every dict's member order made part of it (dicts compare unordered)."""
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value
