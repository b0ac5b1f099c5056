"""``facturo serve``: everything a first run needs, then the server.

Steps, each idempotent so that running it again is safe: create the data directory, generate
missing secrets, migrate, create the demo workspace and print a token for it if it has none,
then run uvicorn on loopback.
"""

from __future__ import annotations

import uvicorn
from rich.console import Console

from facturo.platform import logs, migrate, secrets, services, workspaces
from facturo.platform.app import create_app
from facturo.platform.errors import WorkspaceNotFound
from facturo.platform.runtime import Runtime
from facturo.platform.settings import Settings

err = Console(stderr=True)


def ensure_demo(runtime: Runtime) -> str | None:
    """Create the demo workspace and a token if the workspace has no active token.

    Returns the new token's secret, or ``None`` when one already existed (it cannot be shown
    again: its secret is not stored).
    """
    slug = runtime.settings.demo_workspace
    with runtime.uow() as uow:
        try:
            ws = workspaces.get_workspace(uow, ref=slug)
        except WorkspaceNotFound:
            ws = workspaces.create_workspace(uow, slug=slug, name="Demo")
        if any(t.active for t in workspaces.list_tokens(uow, workspace_id=ws.id)):
            return None
        return workspaces.create_token(uow, workspace_id=ws.id, name="demo").secret


def run(*, host: str | None = None, port: int | None = None) -> None:
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    logs.configure(settings.log_level, json_lines=settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    secrets.ensure_all(settings)
    with err.status("Migrating the database…"):
        migrate.upgrade(settings.resolved_database_url)
    runtime = Runtime.from_settings(settings)
    token = ensure_demo(runtime)
    background = services.start(runtime, serve=True)
    base = settings.resolved_public_url
    err.rule("Facturo")
    err.print(f"API        {base}/  (OpenAPI {base}/openapi.json, docs {base}/docs)")
    err.print(f"Health     {base}/healthz   Metrics {base}/metrics")
    err.print(f"Database   {runtime.engine.url.render_as_string(hide_password=True)}")
    if token:
        err.print(f"Workspace  {settings.demo_workspace}: new API token (shown once):")
        err.print(f"           [bold]{token}[/bold]")
    else:
        err.print(
            f"Workspace  {settings.demo_workspace} has a token already; make another with "
            f"`facturo token create {settings.demo_workspace}`."
        )
    for label, note in background.notes:
        err.print(f"{label:<10} {note}")
    err.print(f"Try        curl -H 'Authorization: Bearer <token>' {base}/utils/v1/ping")
    err.rule()
    try:
        uvicorn.run(
            create_app(runtime),
            host=settings.host,
            port=settings.port,
            log_config=None,
            proxy_headers=False,
        )
    finally:
        background.stop()
        runtime.close()
