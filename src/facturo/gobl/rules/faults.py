"""Port of gobl rules/faults.go (7a4ad62): collecting faults during validation.

A fault is :class:`facturo.errors.Fault` (code, message, paths). gobl merges faults that share a
code and a message into one fault with several paths, keeping first-seen order; tests compare
(code, paths), never the English message.
"""

from __future__ import annotations

from facturo.errors import Fault


class Faults:
    """An ordered collector that merges faults with the same code and message."""

    __slots__ = ("_items", "_prefix")

    def __init__(self, prefix: str = "") -> None:
        self._items: dict[tuple[str, str], list[str]] = {}
        self._prefix = prefix

    def add(self, code: str, path: str, message: str) -> None:
        if self._prefix:
            path = self._prefix + path[1:]
        self._items.setdefault((code, message), []).append(path)

    def __bool__(self) -> bool:
        return bool(self._items)

    def to_list(self, ignore: frozenset[str] = frozenset()) -> list[Fault]:
        if not self._items:
            return []  # the usual answer, without a comprehension's own call
        return [
            Fault(code=code, message=msg, paths=tuple(dict.fromkeys(paths)))
            for (code, msg), paths in self._items.items()
            if code not in ignore
        ]
