"""JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7396) over plain JSON values.

Both are what ``SiloUpdateEntry.content_type`` names. A JSON Patch applies whole or not at all:
the document is copied first, and an operation that fails (a missing path, a failed ``test``)
raises :class:`PatchFailed` with the operation's index as the fault path
(``$.data[2].path``), so the client sees which line of its patch broke.
"""

from __future__ import annotations

import copy
from typing import Any

from facturo.errors import Fault
from facturo.silo.errors import PatchFailed

_OPS = frozenset({"add", "remove", "replace", "move", "copy", "test"})


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = merge_patch(out.get(name), value)
    return out


def _fail(index: int, member: str, message: str) -> PatchFailed:
    return PatchFailed(faults=[Fault("json-patch", message, (f"$.data[{index}].{member}",))])


def _tokens(pointer: Any, index: int, member: str) -> list[str]:
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise _fail(index, member, "must be a JSON Pointer (RFC 6901)")
    if pointer == "":
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _child(node: Any, token: str, index: int, member: str) -> Any:
    if isinstance(node, dict) and token in node:
        return node[token]
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    raise _fail(index, member, "path does not exist")


def _walk(doc: Any, tokens: list[str], index: int, member: str) -> Any:
    for token in tokens:
        doc = _child(doc, token, index, member)
    return doc


def _add(doc: Any, tokens: list[str], value: Any, index: int, member: str) -> Any:
    if not tokens:
        return value
    parent = _walk(doc, tokens[:-1], index, member)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise _fail(index, member, "array index out of range")
    else:
        raise _fail(index, member, "parent is not an object or array")
    return doc


def _remove(doc: Any, tokens: list[str], index: int, member: str) -> Any:
    if not tokens:
        raise _fail(index, member, "cannot remove the whole document")
    parent = _walk(doc, tokens[:-1], index, member)
    last = tokens[-1]
    _child(parent, last, index, member)
    if isinstance(parent, dict):
        del parent[last]
    else:
        del parent[int(last)]
    return doc


def apply_json_patch(document: Any, patch: Any) -> Any:
    """Apply an RFC 6902 patch to a copy of ``document`` and return it."""
    if not isinstance(patch, list):
        raise PatchFailed(
            faults=[Fault("json-patch", "a JSON Patch is an array of operations", ("$.data",))]
        )
    doc = copy.deepcopy(document)
    for i, op in enumerate(patch):
        if not isinstance(op, dict) or op.get("op") not in _OPS:
            raise _fail(i, "op", f"must be one of {', '.join(sorted(_OPS))}")
        name = op["op"]
        path = _tokens(op.get("path"), i, "path")
        if name in ("add", "replace", "test") and "value" not in op:
            raise _fail(i, "value", "is required")
        if name == "add":
            doc = _add(doc, path, copy.deepcopy(op["value"]), i, "path")
        elif name == "remove":
            doc = _remove(doc, path, i, "path")
        elif name == "replace":
            _walk(doc, path, i, "path")
            doc = _add(_remove(doc, path, i, "path") if path else doc, path, op["value"], i, "path")
        elif name == "test":
            if _walk(doc, path, i, "path") != op["value"]:
                raise _fail(i, "value", "test failed: the value differs")
        else:  # move, copy
            source = _tokens(op.get("from"), i, "from")
            value = copy.deepcopy(_walk(doc, source, i, "from"))
            if name == "move":
                if path[: len(source)] == source and path != source:
                    raise _fail(i, "path", "cannot move a value into itself")
                doc = _remove(doc, source, i, "from")
            doc = _add(doc, path, value, i, "path")
    return doc
