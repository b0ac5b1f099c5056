"""Errors of the Transform context (kinds from ``facturo.errors``)."""

from __future__ import annotations

from facturo.errors import Conflict, Invalid, NotFound


class WorkflowNotFound(NotFound):
    """No workflow with that id in this workspace."""


class WorkflowExists(Conflict):
    """workflow already exists with same id; use PATCH to change it"""


class WorkflowUnusable(Invalid):
    """The workflow cannot run jobs: it is disabled or has no published version."""


class JobNotFound(NotFound):
    """No job with that id or key in this workspace."""


class JobExists(Conflict):
    """job already exists with same id"""


class JobKeyTaken(Conflict):
    """job already exists with same key"""


class InvalidJob(Invalid):
    """The job request breaks a rule; see fields."""


class JobFinishedAlready(Conflict):
    """The job has already completed; there is nothing to cancel."""


class InvalidCursor(Invalid):
    """The cursor is not one this server gave for this listing; start again without it."""
