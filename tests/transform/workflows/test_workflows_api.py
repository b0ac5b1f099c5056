"""``/transform/v1/workflows`` over HTTP: create-only PUT, PATCH quirks, versions, listing."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from facturo.platform.runtime import Runtime
from facturo.transform.steps.base import Registry, provider
from facturo.transform.workflows.paths import iter_steps
from facturo.transform.workflows.validate import parse_workflow

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
CURRENT = SHARED / "data" / "invopop" / "workflows" / "current"


def _body(*actions: str) -> dict[str, Any]:
    return {
        "name": "Send",
        "description": "d",
        "schema": "bill/invoice",
        "steps": [{"id": str(uuid.uuid4()), "name": a, "provider": a} for a in actions],
    }


def test_put_creates_once_and_get_shows_versions(
    client: TestClient, auth: dict[str, str], harness: Any
) -> None:
    wf = str(uuid.uuid4())
    created = client.put(f"/transform/v1/workflows/{wf}", json=_body("test.noop"), headers=auth)
    assert created.status_code == 200, created.text
    doc = created.json()
    assert (doc["id"], doc["version"], doc["name"], doc["schema"]) == (
        wf,
        "1",
        "Send",
        "bill/invoice",
    )
    assert doc["steps"][0]["action"] == doc["steps"][0]["provider"] == "test.noop"
    assert len(doc["hash"]) == 12
    again = client.put(f"/transform/v1/workflows/{wf}", json=_body("test.noop"), headers=auth)
    assert again.status_code == 409
    fetched = client.get(f"/transform/v1/workflows/{wf}", headers=auth).json()
    assert [v["version"] for v in fetched["versions"]] == ["1"]


def test_patch_keeps_what_is_null_or_empty_and_publishes_changes(
    client: TestClient, auth: dict[str, str], harness: Any
) -> None:
    wf = str(uuid.uuid4())
    client.put(f"/transform/v1/workflows/{wf}", json=_body("test.noop"), headers=auth)
    same = client.patch(
        f"/transform/v1/workflows/{wf}", json={"name": "", "steps": None}, headers=auth
    )
    assert same.status_code == 200, same.text
    assert (same.json()["name"], same.json()["version"]) == ("Send", "1")
    assert len(same.json()["steps"]) == 1
    changed = client.patch(
        f"/transform/v1/workflows/{wf}", json=_body("test.noop", "test.skip"), headers=auth
    )
    assert changed.json()["version"] == "2"
    draft = _body("test.skip") | {"draft": True}
    drafted = client.patch(f"/transform/v1/workflows/{wf}", json=draft, headers=auth).json()
    assert (drafted["version"], drafted["draft"]) == ("2", True)
    versions = client.get(f"/transform/v1/workflows/{wf}", headers=auth).json()["versions"]
    assert [v["version"] for v in versions] == ["2", "1"]
    moved = client.patch(
        f"/transform/v1/workflows/{wf}", json={"schema": "org/party"}, headers=auth
    )
    assert moved.status_code == 422
    assert moved.json()["fields"] == {"schema": "schema cannot be changed"}


def test_a_workflow_with_missing_actions_is_refused_naming_each(
    client: TestClient, auth: dict[str, str], harness: Any
) -> None:
    wf = str(uuid.uuid4())
    body = _body("test.noop", "verifactu.send", "no.such.action")
    refused = client.put(f"/transform/v1/workflows/{wf}", json=body, headers=auth)
    assert refused.status_code == 422
    problems = {(p["code"], p["pointer"]) for p in refused.json()["errors"]}
    assert problems == {
        ("step.action.unavailable", "#/steps/1"),
        ("step.action.unknown", "#/steps/2"),
    }
    assert client.get(f"/transform/v1/workflows/{wf}", headers=auth).status_code == 404


def test_listing_pages_by_created_at(
    client: TestClient, auth: dict[str, str], harness: Any
) -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for wf in ids:
        client.put(f"/transform/v1/workflows/{wf}", json=_body("test.noop"), headers=auth)
    first = client.get("/transform/v1/workflows?limit=2", headers=auth).json()
    assert [w["id"] for w in first["list"]] == ids[::-1][:2]
    assert "versions" not in first["list"][0]
    rest = client.get(
        "/transform/v1/workflows",
        params={"limit": 2, "created_at": first["next_created_at"]},
        headers=auth,
    ).json()
    assert [w["id"] for w in rest["list"]] == [ids[0]]
    assert "next_created_at" not in rest
    assert client.get("/transform/v1/workflows?schema=org/party", headers=auth).json()["list"] == []


FACTURO_ACTIONS_NOW = ("silo.state", "silo.if", "pdf", "webhook", "email.send")


def _console_workflows() -> list[Path]:
    return sorted(p for p in CURRENT.glob("*.json") if p.name != "INDEX.json")


def test_every_exported_workflow_is_accepted_or_refused_naming_each_missing_action(
    client: TestClient, auth: dict[str, str], runtime: Runtime
) -> None:
    def unused(ctx: Any, config: Any) -> Any:
        raise AssertionError("not run")

    runtime.registry = Registry.of(*(provider(a)(unused) for a in FACTURO_ACTIONS_NOW))
    files = _console_workflows()
    assert len(files) == 112
    accepted = 0
    for path in files:
        document = json.loads(path.read_text())
        workflow = parse_workflow(document)
        missing = {
            f"#/{'/'.join(str(t) for t in p)}"
            for p, s in iter_steps(workflow)
            if s.action not in FACTURO_ACTIONS_NOW
        }
        answer = client.put(f"/transform/v1/workflows/{uuid.uuid4()}", json=document, headers=auth)
        if not missing:
            assert answer.status_code == 200, (path.name, answer.text)
            assert answer.json()["steps"] == json.loads(json.dumps(answer.json()["steps"]))
            accepted += 1
            continue
        assert answer.status_code == 422, path.name
        named = {
            p["pointer"] for p in answer.json()["errors"] if p["code"] == "step.action.unavailable"
        }
        assert named == missing, path.name
        assert {p["code"] for p in answer.json()["errors"]} == {"step.action.unavailable"}
    assert accepted > 0
