"""The ``facturo`` command line (Typer + Rich).

Settings come from ``FACTURO_*`` variables, as for the server, so a command run beside a server
talks to the same database. Commands that print data for scripts (``token create``) write only
that to stdout; messages go to stderr.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from facturo.aeat_sandbox.cli import app as aeat_sandbox_app
from facturo.errors import FacturoError
from facturo.platform import migrate as migrations
from facturo.platform import services, workspaces
from facturo.platform.cli.gobl import app as gobl_app
from facturo.platform.cli.verifactu import app as verifactu_app
from facturo.platform.runtime import Runtime
from facturo.platform.settings import Settings
from facturo.transform.playbooks.cli import app as playbooks_app

app = typer.Typer(
    help="Facturo: self-hosted e-invoicing (Silo, Transform, VERI*FACTU).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
workspace_app = typer.Typer(help="Create and list workspaces.", no_args_is_help=True)
token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
app.add_typer(workspace_app, name="workspace")
app.add_typer(token_app, name="token")
app.add_typer(gobl_app, name="gobl")
app.add_typer(verifactu_app, name="verifactu")
app.add_typer(aeat_sandbox_app, name="aeat-sandbox")
app.add_typer(playbooks_app, name="playbooks")

err = Console(stderr=True)
out = Console()


def _runtime() -> Runtime:
    return Runtime.from_settings(Settings())


def _fail(exc: FacturoError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.detail}")
    return typer.Exit(1)


@app.command()
def migrate() -> None:
    """Apply database migrations up to the latest revision."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with err.status("Migrating the database…"):
        migrations.upgrade(settings.resolved_database_url)
    err.print(f"Database at revision {migrations.current_head()}.")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Migrate, make sure a demo workspace exists, and run the platform."""
    from facturo.platform.cli.serve import run

    run(host=host, port=port)


@app.command()
def worker(
    threads: Annotated[
        int | None, typer.Option(min=1, help="Worker threads (default FACTURO_WORKER_THREADS).")
    ] = None,
) -> None:
    """Run job workers against PostgreSQL until SIGINT or SIGTERM.

    Start as many as you like, on any machines: they share the database's queue. On SQLite the
    single `facturo serve` process runs the workers itself, so this command refuses to start.
    """
    from facturo.transform.engine.worker import run_process

    settings = Settings()
    if settings.is_sqlite:
        err.print(
            "[red]error:[/red] `facturo worker` needs PostgreSQL (FACTURO_DATABASE_URL); "
            "on SQLite `facturo serve` runs the jobs itself."
        )
        raise typer.Exit(2)
    runtime = Runtime.from_settings(settings)
    background = services.start(runtime, serve=False, workers=False)
    count = threads or settings.worker_threads or 1

    def ready() -> None:
        err.print(f"Running {count} worker thread(s); stop with Ctrl-C or SIGTERM.")

    try:
        run_process(runtime, threads=count, ready=ready)
    finally:
        background.stop()
        runtime.close()


@app.command("settings")
def show_settings() -> None:
    """Print the settings table (environment variable, default, meaning) as Markdown."""
    typer.echo("| variable | default | meaning |")
    typer.echo("|---|---|---|")
    for name, info in Settings.model_fields.items():
        default = info.default
        shown = "" if default in (None, "") else f"`{default}`"
        typer.echo(f"| `FACTURO_{name.upper()}` | {shown} | {info.description} |")


@workspace_app.command("create")
def workspace_create(
    slug: Annotated[str, typer.Argument(help="Short name: lower-case letters, digits, dashes.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Create a workspace."""
    rt = _runtime()
    try:
        with rt.uow() as uow:
            ws = workspaces.create_workspace(uow, slug=slug, name=name)
    except FacturoError as exc:
        raise _fail(exc) from exc
    err.print(f"Created workspace {ws.slug} ({ws.id}).")


@workspace_app.command("list")
def workspace_list() -> None:
    """List workspaces."""
    rt = _runtime()
    with rt.uow() as uow:
        rows = workspaces.list_workspaces(uow)
    table = Table("slug", "name", "id", "created")
    for ws in rows:
        table.add_row(ws.slug, ws.name, str(ws.id), ws.created_at.isoformat(timespec="seconds"))
    out.print(table)


@token_app.command("create")
def token_create(
    workspace: Annotated[str, typer.Argument(help="Workspace slug or id.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
) -> None:
    """Create an API token; prints only the token, so scripts can capture it."""
    rt = _runtime()
    try:
        with rt.uow() as uow:
            ws = workspaces.get_workspace(uow, ref=workspace)
            issued = workspaces.create_token(uow, workspace_id=ws.id, name=name)
    except FacturoError as exc:
        raise _fail(exc) from exc
    typer.echo(issued.secret)


@token_app.command("list")
def token_list(workspace: Annotated[str, typer.Argument(help="Workspace slug or id.")]) -> None:
    """List a workspace's tokens (never their secrets)."""
    rt = _runtime()
    try:
        with rt.uow() as uow:
            ws = workspaces.get_workspace(uow, ref=workspace)
            tokens = workspaces.list_tokens(uow, workspace_id=ws.id)
    except FacturoError as exc:
        raise _fail(exc) from exc
    table = Table("id", "name", "prefix", "created", "revoked")
    for t in tokens:
        revoked = t.revoked_at.isoformat(timespec="seconds") if t.revoked_at else ""
        table.add_row(
            str(t.id), t.name, t.prefix + "…", t.created_at.isoformat(timespec="seconds"), revoked
        )
    out.print(table)


@token_app.command("revoke")
def token_revoke(
    workspace: Annotated[str, typer.Argument(help="Workspace slug or id.")],
    token_id: Annotated[str, typer.Argument(help="Token id, from `facturo token list`.")],
) -> None:
    """Revoke an API token: requests with it answer 401 from now on."""
    import uuid

    rt = _runtime()
    try:
        tid = uuid.UUID(token_id)
    except ValueError:
        err.print("[red]error:[/red] the token id must be a UUID (see `facturo token list`).")
        raise typer.Exit(1) from None
    try:
        with rt.uow() as uow:
            ws = workspaces.get_workspace(uow, ref=workspace)
            workspaces.revoke_token(uow, workspace_id=ws.id, token_id=tid)
    except FacturoError as exc:
        raise _fail(exc) from exc
    err.print(f"Revoked token {tid}.")


def main() -> None:
    app()
