"""Round trips against the AEAT sandbox over real HTTP on loopback.

The sandbox runs on a :class:`ManualClock`; the sender's pacer sleeps by moving that same
clock, so flow control is honoured (the sandbox refuses early sends) without real waiting.
What the AEAT stored is asserted from the sandbox's own store (its admin API).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from facturo.aeat_sandbox.testing import ManualClock, SandboxHandle, running_sandbox
from facturo.verifactu import records as r
from facturo.verifactu.client.errors import MessageRefused
from facturo.verifactu.client.flow import Pacer
from facturo.verifactu.client.outcomes import SendReport, Source, Status
from facturo.verifactu.client.reconcile import Presence, reconcile
from facturo.verifactu.client.sender import BatchSender
from facturo.verifactu.client.transport import AeatTransport
from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.history import Attempt, TipoOperacion, alta_flags
from facturo.verifactu.messages import Cabecera
from facturo.verifactu.replies import EstadoConsulta, EstadoRegistro

ISSUER = "B87654323"


class SandboxTime:
    """The pacer's clock, tied to the sandbox's: sleeping moves the sandbox's time."""

    def __init__(self, manual: ManualClock) -> None:
        self.manual = manual
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.manual().timestamp()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.manual.advance(seconds)


@dataclass
class Aeat:
    sandbox: SandboxHandle
    time: SandboxTime
    transport: AeatTransport
    pacer: Pacer

    def sender(self, **options: Any) -> BatchSender:
        return BatchSender(self.transport, self.pacer, **options)

    def stored(self, nif: str = ISSUER) -> list[dict[str, Any]]:
        return self.sandbox.records(nif)

    def lines(self, nif: str = ISSUER) -> list[dict[str, Any]]:
        return [line for s in self.sandbox.submissions(nif) for line in s["lines"]]


@pytest.fixture
def aeat() -> Iterator[Aeat]:
    manual = ManualClock()
    time = SandboxTime(manual)
    with running_sandbox(clock=manual, wait_seconds=60, page_size=2) as sandbox:
        timeout = httpx.Timeout(connect=5.0, read=1.0, write=5.0, pool=5.0)
        with AeatTransport(sandbox.endpoint, timeout=timeout) as transport:
            yield Aeat(sandbox, time, transport, Pacer(time))


def statuses(report: SendReport) -> list[tuple[Status, Source]]:
    return [(o.status, o.source) for o in report.outcomes]


