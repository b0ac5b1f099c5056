"""Domain types of the platform context: workspaces, API tokens and the caller."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import NewType

WorkspaceId = NewType("WorkspaceId", uuid.UUID)
TokenId = NewType("TokenId", uuid.UUID)


@dataclass(frozen=True, slots=True)
class Workspace:
    id: WorkspaceId
    slug: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A token as listed: never the secret, only its first characters."""

    id: TokenId
    workspace_id: WorkspaceId
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just created: the only time its secret exists outside the caller's hands."""

    token: ApiToken
    secret: str


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: every query of a request is scoped to ``workspace_id``."""

    workspace_id: WorkspaceId
    token_id: TokenId
