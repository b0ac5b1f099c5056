"""What the engine tells other parts of the platform about a job, without them reading its rows.

When a job finishes, the engine calls every hook in its list with a :class:`JobFinished` inside
the transaction of the final checkpoint, so a hook's writes (e.g. webhook deliveries to send)
commit with the job's completion or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from facturo.errors import Fault
from facturo.platform.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class JobFinished:
    """A job reached ``completed_at``; its final ``status`` is OK or KO."""

    workspace_id: UUID
    job_id: UUID
    workflow_id: UUID
    key: str | None
    silo_entry_id: UUID | None
    status: str
    args: Mapping[str, str]
    faults: tuple[Fault, ...]
    completed_at: datetime


JobFinishedHook = Callable[[UnitOfWork, JobFinished], None]
