"""``facturo aeat-sandbox``: run the sandbox alone; and :func:`start_in_thread` for ``serve``.

The sandbox listens on port 8401 by default, on loopback; ``--port 0`` takes a free port, and
the URLs printed at start name the port bound. Point the platform's VERI*FACTU endpoint at
``http://127.0.0.1:8401/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP``; invoice QR codes
can be checked at ``…/wlpl/TIKE-CONT/ValidarQR``.
With ``--state-file`` what it stored survives restarts (a JSON file of its own).

The census is the default seed (the AEAT example NIFs and the NIFs of the shared samples)
unless NIFs are given with ``--census`` (repeatable) or ``--census-file`` (one NIF per line,
``#`` starts a comment), which then replace it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

import typer
import uvicorn

from facturo.aeat_sandbox.app import SandboxApp
from facturo.aeat_sandbox.cotejo import PATH_QR
from facturo.aeat_sandbox.server import ThreadedServer, base_url, bind
from facturo.aeat_sandbox.service import PATH_REQUERIMIENTO, PATH_VERIFACTU
from facturo.aeat_sandbox.store import DEFAULT_PAGE_SIZE, DEFAULT_WAIT_SECONDS, Store
from facturo.verifactu import nif as nif_rules

DEFAULT_PORT: Final = 8401

app = typer.Typer(
    help="Run the AEAT VERI*FACTU sandbox (SOAP at AEAT's paths, admin API under /admin/).",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
)


def read_census_file(path: Path) -> list[str]:
    """NIFs of a census file: one per line, blank lines and ``#`` comments ignored."""
    nifs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        value = line.split("#", 1)[0].strip().upper()
        if not value:
            continue
        if not nif_rules.is_valid(value):
            raise ValueError(f"{path}:{number}: {value!r} is not a valid NIF")
        nifs.append(value)
    return nifs


def build_store(
    *,
    census: list[str] | None = None,
    wait_seconds: int = DEFAULT_WAIT_SECONDS,
    state_file: Path | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Store:
    """A store for a long-running sandbox; ``census=None`` keeps the default seed."""
    for value in census or ():
        if not nif_rules.is_valid(value):
            raise ValueError(f"{value!r} is not a valid NIF")
    if state_file is not None:
        state_file.parent.mkdir(parents=True, exist_ok=True)
    return Store(
        census=census or None,
        wait_seconds=wait_seconds,
        page_size=page_size,
        path=state_file,
    )


def start_in_thread(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    state_file: Path | None = None,
    *,
    census: list[str] | None = None,
    wait_seconds: int = DEFAULT_WAIT_SECONDS,
) -> ThreadedServer:
    """Serve a sandbox in a daemon thread; the result has ``.url``, ``.endpoint``, ``.stop()``.

    For ``facturo serve``, which runs the sandbox beside the platform. Port 0 picks a free one.
    """
    store = build_store(census=census, wait_seconds=wait_seconds, state_file=state_file)
    return ThreadedServer(SandboxApp(store), host, port).start()


@app.callback(invoke_without_command=True)
def run(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    census: Annotated[
        list[str] | None, typer.Option("--census", help="A registered NIF (repeatable).")
    ] = None,
    census_file: Annotated[
        Path | None, typer.Option(help="File of registered NIFs, one per line.", exists=True)
    ] = None,
    wait: Annotated[
        int, typer.Option(help="TiempoEsperaEnvio answered, in seconds.", min=0, max=9999)
    ] = DEFAULT_WAIT_SECONDS,
    state_file: Annotated[
        Path | None, typer.Option(help="JSON file that keeps the state across restarts.")
    ] = None,
    page_size: Annotated[
        int, typer.Option(help="Records per query page.", min=1, max=DEFAULT_PAGE_SIZE)
    ] = DEFAULT_PAGE_SIZE,
) -> None:
    """Serve the sandbox until interrupted."""
    nifs = [n.strip().upper() for n in census or ()]
    try:
        if census_file is not None:
            nifs.extend(read_census_file(census_file))
        store = build_store(
            census=nifs or None, wait_seconds=wait, state_file=state_file, page_size=page_size
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise typer.BadParameter(f"cannot listen on {host}:{port}: {exc}") from exc
    base = base_url(host, sock.getsockname()[1])
    typer.echo(f"VERI*FACTU SOAP:  {base}{PATH_VERIFACTU}", err=True)
    typer.echo(f"Requerimiento:    {base}{PATH_REQUERIMIENTO}", err=True)
    typer.echo(f"QR cotejo:        {base}{PATH_QR}", err=True)
    typer.echo(f"Admin API:        {base}/admin/", err=True)
    server = uvicorn.Server(uvicorn.Config(SandboxApp(store), lifespan="off", access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


__all__ = ["DEFAULT_PORT", "app", "build_store", "read_census_file", "start_in_thread"]
