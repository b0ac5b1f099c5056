"""What the top-level names of an expression (or a jq program) refer to.

Invopop's steps take ``scope``: ``doc`` runs on the GOBL document inside the envelope, so
``$schema`` is the document's schema (``TPL:fr/fr-pa-receive-invoice``: ``$schema endsWith
"bill/invoice"``); ``env`` runs on the whole envelope, so the document is ``doc`` and its schema
``doc['$schema']`` (``TPL:fr/fr-pa-send-invoice``). Templates that leave ``scope`` out write
``doc?.payment…`` (``TPL:chargebee/cb-france``), so the envelope is the default.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Scope(StrEnum):
    """Which part of the entry an expression sees."""

    DOC = "doc"  # the GOBL document: names are its fields
    ENV = "env"  # the envelope: names are ``$schema``, ``head``, ``doc``, ``sigs``


def scoped(envelope: dict[str, Any], scope: Scope) -> Any:
    """The value an expression with ``scope`` is evaluated on."""
    return envelope.get("doc") if scope is Scope.DOC else envelope
