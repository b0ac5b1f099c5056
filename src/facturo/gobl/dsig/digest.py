"""Port of gobl dsig/digest.go and dsig/sha256.go (7a4ad62): the document digest.

An envelope's ``head.dig`` is the SHA-256 of the document's canonical JSON (spec ``gobl.md``
§3.1), written as ``{"alg": "sha256", "val": <lowercase hex>}``. gobl's ``Digest.Equals``
returns "algorithm mismatch" or "mismatch"; here equality of the frozen value is the check,
and the envelope code decides which fault to raise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from facturo.gobl.c14n import C14nError, canonical_json, canonical_json_plain
from facturo.gobl.dsig.errors import DigestError

__all__ = ["SHA256", "Digest", "digest_document", "digest_json"]

SHA256: Final = "sha256"
"""The only digest algorithm gobl defines (``DigestSHA256``)."""


@dataclass(frozen=True, slots=True)
class Digest:
    """A digest value and the algorithm that made it, as ``head.dig`` carries them."""

    alg: str
    val: str

    def to_json(self) -> dict[str, str]:
        """``{"alg": ..., "val": ...}`` in gobl's struct order."""
        return {"alg": self.alg, "val": self.val}

    @classmethod
    def from_json(cls, data: Any) -> Digest:
        """Read ``{"alg": ..., "val": ...}``; both members must be non-empty strings."""
        if not isinstance(data, Mapping):
            raise DigestError("digest must be an object with alg and val")
        alg, val = data.get("alg"), data.get("val")
        if not isinstance(alg, str) or not alg or not isinstance(val, str) or not val:
            raise DigestError("digest needs string alg and val")
        return cls(alg=alg, val=val)

    def __str__(self) -> str:
        """``sha256;<hex>``, gobl's ``Digest.String`` form for quick comparisons."""
        return f"{self.alg};{self.val}"


def digest_document(doc: Mapping[str, Any], *, plain: bool = False) -> Digest:
    """SHA-256 of the document's canonical JSON; the document includes its ``$schema``.

    ``doc`` holds the document as gobl outputs it (omitted fields absent, amounts as
    strings). ``plain`` says the caller knows it holds plain JSON values only (the schema
    writer reports it), which skips the type walk. Raises :class:`DigestError` when it cannot
    be written as canonical JSON.
    """
    return Digest(alg=SHA256, val=_hex(doc, plain))


def digest_json(doc: Mapping[str, Any], *, plain: bool = False) -> dict[str, str]:
    """``digest_document(doc, plain=plain).to_json()``, without the :class:`Digest` between.

    A build writes the digest straight into ``head.dig`` and never needs the frozen value:
    making it and then its JSON takes about a microsecond, a tenth of the digest itself.
    """
    return {"alg": SHA256, "val": _hex(doc, plain)}


def _hex(doc: Mapping[str, Any], plain: bool) -> str:
    try:
        data = canonical_json_plain(doc) if plain else canonical_json(doc)
    except C14nError as exc:
        raise DigestError(f"document cannot be digested: {exc.detail}") from exc
    return hashlib.sha256(data).hexdigest()
