"""Executing parsed Go templates (Go's ``text/template/exec.go``). PURE.

Dot, ``$`` and declared variables behave as in Go: variables declared in a branch's pipeline are
visible in both arms and gone after ``{{end}}``; ``range`` sets dot to each element (map keys in
sorted order, as Go iterates maps in templates) and ``break``/``continue`` leave or skip an
iteration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from facturo.mail.template_funcs import (
    FUNCTIONS,
    LAZY_FUNCTIONS,
    TemplateError,
    html_escape,
    is_true,
    safe_url,
    to_text,
)
from facturo.mail.template_nodes import (
    Action,
    Arg,
    Branch,
    Chain,
    Command,
    Field,
    Identifier,
    Literal,
    Node,
    Pipeline,
    Text,
    Variable,
)


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


_MISSING = object()


@dataclass
class _Run:
    root: Any
    html: bool
    out: list[str] = field(default_factory=list)
    vars: list[tuple[str, Any]] = field(default_factory=list)

    def walk(self, nodes: tuple[Node, ...], dot: Any) -> None:
        for node in nodes:
            if isinstance(node, Text):
                self.out.append(node.text)
            elif isinstance(node, Action):
                value = self.pipeline(node.pipeline, dot)
                if not node.pipeline.decls:
                    self.out.append(self.emit(value, url=node.url))
            elif isinstance(node, Branch):
                self.branch(node, dot)
            else:
                raise _Break() if node.kind == "break" else _Continue()

    def emit(self, value: Any, *, url: bool) -> str:
        text = to_text(value)
        if not self.html:
            return text
        return html_escape(safe_url(text) if url else text)

    def branch(self, node: Branch, dot: Any) -> None:
        mark = len(self.vars)
        value = self.pipeline(node.pipeline, dot)
        try:
            if node.kind == "range":
                self.range(node, value, dot, mark)
            elif is_true(value):
                self.walk(node.body, value if node.kind == "with" else dot)
            else:
                self.walk(node.orelse, dot)
        finally:
            del self.vars[mark:]

    def range(self, node: Branch, value: Any, dot: Any, mark: int) -> None:
        if value is None:
            pairs: list[tuple[Any, Any]] = []
        elif isinstance(value, Mapping):
            pairs = [(key, value[key]) for key in sorted(value)]
        elif isinstance(value, list | tuple):
            pairs = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            pairs = [(i, i) for i in range(value)]
        else:
            raise TemplateError(f"range can't iterate over {to_text(value)}")
        if not pairs:
            self.walk(node.orelse, dot)
            return
        decls = node.pipeline.decls
        del self.vars[mark:]
        for key, item in pairs:
            if len(decls) == 2:
                self.vars[mark:] = [(decls[0], key), (decls[1], item)]
            elif decls:
                self.vars[mark:] = [(decls[0], item)]
            try:
                self.walk(node.body, item)
            except _Break:
                break
            except _Continue:
                continue

    def pipeline(self, pipe: Pipeline, dot: Any) -> Any:
        value: Any = _MISSING
        for command in pipe.commands:
            value = self.command(command, dot, value)
        if pipe.assign:
            for i in range(len(self.vars) - 1, -1, -1):
                if self.vars[i][0] == pipe.decls[0]:
                    self.vars[i] = (pipe.decls[0], value)
                    break
        elif pipe.decls:
            self.vars.append((pipe.decls[0], value))
        return value

    def command(self, command: Command, dot: Any, final: Any) -> Any:
        first = command.args[0]
        if not isinstance(first, Identifier):
            return self.arg(first, dot)
        rest = list(command.args[1:])
        if first.name in LAZY_FUNCTIONS:
            thunks: list[Callable[[], Any]] = [partial(self.arg, a, dot) for a in rest]
            if final is not _MISSING:
                thunks.append(lambda: final)
            result = LAZY_FUNCTIONS[first.name](thunks)
        else:
            values = [self.arg(a, dot) for a in rest]
            if final is not _MISSING:
                values.append(final)
            result = self.call(first.name, values)
        return _fields(result, first.names)

    def call(self, name: str, values: list[Any]) -> Any:
        if name == "args":
            if values:
                raise TemplateError("wrong number of args for args: want 0")
            return _fields(self.root, ("args",)) or {}
        try:
            return FUNCTIONS[name](*values)
        except TypeError as exc:  # a Python arity error is Go's "wrong number of args"
            raise TemplateError(f"wrong number of args for {name}") from exc

    def arg(self, arg: Arg, dot: Any) -> Any:
        if isinstance(arg, Field):
            return _fields(dot, arg.names)
        if isinstance(arg, Variable):
            if arg.name == "$":
                return _fields(self.root, arg.names)
            for name, value in reversed(self.vars):
                if name == arg.name:
                    return _fields(value, arg.names)
            raise TemplateError(f"undefined variable: {arg.name}")
        if isinstance(arg, Literal):
            return arg.value
        if isinstance(arg, Chain):
            return _fields(self.pipeline(arg.node, dot), arg.names)
        if isinstance(arg, Pipeline):
            return self.pipeline(arg, dot)
        return self.command(Command((arg,)), dot, _MISSING)


def _fields(value: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        if value is None:
            return None
        if isinstance(value, Mapping):
            value = value.get(name)
        else:
            raise TemplateError(f"can't evaluate field {name} in {type(value).__name__}")
    return value


def render(nodes: tuple[Node, ...], data: Mapping[str, Any], *, html: bool) -> str:
    """The text of ``nodes`` with ``data`` as dot and ``$``."""
    run = _Run(root=data, html=html)
    run.walk(nodes, data)  # the parser allows break/continue only inside a range
    return "".join(run.out)
