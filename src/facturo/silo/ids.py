"""The rules an entry's id follows in folders of time-bound documents (spec §1.6).

Invoices and other dated documents need time-based ids (UUID v7, or v1), whose timestamp is the
document's natural order; long-lived data (parties, items) may use any version. An id the caller
chose must also carry a time near the server's: one more than a day away from now (a clock far
off, an id made from a made-up time) is refused rather than filed out of order, the bound the
spec proposes for this check (§1.6, "±1 day").
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from facturo.errors import Fault
from facturo.platform.ids import is_time_based, timestamp_of
from facturo.silo.errors import IdTimeOutOfRange, TimeBasedIdRequired

MAX_SKEW = timedelta(days=1)
"""How far the timestamp of a caller's time-based id may be from the server's clock."""

ID_PATH = "#/path/entry_id"
"""Where the id is in the request: the path parameter, as request validation names it."""

ID_NOT_TIME_BASED = Fault(
    "uuid-version", "must be a time-based UUID (v7 or v1) in this folder", (ID_PATH,)
)


def check_entry_id(entry_id: uuid.UUID, *, now: datetime, chosen: bool) -> None:
    """Refuse an id that does not fit a time-bound folder; ``chosen`` when the caller made it."""
    if not is_time_based(entry_id):
        raise TimeBasedIdRequired(faults=[ID_NOT_TIME_BASED])
    at = timestamp_of(entry_id)
    if chosen and at is not None and abs(at - now) > MAX_SKEW:
        raise IdTimeOutOfRange(
            faults=[
                Fault(
                    "uuid-time",
                    f"the UUID's time {at.isoformat(timespec='seconds')} is more than a day "
                    "away from now",
                    (ID_PATH,),
                )
            ]
        )
