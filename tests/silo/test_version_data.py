"""An entry's current version keeps no copy of its data, yet every version reads back, byte
for byte, as it was written: through changes, a change undone, and migration 0013 both ways, on
both databases."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from facturo.platform import migrate
from facturo.platform.ids import uuid7
from facturo.platform.runtime import Runtime
from facturo.silo.tables import EntryRow, EntryVersionRow
from facturo.silo.wire import json_response

SHARED = Path(__file__).resolve().parents[3] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())


def _doc(code: str) -> dict[str, Any]:
    doc = copy.deepcopy(INVOICE)
    doc["code"] = code
    return doc


def _version_answers(
    client: TestClient, auth: dict[str, str], entry_id: str, written: dict[str, Any]
) -> None:
    """Each version answers exactly what was written as it."""
    for version, data in written.items():
        answer = client.get(f"/silo/v1/entries/{entry_id}/versions/{version}", headers=auth)
        assert answer.status_code == 200, answer.text
        assert answer.content == json_response({"version": version, "data": data}).body


def _stored(engine: Engine, entry_id: str) -> tuple[str, dict[str, bool]]:
    """The entry's current version, and for each version whether its row holds data."""
    with engine.connect() as conn:
        current = conn.execute(
            select(EntryRow.version).where(EntryRow.id == uuid.UUID(entry_id))
        ).scalar_one()
        rows = conn.execute(
            select(EntryVersionRow.version, EntryVersionRow.data.is_not(None)).where(
                EntryVersionRow.entry_id == uuid.UUID(entry_id)
            )
        ).all()
    return current, {version: bool(has) for version, has in rows}


def _write_history(client: TestClient, auth: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """An entry written as A, changed to B, back to A's exact envelope, then signed: four
    writes, three versions. Returns its id and each version's data as answered."""
    entry_id = str(uuid7())
    first = client.put(f"/silo/v1/entries/{entry_id}", json={"data": _doc("V-A")}, headers=auth)
    assert first.status_code == 200, first.text
    written = {first.json()["version"]: first.json()["data"]}
    for body in ({"data": _doc("V-B")}, {"data": first.json()["data"]}, {"sign": True}):
        answer = client.patch(f"/silo/v1/entries/{entry_id}", json=body, headers=auth)
        assert answer.status_code == 200, answer.text
        written[answer.json()["version"]] = answer.json()["data"]
    return entry_id, written


def test_every_version_reads_back_as_written_and_only_the_current_one_has_no_copy(
    client: TestClient, runtime: Runtime, auth: dict[str, str]
) -> None:
    entry_id, written = _write_history(client, auth)

    assert len(written) == 3  # going back to A's envelope is A's version again
    _version_answers(client, auth, entry_id, written)
    current, has_data = _stored(runtime.engine, entry_id)
    assert has_data == {v: v != current for v in written}


def test_migration_0013_gives_versions_their_data_back_and_takes_the_copy_away_again(
    client: TestClient, runtime: Runtime, auth: dict[str, str], database_url: str
) -> None:
    entry_id, written = _write_history(client, auth)
    current, _ = _stored(runtime.engine, entry_id)
    runtime.engine.dispose()
    config = migrate.alembic_config(database_url)

    command.downgrade(config, "0012")
    _, after_downgrade = _stored(runtime.engine, entry_id)
    _version_answers(client, auth, entry_id, written)  # the old table, with every copy
    migrate.upgrade(database_url)
    _, after_upgrade = _stored(runtime.engine, entry_id)

    assert after_downgrade == dict.fromkeys(written, True)
    assert after_upgrade == {v: v != current for v in written}
    _version_answers(client, auth, entry_id, written)
