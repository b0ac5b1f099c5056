"""RegFactuSistemaFacturacion round trips over real HTTP: what is stored and what is answered."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from facturo.aeat_sandbox.testing import ManualClock, SandboxHandle, running_sandbox
from facturo.verifactu import records as r
from facturo.verifactu.replies import (
    EstadoConsulta,
    EstadoEnvio,
    EstadoRegistro,
    EstadoRegistroDuplicado,
    RespuestaConsulta,
    RespuestaRegFactu,
    SoapFault,
)

from .conftest import CET, ISSUER, OTHER_ISSUER, alta, anulacion, consulta, reg_factu, send

DATA = Path(__file__).parent / "data"


def submit(aeat: SandboxHandle, body: bytes) -> RespuestaRegFactu:
    reply = send(aeat.endpoint, body).reply
    assert isinstance(reply, RespuestaRegFactu), reply
    return reply


def query(aeat: SandboxHandle, body: bytes) -> RespuestaConsulta:
    reply = send(aeat.endpoint, body).reply
    assert isinstance(reply, RespuestaConsulta), reply
    return reply


def test_chained_altas_are_accepted_with_a_csv(aeat: SandboxHandle) -> None:
    first = alta("FC2025/0001")
    second = alta("FC2025/0002", first)

    reply = submit(aeat, reg_factu(first, second))

    assert reply.estado_envio is EstadoEnvio.CORRECTO
    assert [line.estado for line in reply.lineas] == [EstadoRegistro.CORRECTO] * 2
    assert [line.id_factura for line in reply.lineas] == [first.id_factura, second.id_factura]
    assert reply.csv is not None
    assert len(reply.csv) == 16
    assert reply.csv.isalnum()
    assert reply.obligado_nif == ISSUER
    assert reply.nif_presentador == ISSUER
    assert reply.tiempo_espera_envio == 0
    stored = aeat.records(ISSUER)
    assert [(s["num_serie"], s["estado"], s["huella"]) for s in stored] == [
        ("FC2025/0001", "Correcto", first.huella),
        ("FC2025/0002", "Correcto", second.huella),
    ]
    assert aeat.chain(ISSUER)[-1]["huella"] == second.huella


def test_resent_record_is_a_duplicate_3000_naming_the_stored_request(aeat: SandboxHandle) -> None:
    record = alta("FC2025/0001")
    submit(aeat, reg_factu(record))
    first_request = aeat.submissions(ISSUER)[0]["id_peticion"]

    reply = submit(aeat, reg_factu(record))

    assert reply.estado_envio is EstadoEnvio.INCORRECTO
    assert reply.csv is None
    (line,) = reply.lineas
    assert line.estado is EstadoRegistro.INCORRECTO
    assert line.codigo_error == 3000
    assert line.registro_duplicado is not None
    assert line.registro_duplicado.id_peticion == first_request
    assert line.registro_duplicado.estado is EstadoRegistroDuplicado.CORRECTA
    assert len(aeat.records(ISSUER)) == 1


def test_issuer_not_in_the_census_is_refused_whole_with_4104(aeat: SandboxHandle) -> None:
    aeat.remove_census(ISSUER)

    reply = send(aeat.endpoint, reg_factu(alta("FC2025/0001"))).reply

    assert isinstance(reply, SoapFault)
    assert reply.code == 4104
    assert reply.is_client
    assert ISSUER in reply.faultstring
    assert aeat.records(ISSUER) == []
    assert aeat.submissions() == []


def test_issuer_added_to_the_census_is_accepted(aeat: SandboxHandle) -> None:
    aeat.add_census(OTHER_ISSUER)

    reply = submit(aeat, reg_factu(alta("A-1", issuer=OTHER_ISSUER), issuer=OTHER_ISSUER))

    assert reply.estado_envio is EstadoEnvio.CORRECTO


def test_issuer_nif_with_a_wrong_control_character_is_4115(aeat: SandboxHandle) -> None:
    reply = send(
        aeat.endpoint, reg_factu(alta("A-1", issuer="B87654324"), issuer="B87654324")
    ).reply

    assert isinstance(reply, SoapFault)
    assert reply.code == 4115


def test_record_not_chained_to_the_last_stored_one_is_rejected_1180(clock: ManualClock) -> None:
    with running_sandbox(wait_seconds=0, clock=clock, strict_chain=True) as aeat:
        _check_strict_chain(aeat)


def _check_strict_chain(aeat: SandboxHandle) -> None:
    first = alta("FC2025/0001")
    second = alta("FC2025/0002", first)
    submit(aeat, reg_factu(first, second))

    forked = alta("FC2025/0003", first)  # names the first record, not the head
    reply = submit(aeat, reg_factu(forked))

    (line,) = reply.lineas
    assert line.estado is EstadoRegistro.INCORRECTO
    assert line.codigo_error == 1180
    assert aeat.chain(ISSUER)[-1]["huella"] == second.huella


def test_primer_registro_after_stored_records_is_accepted_with_2007(aeat: SandboxHandle) -> None:
    submit(aeat, reg_factu(alta("FC2025/0001")))

    reply = submit(aeat, reg_factu(alta("FC2025/0002")))

    (line,) = reply.lineas
    assert line.estado is EstadoRegistro.ACEPTADO_CON_ERRORES
    assert line.codigo_error == 2007
    assert reply.estado_envio is EstadoEnvio.PARCIALMENTE_CORRECTO
    assert reply.csv is not None
    assert aeat.records(ISSUER)[-1]["estado"] == "AceptadoConErrores"


def test_wrong_huella_is_accepted_with_2000(aeat: SandboxHandle) -> None:
    record = alta("FC2025/0001")
    body = reg_factu(record).replace(record.huella.encode(), b"A" * 64)

    reply = submit(aeat, body)

    (line,) = reply.lineas
    assert line.estado is EstadoRegistro.ACEPTADO_CON_ERRORES
    assert line.codigo_error == 2000


def test_cuota_far_from_base_times_rate_is_rejected_1142(aeat: SandboxHandle) -> None:
    reply = submit(aeat, reg_factu(alta("FC2025/0001", cuota="40.00")))

    (line,) = reply.lineas
    assert line.estado is EstadoRegistro.INCORRECTO
    assert line.codigo_error == 1142
    assert aeat.records(ISSUER) == []


def test_cuota_within_ten_euros_of_base_times_rate_is_accepted(aeat: SandboxHandle) -> None:
    reply = submit(aeat, reg_factu(alta("FC2025/0001", cuota="30.00")))

    assert reply.lineas[0].estado is EstadoRegistro.CORRECTO


def test_importe_total_off_the_breakdown_is_accepted_with_2005(aeat: SandboxHandle) -> None:
    record = alta("FC2025/0001", importe_total=Decimal("150.00"))

    (line,) = submit(aeat, reg_factu(record)).lineas

    assert line.estado is EstadoRegistro.ACEPTADO_CON_ERRORES
    assert line.codigo_error == 2005


def test_issue_date_in_the_future_is_rejected_1112(aeat: SandboxHandle) -> None:
    record = alta("FC2025/0001", id_factura=r.IDFactura(ISSUER, "FC2025/0001", date(2025, 3, 21)))

    (line,) = submit(aeat, reg_factu(record)).lineas

    assert line.estado is EstadoRegistro.INCORRECTO
    assert line.codigo_error == 1112


def test_issue_date_before_the_orden_is_rejected_1152(aeat: SandboxHandle) -> None:
    record = alta("FC2024/0001", id_factura=r.IDFactura(ISSUER, "FC2024/0001", date(2024, 10, 1)))

    (line,) = submit(aeat, reg_factu(record)).lineas

    assert line.estado is EstadoRegistro.INCORRECTO
    assert line.codigo_error == 1152


def test_generation_time_ahead_of_the_aeat_clock_is_accepted_with_2004(
    aeat: SandboxHandle, clock: ManualClock
) -> None:
    ahead = clock() + timedelta(hours=1)
    record = alta("FC2025/0001", fecha_hora_huso_gen_registro=ahead.astimezone(CET))

    (line,) = submit(aeat, reg_factu(record)).lineas

    assert line.estado is EstadoRegistro.ACEPTADO_CON_ERRORES
    assert line.codigo_error == 2004


def test_incidencia_waives_the_2004_clock_check(aeat: SandboxHandle, clock: ManualClock) -> None:
    ahead = clock() + timedelta(hours=1)
    record = alta("FC2025/0001", fecha_hora_huso_gen_registro=ahead.astimezone(CET))

    (line,) = submit(aeat, reg_factu(record, incidencia=True)).lineas

    assert line.estado is EstadoRegistro.CORRECTO


def test_mixed_batch_is_partially_correct_and_stores_only_the_good(aeat: SandboxHandle) -> None:
    good = alta("FC2025/0001")
    bad = alta("FC2025/0002", good, cuota="40.00")

    reply = submit(aeat, reg_factu(good, bad))

    assert reply.estado_envio is EstadoEnvio.PARCIALMENTE_CORRECTO
    assert [line.estado for line in reply.lineas] == [
        EstadoRegistro.CORRECTO,
        EstadoRegistro.INCORRECTO,
    ]
    assert [s["num_serie"] for s in aeat.records(ISSUER)] == ["FC2025/0001"]


def test_cancellation_of_an_unknown_record_is_3002(aeat: SandboxHandle) -> None:
    unknown = r.IDFactura(ISSUER, "NO-EXISTE", date(2025, 3, 1))

    (line,) = submit(aeat, reg_factu(anulacion(unknown, None))).lineas

    assert line.tipo_operacion == "Anulacion"
    assert line.estado is EstadoRegistro.INCORRECTO
    assert line.codigo_error == 3002


def test_cancellation_is_accepted_and_the_query_shows_it_anulado(aeat: SandboxHandle) -> None:
    record = alta("FC2025/0001")
    submit(aeat, reg_factu(record))
    cancel = anulacion(record, record)

    (line,) = submit(aeat, reg_factu(cancel)).lineas

    assert line.estado is EstadoRegistro.CORRECTO
    assert line.tipo_operacion == "Anulacion"
    (found,) = query(aeat, consulta()).registros
    assert found.estado is EstadoConsulta.ANULADO
    assert found.huella == cancel.huella
    assert aeat.chain(ISSUER)[-1] == {
        "nif": ISSUER,
        "num_serie": "FC2025/0001",
        "fecha": "10-03-2025",
        "huella": cancel.huella,
        "kind": "anulacion",
    }


def test_resent_cancellation_is_a_duplicate_with_state_anulada(aeat: SandboxHandle) -> None:
    record = alta("FC2025/0001")
    cancel = anulacion(record, record)
    submit(aeat, reg_factu(record, cancel))

    (line,) = submit(aeat, reg_factu(cancel)).lineas

    assert line.codigo_error == 3000
    assert line.registro_duplicado is not None
    assert line.registro_duplicado.estado is EstadoRegistroDuplicado.ANULADA


def test_cancellation_without_previous_record_creates_it_cancelled(aeat: SandboxHandle) -> None:
    never_sent = r.IDFactura(ISSUER, "FC2025/0099", date(2025, 3, 5))

    (line,) = submit(aeat, reg_factu(anulacion(never_sent, None, sin_registro_previo=True))).lineas

    assert line.estado is EstadoRegistro.CORRECTO
    assert line.sin_registro_previo == "S"
    assert aeat.records(ISSUER)[0]["estado"] == "Anulado"


def test_rejected_alta_is_then_subsanada_with_rechazo_previo_x(aeat: SandboxHandle) -> None:
    rejected = alta("FC2025/0001", cuota="40.00")
    assert submit(aeat, reg_factu(rejected)).lineas[0].codigo_error == 1142

    fixed = alta("FC2025/0001", subsanacion=True, rechazo_previo="X")
    (line,) = submit(aeat, reg_factu(fixed)).lineas

    assert line.estado is EstadoRegistro.CORRECTO
    assert (line.subsanacion, line.rechazo_previo) == ("S", "X")
    assert [s["huella"] for s in aeat.records(ISSUER)] == [fixed.huella]


def test_subsanacion_replaces_the_stored_record(aeat: SandboxHandle) -> None:
    original = alta("FC2025/0001", importe_total=Decimal("150.00"))
    assert submit(aeat, reg_factu(original)).lineas[0].codigo_error == 2005
    corrected = alta(
        "FC2025/0001",
        original,
        subsanacion=True,
        fecha_hora_huso_gen_registro=datetime(2025, 3, 12, 9, 0, tzinfo=CET),
    )

    (line,) = submit(aeat, reg_factu(corrected)).lineas

    assert line.estado is EstadoRegistro.CORRECTO
    (found,) = query(aeat, consulta()).registros
    assert found.estado is EstadoConsulta.CORRECTO
    assert found.datos["ImporteTotal"] == "121.00"
    assert found.huella == corrected.huella
    assert found.huella_anterior == original.huella


def test_subsanacion_of_an_unknown_record_is_3002(aeat: SandboxHandle) -> None:
    (line,) = submit(aeat, reg_factu(alta("FC2025/0001", subsanacion=True))).lineas

    assert line.estado is EstadoRegistro.INCORRECTO
    assert line.codigo_error == 3002


def test_rechazo_previo_x_on_an_existing_record_is_3000(aeat: SandboxHandle) -> None:
    first = alta("FC2025/0001")
    submit(aeat, reg_factu(first))

    again = alta("FC2025/0001", first, subsanacion=True, rechazo_previo="X")
    (line,) = submit(aeat, reg_factu(again)).lineas

    assert line.codigo_error == 3000


def test_every_submission_is_listed_for_the_issuer(aeat: SandboxHandle) -> None:
    first = alta("FC2025/0001")
    submit(aeat, reg_factu(first))
    submit(aeat, reg_factu(first))

    submissions = aeat.submissions(ISSUER)

    assert [s["estado_envio"] for s in submissions] == ["Correcto", "Incorrecto"]
    assert [[line["codigo_error"] for line in s["lines"]] for s in submissions] == [[None], [3000]]
    assert aeat.submissions(OTHER_ISSUER) == []


def test_aeat_samples_are_accepted_in_order_and_queried(aeat: SandboxHandle) -> None:
    """Samples 01 and 02 of shared/data/verifactu (copied to data/) chain as one issuer's log."""
    first = submit(aeat, (DATA / "01-regfactu-alta-primer-registro.xml").read_bytes())
    batch = submit(aeat, (DATA / "02-regfactu-lote-alta-rectificativa-anulacion.xml").read_bytes())

    assert first.estado_envio is EstadoEnvio.CORRECTO
    assert batch.estado_envio is EstadoEnvio.CORRECTO
    assert [line.tipo_operacion for line in batch.lineas] == ["Alta", "Alta", "Anulacion"]
    page = query(aeat, (DATA / "05-consulta-emisor-paginada.xml").read_bytes())
    # sample 05 asks for the page after FP2025/0001
    assert [(i.id_factura.num_serie_factura, i.estado) for i in page.registros] == [
        ("T2025/0001", EstadoConsulta.ANULADO),
        ("FP2025/R001", EstadoConsulta.CORRECTO),
    ]


def test_recipient_nif_with_a_wrong_control_character_is_rejected_1193(
    aeat: SandboxHandle,
) -> None:
    record = alta("FC2025/0001", destinatarios=(r.PersonaFisicaJuridica("X", nif="12345678A"),))

    (line,) = submit(aeat, reg_factu(record)).lineas

    assert line.estado is EstadoRegistro.INCORRECTO
    assert line.codigo_error == 1193


def test_recipient_census_when_enabled_rejects_unregistered_recipients(
    clock: ManualClock,
) -> None:
    stranger = r.PersonaFisicaJuridica("CLIENTE NUEVO", nif="A39200019")
    with running_sandbox(wait_seconds=0, clock=clock, recipient_census=True) as aeat:
        refused = submit(aeat, reg_factu(alta("FC2025/0001", destinatarios=(stranger,))))
        aeat.add_census("A39200019")
        accepted = submit(aeat, reg_factu(alta("FC2025/0001", destinatarios=(stranger,))))

    assert refused.lineas[0].codigo_error == 1193
    assert accepted.lineas[0].estado is EstadoRegistro.CORRECTO
