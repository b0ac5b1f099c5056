"""TiempoEsperaEnvio: an early send is refused whole unless it carries 1000 records."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from facturo.aeat_sandbox.testing import ManualClock, SandboxHandle, running_sandbox
from facturo.verifactu import records as r
from facturo.verifactu.replies import EstadoEnvio, RespuestaRegFactu, SoapFault

from .conftest import ISSUER, OTHER_ISSUER, alta, reg_factu, send


@pytest.fixture
def strict(clock: ManualClock) -> Iterator[SandboxHandle]:
    with running_sandbox(wait_seconds=60, clock=clock) as handle:
        yield handle


def test_reply_carries_the_configured_wait(strict: SandboxHandle) -> None:
    reply = send(strict.endpoint, reg_factu(alta("FC2025/0001"))).reply

    assert isinstance(reply, RespuestaRegFactu)
    assert reply.tiempo_espera_envio == 60


def test_early_send_is_refused_and_the_same_send_after_the_wait_is_accepted(
    strict: SandboxHandle, clock: ManualClock
) -> None:
    first = alta("FC2025/0001")
    second = alta("FC2025/0002", first)
    send(strict.endpoint, reg_factu(first))
    clock.advance(59)

    early = send(strict.endpoint, reg_factu(second))

    assert isinstance(early.reply, SoapFault)
    assert not early.reply.is_client  # env:Server: send the same message again, later
    assert early.response.headers["retry-after"] == "1"
    assert [s["num_serie"] for s in strict.records(ISSUER)] == ["FC2025/0001"]

    clock.advance(1)
    honoured = send(strict.endpoint, reg_factu(second)).reply

    assert isinstance(honoured, RespuestaRegFactu)
    assert honoured.estado_envio is EstadoEnvio.CORRECTO
    assert len(strict.submissions(ISSUER)) == 2


def test_a_full_batch_of_1000_records_need_not_wait(strict: SandboxHandle) -> None:
    first = alta("FC2025/0000")
    send(strict.endpoint, reg_factu(first))
    batch: list[r.Registro] = []
    previous: r.Registro = first
    for n in range(1, 1001):
        previous = alta(f"FC2025/{n:04d}", previous)
        batch.append(previous)

    reply = send(strict.endpoint, reg_factu(*batch)).reply

    assert isinstance(reply, RespuestaRegFactu)
    assert reply.estado_envio is EstadoEnvio.CORRECTO
    assert len(reply.lineas) == 1000


def test_one_issuer_waiting_does_not_block_another(strict: SandboxHandle) -> None:
    strict.add_census(OTHER_ISSUER)
    send(strict.endpoint, reg_factu(alta("FC2025/0001")))

    reply = send(
        strict.endpoint, reg_factu(alta("X-1", issuer=OTHER_ISSUER), issuer=OTHER_ISSUER)
    ).reply

    assert isinstance(reply, RespuestaRegFactu)
    assert reply.estado_envio is EstadoEnvio.CORRECTO


def test_new_wait_applies_from_the_next_reply(strict: SandboxHandle, clock: ManualClock) -> None:
    strict.set_wait(5)
    first = alta("FC2025/0001")
    reply = send(strict.endpoint, reg_factu(first)).reply
    assert isinstance(reply, RespuestaRegFactu)
    assert reply.tiempo_espera_envio == 5
    clock.advance(5)

    later = send(strict.endpoint, reg_factu(alta("FC2025/0002", first))).reply

    assert isinstance(later, RespuestaRegFactu)