def test_records_are_accepted_with_their_csv(
    aeat: Aeat, cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> None:
    altas = chain_of(3)
    report = aeat.sender().send(cabecera, altas)
    assert statuses(report) == [(Status.CORRECTO, Source.REPLY)] * 3
    (submission,) = report.submissions
    assert submission.csv is not None
    assert submission.tiempo_espera_envio == 60
    assert {o.csv for o in report.outcomes} == {submission.csv}
    assert [s["huella"] for s in aeat.stored()] == [a.huella for a in altas]


def test_batches_wait_tiempo_espera_envio_and_the_sandbox_accepts_every_one(
    aeat: Aeat, cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> None:
    altas = chain_of(5)
    report = aeat.sender(batch_size=2).send(cabecera, altas)
    assert [s.records for s in report.submissions] == [2, 2, 1]
    assert aeat.time.sleeps == [60, 60]
    assert all(o.status is Status.CORRECTO for o in report.outcomes)
    assert [s["huella"] for s in aeat.stored()] == [a.huella for a in altas]


def test_the_sandbox_refuses_a_send_that_does_not_wait(
    aeat: Aeat, cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> None:
    first, second = chain_of(2)
    aeat.transport.submit(cabecera, [first])
    with pytest.raises(MessageRefused) as caught:
        aeat.transport.submit(cabecera, [second])  # no pacer: too early
    assert caught.value.retry_same
    # The pacer knows nothing of that send, yet waits for the reply it saw.
    with aeat.pacer.turn(ISSUER, pending=1) as turn:
        turn.replied(60)
    report = aeat.sender().send(cabecera, [second])
    assert statuses(report) == [(Status.CORRECTO, Source.REPLY)]
    assert aeat.time.sleeps == [60]


def test_a_rejected_record_is_then_fixed_by_subsanacion(
    aeat: Aeat,
    cabecera: Cabecera,
    chain_of: Callable[..., list[r.RegistroAlta]],
    make_alta: Callable[..., r.RegistroAlta],
) -> None:
    (first,) = chain_of(1)
    key = r.IDFactura(ISSUER, "FC2025/0002", date(2025, 3, 10))
    wrong_cuota = r.DetalleDesglose(
        Decimal("100.00"),
        clave_regimen="01",
        calificacion_operacion="S1",
        tipo_impositivo=Decimal("21"),
        cuota_repercutida=Decimal("50.00"),
    )
    bad = make_alta(
        id_factura=key,
        desglose=(wrong_cuota,),
        cuota_total=Decimal("50.00"),
        importe_total=Decimal("150.00"),
        registro_anterior=first.as_anterior(),
    )
    report = aeat.sender().send(cabecera, [first, bad])
    rejected = report.outcomes[1]
    assert (rejected.status, rejected.code) == (Status.INCORRECTO, 1142)
    assert rejected.description
    assert rejected.csv is None

    flags = alta_flags([Attempt(TipoOperacion.ALTA, EstadoRegistro.INCORRECTO, 1142)])
    fixed = make_alta(
        id_factura=key,
        subsanacion=flags.subsanacion,
        rechazo_previo=flags.rechazo_previo,
        registro_anterior=first.as_anterior(),  # the rejected record never became the head
    )
    report = aeat.sender().send(cabecera, [fixed])
    assert statuses(report) == [(Status.CORRECTO, Source.REPLY)]
    assert [s["huella"] for s in aeat.stored()] == [first.huella, fixed.huella]


def test_a_resent_record_the_aeat_holds_is_a_reconciled_duplicate(
    aeat: Aeat, cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> None:
    altas = chain_of(2)
    aeat.sender().send(cabecera, altas)
    report = aeat.sender().send(cabecera, altas)
    assert statuses(report) == [(Status.CORRECTO, Source.DUPLICATE)] * 2
    assert [o.aeat_state for o in report.outcomes] == [EstadoConsulta.CORRECTO] * 2
    assert [s["huella"] for s in aeat.stored()] == [a.huella for a in altas]


def test_another_record_with_a_taken_key_is_a_real_duplicate(
    aeat: Aeat,
    cabecera: Cabecera,
    chain_of: Callable[..., list[r.RegistroAlta]],
    make_alta: Callable[..., r.RegistroAlta],
) -> None:
    (alta,) = chain_of(1)
    aeat.sender().send(cabecera, [alta])
    impostor = make_alta(
        id_factura=alta.id_factura,
        descripcion_operacion="Otra cosa",
        registro_anterior=alta.as_anterior(),
    )
    report = aeat.sender().send(cabecera, [impostor])
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.code, outcome.source) == (
        Status.INCORRECTO,
        3000,
        Source.REPLY,
    )
    assert [s["huella"] for s in aeat.stored()] == [alta.huella]


def test_a_cancellation_is_stored_and_reported(
    aeat: Aeat,
    cabecera: Cabecera,
    chain_of: Callable[..., list[r.RegistroAlta]],
    sif: r.SistemaInformatico,
) -> None:
    (alta,) = chain_of(1)
    aeat.sender().send(cabecera, [alta])
    anulacion = r.RegistroAnulacion(
        id_factura=alta.id_factura,
        sistema_informatico=sif,
        fecha_hora_huso_gen_registro=alta.fecha_hora_huso_gen_registro,
        registro_anterior=alta.as_anterior(),
    )
    report = aeat.sender().send(cabecera, [anulacion])
    assert statuses(report) == [(Status.CORRECTO, Source.REPLY)]
    (stored,) = aeat.stored()
    assert (stored["estado"], stored["huella"]) == ("Anulado", anulacion.huella)
    (finding,) = reconcile(aeat.transport, cabecera.obligado_emision, [anulacion])
    assert finding.presence is Presence.SAME


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "drop"},
        {"kind": "truncate"},
        {"kind": "timeout", "seconds": 5, "commit": True},
    ],
    ids=["drop", "truncate", "timeout-after-commit"],
)
def test_a_lost_reply_is_recovered_by_query_without_sending_twice(
    aeat: Aeat,
    cabecera: Cabecera,
    chain_of: Callable[..., list[r.RegistroAlta]],
    fault: dict[str, Any],
) -> None:
    altas = chain_of(5)
    aeat.sandbox.inject(**fault, operation="RegFactu")
    report = aeat.sender(batch_size=3).send(cabecera, altas)
    assert (
        statuses(report)
        == [(Status.CORRECTO, Source.QUERY)] * 3 + [(Status.CORRECTO, Source.REPLY)] * 2
    )
    assert [s["huella"] for s in aeat.stored()] == [a.huella for a in altas]
    sent = [line["huella"] for line in aeat.lines()]
    assert sorted(sent) == sorted(a.huella for a in altas)  # each record sent exactly once


