"""Errors of the playbooks (kinds from ``facturo.errors``)."""

from __future__ import annotations

from facturo.errors import NotFound


class PlaybookNotFound(NotFound):
    """No playbook with that name; `facturo playbooks list` shows the ones shipped."""
