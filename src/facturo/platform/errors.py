"""Errors of the platform context (kinds from ``facturo.errors``)."""

from __future__ import annotations

from facturo.errors import Conflict, Invalid, NotFound, Unauthorized


class WorkspaceNotFound(NotFound):
    """No workspace with that slug or id; `facturo workspace list` shows them."""


class WorkspaceExists(Conflict):
    """A workspace with that slug exists already; choose another slug."""


class InvalidSlug(Invalid):
    """A slug is 1-64 lower-case letters, digits and dashes, starting with a letter or digit."""


class TokenNotFound(NotFound):
    """No API token with that id in this workspace."""


class MissingToken(Unauthorized):
    """Send an API token as `Authorization: Bearer <token>`."""


class InvalidToken(Unauthorized):
    """The API token is unknown or revoked; create one with `facturo token create`."""
