"""Job keys are held for two years, then a new job may take one over.

Invopop: a job ``key`` is unique within the workspace and stays reserved "for up to 2 years"
(``DOCS:api-ref/transform/jobs/create-a-job-post.mdx``, spec §1.5). So a key whose job is older
than that is free again: the submit that wants it moves it to the old job's ``released_key`` (the
old job keeps its history, is still read by id and still shows its key) and stores the new job,
which a fetch by key then finds.

The unique constraint on ``(workspace_id, key)`` stays the one guard: the release is an update
conditional on the old job still holding the key, in the same savepoint as the new job's insert.
Of two submits racing for one released key, the second's update finds nothing to release (on
PostgreSQL it waits for the first's row lock, then re-reads the row), and its insert hits the
constraint: one winner, the other a 409. Held "two years" is counted in calendar years from the
old job's creation, so a job made on 29 February holds its key until 1 March.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from facturo.transform.tables import JobRow

YEARS_HELD = 2
"""How long a job holds its key (the contract's "up to 2 years"; we hold it the full two)."""


def held_until(created_at: datetime) -> datetime:
    """When the key of a job created at ``created_at`` becomes free again."""
    try:
        return created_at.replace(year=created_at.year + YEARS_HELD)
    except ValueError:  # 29 February, and no such day two years on
        return created_at.replace(year=created_at.year + YEARS_HELD, month=3, day=1)


def is_held(created_at: datetime, now: datetime) -> bool:
    """Whether a job created at ``created_at`` still holds its key at ``now``."""
    return now < held_until(created_at)


def release(session: Session, *, workspace_id: uuid.UUID, job_id: uuid.UUID, key: str) -> bool:
    """Move ``key`` off the old job (to its ``released_key``); False if it no longer holds it.

    No commit: it belongs to the transaction (savepoint) that inserts the job taking the key.
    """
    result = session.execute(
        update(JobRow)
        .where(JobRow.workspace_id == workspace_id, JobRow.id == job_id, JobRow.key == key)
        .values(key=None, released_key=key)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
