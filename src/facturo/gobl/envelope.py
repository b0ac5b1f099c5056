"""Port of gobl envelope.go and head/header.go (7a4ad62): wrapping, digest, build.

An envelope is ``{"$schema", "head": {uuid, dig, ...}, "doc": {...}, "sigs"?: [...]}``.
UUIDs and the clock are parameters (``uuid_factory``, ``now``): the library reads neither, so
builds are reproducible and the caller decides between UUIDv7 in production and fixed values
in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from facturo.gobl.calculate import calculate_typed
from facturo.gobl.dsig.digest import digest_json
from facturo.gobl.errors import validation
from facturo.gobl.schema.codec import (
    ZERO_UUID,
    Encoded,
    decode_document,
    encode_document_full,
)
from facturo.gobl.schema.registry import schema_id
from facturo.gobl.validate import built_faults

ENVELOPE_SCHEMA: Final = schema_id("envelope")
_INVOICE_SCHEMA: Final = schema_id("bill/invoice")
_HEAD_ORDER: Final = (
    "uuid",
    "dig",
    "stamps",
    "links",
    "tags",
    "meta",
    "notes",
    "from",
    "to",
    "ignore",
)
UuidFactory = Callable[[], UUID | str]


@dataclass(frozen=True, slots=True)
class Envelope:
    """A built envelope: header, document (gobl JSON) and signatures."""

    head: dict[str, Any]
    doc: dict[str, Any]
    sigs: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"$schema": ENVELOPE_SCHEMA, "head": self.head, "doc": self.doc}
        if self.sigs:
            out["sigs"] = list(self.sigs)
        return out


def is_envelope(data: dict[str, Any]) -> bool:
    """An envelope names its schema, or has a header, or is just ``{"doc": {...}}``.

    A bare document always carries its own ``$schema``, so an object without one that holds a
    ``doc`` can only be an envelope whose header is still to be made (gobl's ``*.env.*``
    examples are written that way).
    """
    if data.get("$schema") == ENVELOPE_SCHEMA or ("doc" in data and "head" in data):
        return True
    return "$schema" not in data and isinstance(data.get("doc"), dict)


def _head_order(head: dict[str, Any]) -> dict[str, Any]:
    """gobl's ``Header`` members in struct order, empty ones left out (``omitempty``)."""
    return {k: head[k] for k in _HEAD_ORDER if head.get(k)}


def calculate_document(
    doc: dict[str, Any], *, uuid_factory: UuidFactory | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Calculate a bare document; returns gobl's JSON of it (the input is not modified)."""
    return _calculate(doc, uuid_factory=uuid_factory, now=now)[1].out


def _calculate(
    doc: dict[str, Any],
    *,
    uuid_factory: UuidFactory | None,
    now: datetime | None,
    path: str = "$",
) -> tuple[dict[str, Any], Encoded]:
    """The calculated document (typed) and gobl's JSON of it; ``path`` is where ``doc`` sits."""
    typed = decode_document(doc, path)  # fresh containers: the input is not modified
    if now is not None and typed.get("$schema") == _INVOICE_SCHEMA and not typed.get("issue_date"):
        typed["issue_date"] = now.date().isoformat()
    calculate_typed(typed)
    if uuid_factory is not None:
        uuid = typed.get("uuid")
        if not uuid or uuid == ZERO_UUID:
            typed["uuid"] = str(uuid_factory())
    return typed, encode_document_full(typed)


def wrap(
    data: dict[str, Any],
    *,
    uuid_factory: UuidFactory,
    now: datetime | None = None,
) -> Envelope:
    """Calculate, envelop and validate a document or envelope: doc, header uuid, digest.

    Raises :class:`GoblError` (``calculation`` or ``validation``, faults under ``$.doc``).

    Existing signatures are dropped (the document may have changed); an existing header uuid
    is kept, a missing one comes from ``uuid_factory``.

    A bare document (the usual input) gets a header of just ``uuid`` and ``dig``, made in
    gobl's member order directly; a given header goes through :func:`_head_order`. Faults
    are filtered by ``head.ignore`` only when there are any.
    """
    if is_envelope(data):
        given: dict[str, Any] | None = dict(data.get("head") or {})
        doc = data.get("doc") or {}
    else:
        given, doc = None, data
    typed, enc = _calculate(doc, uuid_factory=uuid_factory, now=now, path="$.doc")
    out, plain = enc.out, enc.plain
    if given is None:
        uuid = str(uuid_factory())
        dig = digest_json(out, plain=plain)
        head = {"uuid": uuid, "dig": dig} if uuid else {"dig": dig}
        ignore: Any = ()
    else:
        if not given.get("uuid") or given.get("uuid") == ZERO_UUID:
            given["uuid"] = str(uuid_factory())
        given["dig"] = digest_json(out, plain=plain)
        head = _head_order(given)
        ignore = given.get("ignore", ())
    env = Envelope(head=head, doc=out)
    # the digest was just computed from ``out``: only the document rules need running
    faults = built_faults(typed, enc, prefix="$.doc")
    if faults:
        faults = [f for f in faults if f.code not in ignore]
        if faults:
            raise validation(faults)
    return env
