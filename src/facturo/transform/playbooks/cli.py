"""``facturo playbooks``: list, show and install the remediation playbooks.

Settings come from ``FACTURO_*`` variables, as for the server, so ``install`` writes to the
database a running server reads. ``show`` prints only the workflow JSON to stdout, so it can be
piped into a file or a ``PUT``; messages go to stderr.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from facturo.errors import FacturoError
from facturo.platform import workspaces
from facturo.platform.runtime import Runtime
from facturo.platform.settings import Settings
from facturo.transform.playbooks.library import get_playbook, list_playbooks
from facturo.transform.playbooks.service import install_playbook
from facturo.transform.webhooks.models import check_callback_url

app = typer.Typer(help="Remediation playbooks for AEAT answers.", no_args_is_help=True)
err = Console(stderr=True)
out = Console()

CallbackUrl = Annotated[
    str | None,
    typer.Option(help="URL for the playbook's webhook steps (default: a placeholder)."),
]


def _fail(exc: FacturoError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.detail}")
    return typer.Exit(1)


def _url(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_callback_url(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--callback-url") from exc


@app.command("list")
def list_command() -> None:
    """List the playbooks and the codes each one handles."""
    table = Table()
    table.add_column("name", no_wrap=True)
    table.add_column("codes", no_wrap=True)
    table.add_column("title")
    for playbook in list_playbooks():
        table.add_row(playbook.name, ", ".join(playbook.codes), playbook.title)
    out.print(table)


@app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Playbook name (see `list`).")],
    callback_url: CallbackUrl = None,
) -> None:
    """Print a playbook's workflow JSON."""
    try:
        playbook = get_playbook(name)
    except FacturoError as exc:
        raise _fail(exc) from exc
    document = playbook.workflow(callback_url=_url(callback_url))
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


@app.command("install")
def install_command(
    name: Annotated[str, typer.Argument(help="Playbook name (see `list`).")],
    workspace: Annotated[str, typer.Option(help="Workspace slug or id.")],
    callback_url: CallbackUrl = None,
) -> None:
    """Save a playbook as a new workflow of a workspace; prints the workflow id."""
    url = _url(callback_url)
    rt = Runtime.from_settings(Settings())
    try:
        with rt.uow() as uow:
            ws = workspaces.get_workspace(uow, ref=workspace)
            saved = install_playbook(
                uow, workspace_id=ws.id, name=name, registry=rt.registry, callback_url=url
            )
    except FacturoError as exc:
        raise _fail(exc) from exc
    finally:
        rt.close()
    typer.echo(saved["id"])
    err.print(f"Installed {name} in {ws.slug} as workflow {saved['id']}.")
