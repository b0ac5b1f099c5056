"""Turning what a client sends as ``data`` into the envelope the Silo stores.

Everything goes through ``facturo.gobl``: a bare document or an envelope is normalised,
calculated and validated. With ``allow_invalid`` a document that fails validation is still
stored, calculated as far as it goes and flagged ``invalid``, as the contract describes. Fault
paths are re-rooted at the request body (``$.doc.x`` → ``$.data.doc.x``) so the error body's
``fields`` point into what the client sent.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from facturo import gobl
from facturo.errors import Fault, Invalid
from facturo.gobl.c14n import canonical_json
from facturo.gobl.dsig import PrivateKey, digest_document, sign_header, signature_payload
from facturo.gobl.envelope import ENVELOPE_SCHEMA, is_envelope
from facturo.gobl.errors import validation
from facturo.gobl.validate import envelope_faults
from facturo.silo.errors import NothingToBuild


@dataclass(frozen=True, slots=True)
class Built:
    envelope: dict[str, Any]
    invalid: bool
    faults: tuple[Fault, ...] = ()
    _version: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def doc_schema(self) -> str:
        return str(self.envelope["doc"].get("$schema", ""))

    @property
    def version(self) -> str:
        """A short id of this exact content: envelope, stamps and signatures included.

        Worked out on first use and kept: a create or an update asks for it several times, and
        each time it would canonicalise and hash the whole envelope again.
        """
        if self._version is None:
            digest = hashlib.sha256(canonical_json(self.envelope)).hexdigest()[:10]
            object.__setattr__(self, "_version", digest)
            return digest
        return self._version


def rerooted(exc: gobl.GoblError) -> gobl.GoblError:
    """The same error with its fault paths moved under the request body's ``data``."""
    return _rerooted(exc)


def sign_envelope(envelope: dict[str, Any], *, key: PrivateKey, now: datetime) -> dict[str, Any]:
    """A copy of ``envelope`` with one more signature (gobl ``Envelope.Sign``).

    As gobl does, the signature is appended first and the whole envelope validated after, so the
    rules that only apply to signed envelopes run (an invoice needs its ``code``,
    ``GOBL-ENVELOPE-13``); on faults nothing is returned and :class:`GoblError` says why, with
    paths rooted at the envelope (``$.doc.code``).
    """
    head = envelope.get("head") or {}
    missing = [
        Fault(code, message, (f"$.head.{name}",))
        for name, code, message in (
            ("uuid", "GOBL-HEAD-HEADER-01", "header must contain a UUID v1 or v7 with timestamp"),
            ("dig", "GOBL-HEAD-HEADER-02", "header must have a digest"),
        )
        if not head.get(name)
    ]
    if missing:
        raise validation(missing)
    token = sign_header(signature_payload(head["uuid"], head["dig"], int(now.timestamp())), key)
    signed = {**envelope, "sigs": [*(envelope.get("sigs") or ()), token]}
    faults = envelope_faults(signed)
    if faults:
        raise validation(faults)
    return signed


def _rerooted(exc: gobl.GoblError) -> gobl.GoblError:
    faults = [
        Fault(
            code=f.code,
            message=f.message,
            paths=tuple("$.data" + p[1:] if p.startswith("$") else p for p in f.paths),
            provider=f.provider,
        )
        for f in exc.faults
    ] or [Fault(code=exc.key.value, message=exc.message, paths=("$.data",))]
    return gobl.GoblError(exc.key, exc.message, faults=faults)


def build_envelope(
    data: Any,
    *,
    allow_invalid: bool,
    uuid_factory: Callable[[], Any],
    now: datetime,
    keep_sigs: tuple[str, ...] = (),
) -> Built:
    if not isinstance(data, dict) or not (is_envelope(data) or "$schema" in data):
        raise NothingToBuild(faults=[Fault("schema", "a GOBL `$schema` is required", ("$.data",))])
    faults: tuple[Fault, ...]
    try:
        envelope = gobl.build(data, uuid_factory=uuid_factory, now=now).to_json()
        invalid, faults = False, ()
    except gobl.GoblError as exc:
        if not allow_invalid:
            raise _rerooted(exc) from exc
        envelope = _as_is(data, uuid_factory=uuid_factory, now=now)
        invalid, faults = True, _rerooted(exc).faults
    if keep_sigs:
        envelope["sigs"] = list(keep_sigs)
    return Built(envelope, invalid, faults)


def _as_is(
    data: dict[str, Any], *, uuid_factory: Callable[[], Any], now: datetime
) -> dict[str, Any]:
    """Envelope an invalid document: calculated if calculation works, else kept as sent."""
    head = dict(data.get("head") or {}) if is_envelope(data) else {}
    doc = (data.get("doc") or {}) if is_envelope(data) else data
    with contextlib.suppress(Invalid):  # not calculable: keep the document as sent
        doc = gobl.calculate(doc, uuid_factory=uuid_factory, now=now)
    head.setdefault("uuid", str(uuid_factory()))
    head.pop("dig", None)
    with contextlib.suppress(Invalid):  # not even canonicalisable: no digest
        head["dig"] = digest_document(doc).to_json()
    return {"$schema": ENVELOPE_SCHEMA, "head": head, "doc": doc}


def correction_of(previous: dict[str, Any], options: Any, *, now: datetime) -> dict[str, Any]:
    """The corrective document of a stored entry's envelope (``previous_id`` + ``correct``).

    The document is returned uncalculated, so the create path builds it like any ``data``
    (``allow_invalid`` and ``sign`` included). Option faults point at ``$.correct``; faults in
    the previous entry's document (it has no ``code``) point at ``$.previous_id``, the field
    that chose it, and keep the document path in their message.
    """
    try:
        return gobl.corrected_document(previous, options, now=now, options_path="$.correct")
    except gobl.GoblError as exc:
        faults = [
            f
            if all(p.startswith("$.correct") for p in f.paths)
            else Fault(f.code, f"{f.message} ({', '.join(f.paths)})", ("$.previous_id",))
            for f in exc.faults
        ] or [Fault(exc.key.value, exc.message, ("$.previous_id",))]
        raise gobl.GoblError(exc.key, exc.message, faults=faults) from exc


def corrected_envelope(
    data: Any, options: Any, *, uuid_factory: Callable[[], Any], now: datetime
) -> dict[str, Any]:
    """``/gobl/correct``: the built correction of an envelope, faults rooted at the body."""
    if not isinstance(data, dict) or not is_envelope(data):
        raise NothingToBuild(
            "Only a GOBL envelope can be corrected.",
            faults=[Fault("envelope", "a GOBL envelope is required", ("$.data",))],
        )
    try:
        env = gobl.correct(data, options, uuid_factory=uuid_factory, now=now)
    except gobl.GoblError as exc:
        faults = [
            f
            if all(p.startswith("$.options") for p in f.paths)
            else Fault(f.code, f.message, tuple("$.data" + p[1:] for p in f.paths), f.provider)
            for f in exc.faults
        ] or [Fault(exc.key.value, exc.message, ("$.data",))]
        raise gobl.GoblError(exc.key, exc.message, faults=faults) from exc
    return env.to_json()
