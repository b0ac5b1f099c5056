"""Go ``text/template`` as Invopop's e-mail steps use it: tokenizer, parser, renderer. PURE.

Invopop's ``email.send`` / ``email.notify`` take a ``subject`` and a base64 ``body`` written in
Go's template language (spec §5.1: ``{{.full_code}}``, ``{{.faults}}``, ``{{args.payment_link}}``).
Exported workflows must run unchanged, so this module follows Go's grammar rather than Jinja's:
``{{- trims -}}``, ``{{/* comments */}}``, pipelines (``{{.total | printf "%s EUR"}}``), variables
(``$``, ``{{$x := .y}}``), ``if``/``else if``/``else``/``end``, ``range`` (with ``$i, $v :=``,
``else``, ``break``, ``continue``) and ``with``, and Go's builtin functions plus ``args``
(:mod:`facturo.mail.template_funcs`). ``define``, ``template`` and ``block`` name other templates,
which a single e-mail field cannot have, so they are refused when the template is parsed.

Where Python differs from Go, and why:

- A missing map key renders as an empty string, not ``<no value>``: the variables are a map
  built from the envelope, and an absent customer name should leave a gap in an e-mail, not
  Go's debugging marker.
- An HTML body (:func:`looks_like_html`) is escaped as ``html/template`` escapes text: every
  action's output goes through its HTML escaper, and a value that starts a ``href`` or ``src``
  attribute must be an ``http(s)``/``mailto`` URL or becomes ``#ZgotmplZ``, as Go does. Script and
  style contexts get the HTML escaping only; e-mail clients run neither.

Parsing happens when a workflow is saved (the step's config model), so a malformed template is a
422 pointing at the config key, never a failed job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from facturo.mail.template_funcs import TemplateError
from facturo.mail.template_nodes import Node, TemplateSyntaxError
from facturo.mail.template_parse import parse_nodes
from facturo.mail.template_render import render

__all__ = ["Template", "TemplateError", "TemplateSyntaxError", "looks_like_html", "parse"]

_HTML_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>|</[a-zA-Z][a-zA-Z0-9]*\s*>")


def looks_like_html(text: str) -> bool:
    """Whether a body is HTML (a tag anywhere), so it is sent as HTML and escaped as such."""
    return _HTML_TAG.search(text) is not None


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template; render it as often as needed."""

    source: str
    html: bool
    nodes: tuple[Node, ...]

    def render(self, data: Mapping[str, Any]) -> str:
        """The text for ``data`` (the top-level dot); :class:`TemplateError` if a value misfits."""
        return render(self.nodes, data, html=self.html)


def parse(source: str, *, html: bool | None = None) -> Template:
    """Parse ``source``; ``html`` defaults to :func:`looks_like_html`.

    Raises :class:`TemplateSyntaxError` with the line of the first problem.
    """
    as_html = looks_like_html(source) if html is None else html
    return Template(source, as_html, parse_nodes(source, html=as_html))
