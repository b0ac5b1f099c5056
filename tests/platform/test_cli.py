from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from facturo.platform.cli.main import app
from facturo.platform.settings import Settings

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"FACTURO_DATA_DIR": str(tmp_path / "var"), "FACTURO_DATABASE_URL": database_url}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


def test_help_lists_the_commands() -> None:
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for command in ("serve", "worker", "migrate", "workspace", "token", "gobl", "verifactu"):
        assert command in res.output


def test_workspace_and_token_lifecycle(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    res = runner.invoke(app, ["workspace", "create", "acme", "--name", "Acme"])
    assert res.exit_code == 0, res.output
    assert "acme" in runner.invoke(app, ["workspace", "list"]).output
    res = runner.invoke(app, ["token", "create", "acme"])
    assert res.exit_code == 0
    secret = res.stdout.strip()
    assert secret.startswith("fct_")
    assert "\n" not in secret  # only the token goes to stdout

    from facturo.platform import workspaces
    from facturo.platform.runtime import Runtime

    rt = Runtime.from_settings(Settings())
    with rt.uow() as uow:
        principal = workspaces.authenticate(uow, secret=secret)
    listing = runner.invoke(app, ["token", "list", "acme"]).output
    assert str(principal.token_id)[:8] in listing
    assert secret not in listing
    res = runner.invoke(app, ["token", "revoke", "acme", str(principal.token_id)])
    assert res.exit_code == 0
    with rt.uow() as uow:
        assert workspaces.list_tokens(uow, workspace_id=principal.workspace_id)[0].revoked_at
    rt.close()


def test_errors_exit_1_with_a_message(env: dict[str, str]) -> None:
    runner.invoke(app, ["migrate"])
    res = runner.invoke(app, ["token", "create", "ghost"])
    assert res.exit_code == 1
    assert res.stdout == ""
    runner.invoke(app, ["workspace", "create", "acme"])
    assert runner.invoke(app, ["workspace", "create", "acme"]).exit_code == 1
    assert runner.invoke(app, ["token", "revoke", "acme", "nope"]).exit_code == 1


def test_worker_refuses_sqlite_where_serve_runs_the_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTURO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("FACTURO_DATABASE_URL", raising=False)
    res = runner.invoke(app, ["worker"])
    assert res.exit_code == 2
    assert "PostgreSQL" in res.output


def test_settings_table_lists_every_setting() -> None:
    res = runner.invoke(app, ["settings"])
    assert res.exit_code == 0
    for name in Settings.model_fields:
        assert f"FACTURO_{name.upper()}" in res.stdout
