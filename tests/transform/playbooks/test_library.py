"""The shipped playbooks: what they hold, and how the API and the CLI hand them out."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.transform import workflow_store
from facturo.transform.playbooks import PlaybookNotFound, get_playbook, list_playbooks
from facturo.transform.playbooks.cli import app as playbooks_cli

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
HANDLED = {
    "es-verifactu-1100-field-format": ("1100",),
    "es-verifactu-1126-customer-id": ("1126",),
    "es-verifactu-2004-late-record": ("2004",),
    "es-verifactu-3000-duplicate": ("3000",),
    "es-verifactu-3002-cancel-unknown": ("3002",),
    "es-verifactu-4104-issuer-census": ("4104", "4107"),
}
HOOK = "http://127.0.0.1:9/hooks"

runner = CliRunner()


def _webhook_urls(document: dict[str, Any]) -> list[str]:
    """The callback URL of every webhook step, nested ones included, depth first."""
    urls: list[str] = []
    pending: list[dict[str, Any]] = [*document.get("steps", []), *document.get("rescue", [])]
    while pending:
        step = pending.pop(0)
        if step.get("provider") == "webhook":
            urls.append(step["config"]["callback_url"])
        pending[:0] = [s for block in step.get("next") or [] for s in block.get("steps") or []]
    return urls


def test_every_playbook_is_listed_with_the_codes_it_branches_on() -> None:
    assert {p.name: p.codes for p in list_playbooks()} == HANDLED


def test_exceptions_hang_on_the_verifactu_steps_and_stop() -> None:
    for playbook in list_playbooks():
        for handler in playbook.handlers:
            assert handler.step in ("verifactu.generate", "verifactu.send", "verifactu.cancel")
            if handler.status == "OK":  # accepted with errors: report it and carry on
                assert (handler.code, handler.stop, handler.then) == ("2004", False, ("webhook",))
                continue
            assert (handler.status, handler.stop) == ("KO", True)
            assert handler.then[-2:] == ("silo.state", "webhook")


def test_callback_url_fills_every_webhook_step_and_leaves_the_template_alone() -> None:
    playbook = get_playbook("es-verifactu-4104-issuer-census")
    filled = playbook.workflow(callback_url=HOOK)
    assert _webhook_urls(filled) == [HOOK, HOOK]
    assert HOOK not in _webhook_urls(playbook.workflow())


def test_unknown_playbook_is_not_found() -> None:
    with pytest.raises(PlaybookNotFound):
        get_playbook("es-verifactu-9999")


@SQLITE
def test_routes_need_a_token(client: TestClient) -> None:
    assert client.get("/transform/v1/playbooks").status_code == 401
    assert client.get("/transform/v1/playbooks/es-verifactu-3000-duplicate").status_code == 401


@SQLITE
def test_api_lists_the_playbooks(client: TestClient, auth: dict[str, str]) -> None:
    reply = client.get("/transform/v1/playbooks", headers=auth)
    assert reply.status_code == 200
    listed = {p["name"]: tuple(p["codes"]) for p in reply.json()["list"]}
    assert listed == HANDLED


@SQLITE
def test_api_answers_404_for_an_unknown_playbook(client: TestClient, auth: dict[str, str]) -> None:
    reply = client.get("/transform/v1/playbooks/nope", headers=auth)
    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("application/problem+json")


@SQLITE
def test_api_refuses_a_callback_url_that_is_not_http(
    client: TestClient, auth: dict[str, str]
) -> None:
    reply = client.get(
        "/transform/v1/playbooks/es-verifactu-3000-duplicate",
        params={"callback_url": "ftp://example.com/x"},
        headers=auth,
    )
    assert reply.status_code == 422
    assert [e["pointer"] for e in reply.json()["errors"]] == ["#/callback_url"]


@SQLITE
@pytest.mark.parametrize("name", sorted(HANDLED))
def test_each_playbook_saves_as_a_workflow_over_the_api(
    client: TestClient, auth: dict[str, str], name: str
) -> None:
    reply = client.get(
        f"/transform/v1/playbooks/{name}", params={"callback_url": HOOK}, headers=auth
    )
    assert reply.status_code == 200
    body = reply.json()
    assert tuple(body["codes"]) == HANDLED[name]
    saved = client.put(
        f"/transform/v1/workflows/{uuid.uuid4()}", json=body["workflow"], headers=auth
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == "1"


def test_cli_lists_and_shows_playbooks() -> None:
    listed = runner.invoke(playbooks_cli, ["list"], terminal_width=200)
    assert listed.exit_code == 0, listed.output
    for name in HANDLED:
        assert name in listed.output
    shown = runner.invoke(
        playbooks_cli, ["show", "es-verifactu-1126-customer-id", "--callback-url", HOOK]
    )
    assert shown.exit_code == 0, shown.output
    expected = get_playbook("es-verifactu-1126-customer-id").workflow(callback_url=HOOK)
    assert json.loads(shown.stdout) == expected


def test_cli_show_of_an_unknown_playbook_exits_1() -> None:
    result = runner.invoke(playbooks_cli, ["show", "nope"])
    assert result.exit_code == 1


@SQLITE
def test_cli_installs_a_playbook_in_a_workspace(
    tmp_path: Path,
    database_url: str,
    runtime: Runtime,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FACTURO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FACTURO_DATABASE_URL", database_url)
    result = runner.invoke(
        playbooks_cli,
        [
            "install",
            "es-verifactu-4104-issuer-census",
            "--workspace",
            workspace.slug,
            "--callback-url",
            HOOK,
        ],
    )
    assert result.exit_code == 0, result.output
    workflow_id = uuid.UUID(result.stdout.strip())
    with runtime.uow() as uow:
        saved = workflow_store.get_workflow(uow, workspace_id=workspace.id, workflow_id=workflow_id)
    assert saved["name"] == get_playbook("es-verifactu-4104-issuer-census").title
    assert [v["src"] for v in saved["versions"]] == ["playbook"]
    assert _webhook_urls(saved) == [HOOK, HOOK]


@SQLITE
def test_cli_install_into_an_unknown_workspace_exits_1(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTURO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FACTURO_DATABASE_URL", database_url)
    result = runner.invoke(
        playbooks_cli, ["install", "es-verifactu-3000-duplicate", "--workspace", "nobody"]
    )
    assert result.exit_code == 1
