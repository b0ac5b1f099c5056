"""Task statuses as the step protocol and job events spell them.

The values are the wire values of ``TaskStatus`` in the provider protocol
(``GO:gateway/tasks.proto``, spec §3.1 and §3.4); intents' ``events[].status`` carry the same
strings. They live apart from the job model because the workflow semantics (which block follows a
result) and the engine (what the log means) both read them.
"""

from __future__ import annotations

from enum import StrEnum


class EventStatus(StrEnum):
    """The status of one event in a step's life (spec §3.1)."""

    RUN = "RUN"  # the engine is attempting the task
    QUEUED = "QUEUED"  # the provider asked for more time (``retry_in``)
    ERR = "ERR"  # recoverable error; the engine retries
    OK = "OK"  # done
    SKIP = "SKIP"  # not executed, safe to continue
    KO = "KO"  # unrecoverable ("knocked out"): needs a new document
    POKE = "POKE"  # an app woke a queued task (``POST /transform/v1/jobs/intents``)
    CANCEL = "CANCEL"  # the task was cancelled

    @property
    def is_final(self) -> bool:
        """Whether the step is over: only OK, SKIP and KO move a workflow on (spec §3.7.2)."""
        return self in FINAL_STATUSES


FINAL_STATUSES: frozenset[EventStatus] = frozenset(
    {EventStatus.OK, EventStatus.SKIP, EventStatus.KO}
)
