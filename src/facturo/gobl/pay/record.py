"""Port of gobl pay/record.go (7a4ad62): reading older payment records.

Records once carried their text as ``desc``; gobl reads it into ``description`` when that is
empty, so old documents keep their text instead of silently losing it.
"""

from __future__ import annotations

from typing import Any


def migrate_record(record: dict[str, Any]) -> None:
    desc = record.pop("desc", None)
    if desc and not record.get("description"):
        record["description"] = desc
