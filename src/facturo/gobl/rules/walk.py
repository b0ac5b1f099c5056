"""Port of gobl's rule dispatch by type (rules/rules.go, rules/set.go; 7a4ad62).

gobl registers each rule set against a Go type (``rules.For(new(pay.Terms), ...)``) and the
validator applies it to every value of that type, wherever it sits in the document: the terms
of an invoice's payment, the ones inside an order, a ``pay.Record`` in an invoice's advances or
in a payment's methods. The port does the same over a typed document and its schema
:class:`~facturo.gobl.schema.registry.Node` tree, whose object nodes carry the Go type name
(``pay.Terms``, ``org.Identity`` ...).

Every document is validated after it is built, so the walk is planned once per (schema, rule
sets) and turned into code, as the codec does for its writers: one generated function per
object node whose subtree holds a checked type, with an unrolled membership test per such
member in schema order, the loops over arrays of structs written inline, and the type's checks
called directly; a checked struct with no checked member (a combo, a tax identity) gets no
function of its own, its parent calls its checks. Members that cannot hold a checked type are
never looked at. :func:`walk_source` returns the generated text, to read it. The order of the
checks is the interpreted walk's (members in schema order, each value's children before the
value itself), so faults come out in the same order; :func:`check_types_reference` keeps that
walk for the tests that compare the two.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from facturo.gobl.rules.faults import Faults
from facturo.gobl.schema.registry import Node
from facturo.gobl.tax.regime_def import RegimeDef


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What gobl's rule context carries: the document being validated and its regime."""

    doc: dict[str, Any]
    regime: RegimeDef | None


TypeCheck = Callable[[Faults, dict[str, Any], str, RuleContext], None]

Visit = Callable[[Faults, Any, str, RuleContext], None]


class AllOf:
    """Several rule sets registered for one type, run in registration order.

    A class rather than a closure so that the compiled walk can call the sets one by one
    instead of through this extra call.
    """

    __slots__ = ("checks",)

    def __init__(self, checks: tuple[TypeCheck, ...]) -> None:
        self.checks = checks

    def __call__(self, f: Faults, obj: dict[str, Any], path: str, ctx: RuleContext) -> None:
        for check in self.checks:
            check(f, obj, path, ctx)


# per (root node, checks): the compiled visitor of the root (None when nothing is checked);
# the entry keeps the checks mapping alive, so its id cannot be reused by another one
_visitors: dict[tuple[int, int], tuple[Mapping[str, TypeCheck], Visit | None]] = {}
_COMPILING: Final = threading.Lock()
# keys that may be written inside an f-string of the generated source as they are
_PLAIN: Final = re.compile(r"[$\w-]+\Z")


def _graph(root: Node) -> list[Node]:
    seen: dict[int, Node] = {}
    stack = [root]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen[id(n)] = n
        stack.extend(n.props.values())
        if n.item is not None:
            stack.append(n.item)
    return list(seen.values())


def _relevant(nodes: list[Node], checks: Mapping[str, TypeCheck]) -> set[int]:
    """Ids of the nodes whose subtree (themselves included) holds a checked type."""
    rel = {id(n) for n in nodes if n.kind == "object" and n.name in checks}
    changed = True
    while changed:  # fixpoint: schemas are recursive (lines hold sub-lines, parties parties)
        changed = False
        for n in nodes:
            if id(n) in rel:
                continue
            kids = [*n.props.values(), *([n.item] if n.item is not None else [])]
            if any(id(k) in rel for k in kids):
                rel.add(id(n))
                changed = True
    return rel


def checked_members(root: Node, checks: Mapping[str, TypeCheck]) -> dict[str, frozenset[str]]:
    """Per object type reachable from ``root``: the members the walk looks into.

    A member whose value can hold no checked type is never looked at, whatever it holds;
    code that answers for the walk on some types needs to know which members those are.
    """
    nodes = _graph(root)
    rel = _relevant(nodes, checks)
    out: dict[str, set[str]] = {}
    for n in nodes:
        if n.kind == "object":
            out.setdefault(n.name, set()).update(k for k, sub in n.props.items() if id(sub) in rel)
    return {name: frozenset(keys) for name, keys in out.items()}


def checks_of(check: TypeCheck | None) -> tuple[TypeCheck, ...]:
    """The rule sets in a registry entry, in the order they run."""
    if check is None:
        return ()
    if isinstance(check, AllOf):
        return check.checks
    return (check,)


def _leaf_calls(
    node: Node, names: dict[int, str], checks: Mapping[str, TypeCheck], value: str, path: str
) -> list[str]:
    """The checks of a checked struct with no checked member, to call from its parent's code.

    Such a struct's own visitor would only test that the value is a dict and call its checks,
    so the parent does that in place (a combo on every line, a tax identity on every party).
    Empty for any other node: its visitor is called.
    """
    if node.kind != "object" or any(id(sub) in names for sub in node.props.values()):
        return []
    name = names[id(node)]
    found = checks_of(checks.get(node.name))
    if not found:
        return []
    if len(found) == 1:
        return [f"{name}_check0(f, {value}, {path}, ctx)"]
    return [f"p = {path}"] + [f"{name}_check{j}(f, {value}, p, ctx)" for j in range(len(found))]


