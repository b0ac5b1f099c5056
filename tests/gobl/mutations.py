"""Single-member changes of a document, for the sweeps over the examples' inputs."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from facturo.gobl.schema.registry import node_for


def members(
    value: Any, path: tuple[Any, ...] = (), *, items: bool = False
) -> Iterator[tuple[Any, ...]]:
    """Paths of the members of gobl's own types, at any depth; array items too with ``items``.

    An object of another schema is kept as given by the reader, so nothing inside it is named.
    """
    if isinstance(value, dict):
        if "$schema" in value and node_for(str(value["$schema"])) is None:
            return
        for key, member in value.items():
            if key != "$schema":
                yield (*path, key)
                yield from members(member, (*path, key), items=items)
    elif isinstance(value, list):
        for i, member in enumerate(value):
            if items:
                yield (*path, i)
            yield from members(member, (*path, i), items=items)


def paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path in a JSON tree, the root's ``()`` first, into objects of any schema."""
    yield path
    if isinstance(value, dict):
        for key, member in value.items():
            yield from paths(member, (*path, key))
    elif isinstance(value, list):
        for i, member in enumerate(value):
            yield from paths(member, (*path, i))


def changed(data: Any, path: tuple[Any, ...], value: Any = None, *, remove: bool = False) -> Any:
    """A copy of ``data`` with the member at ``path`` removed, or set to a copy of ``value``."""
    out = copy.deepcopy(data)
    holder = out
    for key in path[:-1]:
        holder = holder[key]
    if remove:
        del holder[path[-1]]
    else:
        holder[path[-1]] = copy.deepcopy(value)
    return out