def test_a_message_lost_before_storing_is_sent_again(
    aeat: Aeat, cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> None:
    altas = chain_of(2)
    aeat.sandbox.inject("timeout", seconds=5, commit=False, operation="RegFactu")
    report = aeat.sender().send(cabecera, altas)
    assert statuses(report) == [(Status.CORRECTO, Source.REPLY)] * 2
    assert len(report.submissions) == 1
    assert report.submissions[0].incidencia
    assert [s["huella"] for s in aeat.stored()] == [a.huella for a in altas]


def test_when_the_aeat_stays_unreachable_records_are_not_sent_and_kept(
    aeat: Aeat, cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> None:
    altas = chain_of(3)
    aeat.sandbox.inject("soap_fault", count=5, operation="RegFactu")
    report = aeat.sender(batch_size=2).send(cabecera, altas)
    assert [o.status for o in report.outcomes] == [Status.NOT_SENT] * 3
    assert report.pending == report.outcomes
    assert aeat.stored() == []


def test_when_queries_fail_too_the_message_stays_unknown(
    aeat: Aeat, cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> None:
    altas = chain_of(3)
    aeat.sandbox.inject("drop", operation="RegFactu")
    aeat.sandbox.inject("http_error", count=3, operation="Consulta")
    report = aeat.sender(batch_size=2).send(cabecera, altas)
    assert [o.status for o in report.outcomes] == [
        Status.UNKNOWN,
        Status.UNKNOWN,
        Status.NOT_SENT,
    ]
    assert [s["huella"] for s in aeat.stored()] == [a.huella for a in altas[:2]]


def test_records_of_another_taxpayer_are_refused_before_sending(
    aeat: Aeat, cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> None:
    stranger = chain_of(1, nif="B12345674")
    with pytest.raises(RecordInvalid) as caught:
        aeat.sender().send(cabecera, [*chain_of(1), *stranger])
    assert [(f.code, f.paths) for f in caught.value.faults] == [("1108", ("$[1]",))]
    assert aeat.sandbox.submissions() == []


def test_a_refused_header_rejects_the_message_and_holds_the_rest(
    aeat: Aeat, cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> None:
    aeat.sandbox.remove_census(ISSUER)
    report = aeat.sender(batch_size=2).send(cabecera, chain_of(3))
    assert [(o.status, o.code) for o in report.outcomes] == [
        (Status.INCORRECTO, 4104),
        (Status.INCORRECTO, 4104),
        (Status.NOT_SENT, None),
    ]
    assert isinstance(report.outcomes[2].error, MessageRefused)


def test_a_duplicate_that_cannot_be_checked_stays_unknown(
    aeat: Aeat, cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> None:
    altas = chain_of(1)
    aeat.sender().send(cabecera, altas)
    aeat.sandbox.inject("http_error", count=3, operation="Consulta")
    (outcome,) = aeat.sender().send(cabecera, altas).outcomes
    assert (outcome.status, outcome.code) == (Status.UNKNOWN, 3000)
    assert outcome.status.stored is None


def test_a_fresh_process_told_to_wait_waits_and_sends_again(
    aeat: Aeat, cabecera: Cabecera, chain_of: Callable[..., list[r.RegistroAlta]]
) -> None:
    first, second = chain_of(2)
    aeat.sender().send(cabecera, [first])
    restarted = BatchSender(aeat.transport, Pacer(aeat.time))  # remembers no earlier send
    report = restarted.send(cabecera, [second])
    assert statuses(report) == [(Status.CORRECTO, Source.REPLY)]
    assert aeat.time.sleeps == [60]  # the Retry-After of the early-send fault
    assert [s["huella"] for s in aeat.stored()] == [first.huella, second.huella]
