"""State: persisted across restarts, serialised between concurrent sends, started from the CLI."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from facturo.aeat_sandbox.cli import app, read_census_file, start_in_thread
from facturo.aeat_sandbox.testing import ManualClock, SandboxHandle, running_sandbox
from facturo.verifactu.replies import EstadoRegistro, RespuestaRegFactu

from .conftest import ISSUER, OTHER_ISSUER, alta, reg_factu, send


def test_state_file_keeps_records_census_and_wait_across_restarts(
    tmp_path: Path, clock: ManualClock
) -> None:
    state = tmp_path / "aeat.json"
    record = alta("FC2025/0001")
    with running_sandbox(wait_seconds=0, clock=clock, state_file=state) as first:
        send(first.endpoint, reg_factu(record))
        first.add_census(OTHER_ISSUER)
        first.set_wait(7)

    with running_sandbox(clock=clock, state_file=state) as second:
        assert [s["huella"] for s in second.records(ISSUER)] == [record.huella]
        assert OTHER_ISSUER in second.census()
        clock.advance(7)
        reply = send(second.endpoint, reg_factu(record)).reply

    assert isinstance(reply, RespuestaRegFactu)
    assert reply.tiempo_espera_envio == 7
    assert reply.lineas[0].codigo_error == 3000


def test_concurrent_sends_of_one_record_store_it_once(aeat: SandboxHandle) -> None:
    body = reg_factu(alta("FC2025/0001"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda _: send(aeat.endpoint, body).reply, range(4)))

    states = sorted(r.lineas[0].estado.value for r in replies if isinstance(r, RespuestaRegFactu))
    assert states == [EstadoRegistro.CORRECTO.value] + [EstadoRegistro.INCORRECTO.value] * 3
    assert len(aeat.records(ISSUER)) == 1


def test_start_in_thread_serves_until_stopped(tmp_path: Path) -> None:
    server = start_in_thread("127.0.0.1", 0, tmp_path / "state.json", census=[ISSUER])
    try:
        assert server.endpoint.startswith(server.url)
        assert httpx.get(server.url + "/admin/census").json() == {"census": [ISSUER]}
        reply = send(server.endpoint, reg_factu(alta("FC2025/0001"))).reply
        assert isinstance(reply, RespuestaRegFactu)
    finally:
        server.stop()
    assert (tmp_path / "state.json").exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/admin/health")


def test_census_file_skips_comments_and_refuses_bad_nifs(tmp_path: Path) -> None:
    good = tmp_path / "census.txt"
    good.write_text(f"# issuers\n{ISSUER}\n\n{OTHER_ISSUER}  # AEAT example\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("B87654324\n", encoding="utf-8")

    assert read_census_file(good) == [ISSUER, OTHER_ISSUER]
    with pytest.raises(ValueError, match=r"bad\.txt:1"):
        read_census_file(bad)


def test_cli_refuses_an_invalid_census_nif_before_serving() -> None:
    result = CliRunner().invoke(app, ["--census", "B87654324", "--port", "0"])

    assert result.exit_code == 2
    assert "B87654324" in result.output
