"""The kinds of error every context raises, with no web or database imports.

A context defines exceptions named for the condition (``EntryExists``, ``LeaseLost``) that
subclass one of these kinds. Only ``facturo.platform.problems`` maps kinds to HTTP statuses, so a
service never needs to know it is behind HTTP (cosmicpython's ``InvalidSku``)::

    FacturoError
    ├── Invalid        the request or document breaks a rule      → 422
    │   └── BadRequest the request could not be read at all       → 400
    ├── Unauthorized   no credentials, or credentials not valid   → 401
    ├── Forbidden      credentials valid, but not for this        → 403
    ├── NotFound       no such thing in the caller's workspace    → 404
    ├── Conflict       the thing exists, or changed meanwhile     → 409
    ├── TooLarge       the body or file is over the limit         → 413
    └── Unavailable    a dependency is down; retry later          → 503

An error's docstring is its default detail, so a subclass usually needs nothing but a docstring
that tells the caller what to do (procrastinate's convention).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Fault:
    """One problem found in a request or a document.

    ``paths`` are JSONPath-like (``$.lines[0].quantity``) as gobl writes them; the HTTP layer
    renders them as JSON Pointers in problem details and as nested ``fields`` in the Invopop
    error body. ``code`` is stable and what tests assert; ``message`` is for people.
    """

    code: str
    message: str
    paths: tuple[str, ...] = field(default_factory=tuple)
    provider: str = ""


class FacturoError(Exception):
    """Something went wrong in Facturo."""

    def __init__(self, detail: str | None = None, *, faults: Sequence[Fault] = ()) -> None:
        self.detail = detail or (type(self).__doc__ or type(self).__name__).strip().splitlines()[0]
        self.faults: tuple[Fault, ...] = tuple(faults)
        super().__init__(self.detail)


class Invalid(FacturoError):
    """The request or document breaks a rule."""


class BadRequest(Invalid):
    """The request could not be read."""


class Unauthorized(FacturoError):
    """Send a valid API token as `Authorization: Bearer <token>`."""


class Forbidden(FacturoError):
    """The token is valid but may not do this."""


class NotFound(FacturoError):
    """Nothing with that identifier exists in this workspace."""


class Conflict(FacturoError):
    """That already exists, or changed meanwhile."""


class TooLarge(FacturoError):
    """The body is larger than this endpoint accepts."""


class Unavailable(FacturoError):
    """A service this depends on is not available; try again later."""
