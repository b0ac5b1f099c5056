"""Port of gobl errors.go (7a4ad62): keyed errors, with faults for validation.

gobl wraps every failure into one of a few keyed sentinels, so callers switch on the key and
never parse text. Validation problems arrive as ``validation`` with the faults attached::

    facturo.errors.Invalid
    └── GoblError(key, message, faults)
        keys: validation · calculation · marshal · signature · digest · internal ·
              unknown-schema · input · not-found · no-document

The text form follows gobl: ``validation: [CODE] (path, path) message; [CODE] message``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from facturo.errors import Fault, Invalid


class ErrorKey(StrEnum):
    """gobl's error keys (``errors.go``); the values are the wire values."""

    VALIDATION = "validation"  # the document breaks rules; faults say which
    CALCULATION = "calculation"  # the document could not be calculated
    MARSHAL = "marshal"  # the document could not be written as JSON
    SIGNATURE = "signature"  # a signature is missing, malformed or does not verify
    DIGEST = "digest"  # the digest does not match the document
    INTERNAL = "internal"  # a bug in this library
    UNKNOWN_SCHEMA = "unknown-schema"  # the ``$schema`` is not a known document type
    INPUT = "input"  # the input could not be read as JSON or YAML
    NOT_FOUND = "not-found"  # something referenced does not exist
    NO_DOCUMENT = "no-document"  # an envelope without a document


def fault_text(f: Fault) -> str:
    """``[CODE] (path, path) message``; a fault on the root alone shows no paths."""
    paths = [p for p in f.paths if p != "$"]
    if paths:
        return f"[{f.code}] ({', '.join(paths)}) {f.message}"
    return f"[{f.code}] {f.message}"


class GoblError(Invalid):
    """The GOBL document could not be built, calculated, validated or signed."""

    def __init__(
        self, key: ErrorKey | str, message: str = "", *, faults: Sequence[Fault] = ()
    ) -> None:
        self.key = ErrorKey(key)
        self.message = message or "; ".join(fault_text(f) for f in faults)
        super().__init__(f"{self.key.value}: {self.message}", faults=faults)

    def has_code(self, code: str) -> bool:
        return any(f.code == code for f in self.faults)

    def has_path(self, path: str) -> bool:
        return any(path in f.paths for f in self.faults)

    def to_json(self) -> dict[str, Any]:
        """gobl's JSON form: ``{"key": ..., "faults": [...]}`` or ``{"key", "message"}``."""
        if self.faults:
            return {
                "key": self.key.value,
                "faults": [
                    {"code": f.code, "paths": list(f.paths), "message": f.message}
                    for f in self.faults
                ],
            }
        return {"key": self.key.value, "message": self.message}


def calculation(message: str) -> GoblError:
    return GoblError(ErrorKey.CALCULATION, message)


def validation(faults: Sequence[Fault]) -> GoblError:
    return GoblError(ErrorKey.VALIDATION, faults=faults)