def _source(node: Node, names: dict[int, str], checks: Mapping[str, TypeCheck]) -> str:
    """The visitor of one relevant node, calling the others by their names in ``names``."""
    name = names[id(node)]
    if node.kind != "object":
        assert node.item is not None  # only objects, arrays and maps are relevant
        each = names[id(node.item)]
        return "\n".join(
            [
                f"def {name}(f, value, path, ctx):",
                "    if isinstance(value, list):",
                "        for i, v in enumerate(value):",
                "            if v is not None:",
                f"                {each}(f, v, f'{{path}}[{{i}}]', ctx)",
                "    elif isinstance(value, dict):",
                "        for k, v in value.items():",
                "            if v is not None:",
                f"                {each}(f, v, f'{{path}}.{{k}}', ctx)",
                "",
            ]
        )
    lines = [
        f"def {name}(f, value, path, ctx):",
        "    if value.__class__ is not dict and not isinstance(value, dict):",
        "        return",
    ]
    for key, sub in node.props.items():
        if id(sub) not in names:
            continue
        k = repr(key)
        lines += [f"    if {k} in value:", f"        v = value[{k}]"]
        item = sub.item
        if sub.kind == "array" and item is not None and id(item) in names and _PLAIN.match(key):
            lines.append("        if v.__class__ is list:")
            lines.append("            for i, x in enumerate(v):")
            calls = _leaf_calls(item, names, checks, "x", f"f'{{path}}.{key}[{{i}}]'")
            if calls:
                lines.append("                if x.__class__ is dict or isinstance(x, dict):")
                lines += [f"                    {c}" for c in calls]
            else:
                lines += [
                    "                if x is not None:",
                    f"                    {names[id(item)]}(f, x, f'{{path}}.{key}[{{i}}]', ctx)",
                ]
            lines += [
                "        elif v is not None:",
                f"            {names[id(sub)]}(f, v, path + {'.' + key!r}, ctx)",
            ]
        elif calls := _leaf_calls(sub, names, checks, "v", f"path + {'.' + key!r}"):
            lines.append("        if v.__class__ is dict or isinstance(v, dict):")
            lines += [f"            {c}" for c in calls]
        else:
            lines += [
                "        if v is not None:",
                f"            {names[id(sub)]}(f, v, path + {'.' + key!r}, ctx)",
            ]
    for j, _ in enumerate(checks_of(checks.get(node.name))):
        lines.append(f"    {name}_check{j}(f, value, path, ctx)")
    return "\n".join(lines) + "\n"


def _plan(root: Node, checks: Mapping[str, TypeCheck]) -> tuple[str, dict[str, Any], str] | None:
    """The source of the visitors of every relevant node reachable from ``root``, the checks
    it calls by name, and the root's visitor name; None when nothing under ``root`` is checked.
    """
    nodes = _graph(root)
    rel = _relevant(nodes, checks)
    if id(root) not in rel:
        return None
    names = {id(n): f"visit{i}" for i, n in enumerate(n for n in nodes if id(n) in rel)}
    scope: dict[str, Any] = {}
    parts = []
    for n in nodes:
        if id(n) not in rel:
            continue
        parts.append(f"# {n.kind} {n.name}\n" + _source(n, names, checks))
        for j, check in enumerate(checks_of(checks.get(n.name) if n.kind == "object" else None)):
            scope[f"{names[id(n)]}_check{j}"] = check
    return "\n".join(parts), scope, names[id(root)]


def _compile(root: Node, checks: Mapping[str, TypeCheck]) -> Visit | None:
    """Generate and compile the visitors of every relevant node reachable from ``root``."""
    plan = _plan(root, checks)
    if plan is None:
        return None
    source, scope, entry = plan
    label = f"<gobl rule walk {root.name or 'document'}>"
    # the keys written into the source are schema property names, each written with repr()
    exec(compile(source, label, "exec"), scope)  # noqa: S102
    visit: Visit = scope[entry]
    return visit


def walk_source(root: Node, checks: Mapping[str, TypeCheck]) -> str:
    """The Python source :func:`check_types` compiles for ``root`` and ``checks``, to read.

    ``visitN_checkJ`` names the J-th rule set of the type above ``visitN``; the text is empty
    when nothing under ``root`` is checked.
    """
    plan = _plan(root, checks)
    if plan is None:
        return ""
    source, scope, _ = plan
    named = "\n".join(f"# {k} = {getattr(v, '__qualname__', v)}" for k, v in scope.items())
    return f"{named}\n\n{source}"


def check_types(
    f: Faults,
    value: Any,
    node: Node,
    checks: Mapping[str, TypeCheck],
    ctx: RuleContext,
    path: str = "$",
) -> None:
    """Run ``checks[type]`` on every object of a checked type in ``value``, children first."""
    key = (id(node), id(checks))
    found = _visitors.get(key)
    if found is None:
        with _COMPILING:
            found = _visitors.get(key)
            if found is None:
                if len(_visitors) >= 64:  # callers with rule sets of their own: bounded
                    _visitors.clear()
                found = _visitors[key] = (checks, _compile(node, checks))
    visit = found[1]
    if visit is not None:
        visit(f, value, path, ctx)


def check_types_reference(
    f: Faults,
    value: Any,
    node: Node,
    checks: Mapping[str, TypeCheck],
    ctx: RuleContext,
    path: str = "$",
) -> None:
    """:func:`check_types` interpreted from the schema on every value: the walk it compiles."""
    rel = _relevant(_graph(node), checks)

    def visit(value: Any, node: Node, path: str) -> None:
        if id(node) not in rel:
            return
        if node.kind == "object":
            if not isinstance(value, dict):
                return
            for k, sub in node.props.items():
                v = value.get(k)
                if v is not None:
                    visit(v, sub, f"{path}.{k}")
            check = checks.get(node.name)
            if check is not None:
                check(f, value, path, ctx)
            return
        assert node.item is not None
        if isinstance(value, list):
            for i, v in enumerate(value):
                if v is not None:
                    visit(v, node.item, f"{path}[{i}]")
        elif isinstance(value, dict):
            for k, v in value.items():
                if v is not None:
                    visit(v, node.item, f"{path}.{k}")

    visit(value, node, path)
