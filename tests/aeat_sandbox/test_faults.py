"""Injected faults: each kind fails the call the documented way, and commits only if it says so."""

from __future__ import annotations

import httpx
import pytest

from facturo.aeat_sandbox.testing import SandboxHandle
from facturo.verifactu.replies import (
    EstadoConsulta,
    RespuestaConsulta,
    RespuestaRegFactu,
    SoapFault,
    parse_reply,
)

from .conftest import ISSUER, SOAP_HEADERS, alta, consulta, reg_factu, send


def post(aeat: SandboxHandle, body: bytes, timeout: float = 30) -> httpx.Response:
    return httpx.post(aeat.endpoint, content=body, headers=SOAP_HEADERS, timeout=timeout)


def test_latency_answers_normally_and_is_used_once(aeat: SandboxHandle) -> None:
    aeat.inject("latency", seconds=0.2)

    reply = send(aeat.endpoint, reg_factu(alta("FC2025/0001"))).reply

    assert isinstance(reply, RespuestaRegFactu)
    assert aeat.pending_faults() == []


def test_http_error_stores_nothing(aeat: SandboxHandle) -> None:
    aeat.inject("http_error", status=502, count=2)

    first = post(aeat, reg_factu(alta("FC2025/0001")))

    assert first.status_code == 502
    assert aeat.records(ISSUER) == []
    assert aeat.submissions() == []
    assert aeat.pending_faults()[0]["count"] == 1


def test_soap_fault_is_a_server_fault_and_stores_nothing(aeat: SandboxHandle) -> None:
    aeat.inject("soap_fault")

    reply = send(aeat.endpoint, reg_factu(alta("FC2025/0001"))).reply

    assert isinstance(reply, SoapFault)
    assert not reply.is_client
    assert aeat.records(ISSUER) == []
    again = send(aeat.endpoint, reg_factu(alta("FC2025/0001"))).reply
    assert isinstance(again, RespuestaRegFactu)


def test_timeout_without_commit_stores_nothing(aeat: SandboxHandle) -> None:
    aeat.inject("timeout", seconds=30)

    with pytest.raises(httpx.ReadTimeout):
        post(aeat, reg_factu(alta("FC2025/0001")), timeout=0.5)

    assert aeat.records(ISSUER) == []


def test_timeout_with_commit_stores_and_the_query_recovers_it(aeat: SandboxHandle) -> None:
    record = alta("FC2025/0001")
    aeat.inject("timeout", seconds=30, commit=True, operation="RegFactu")

    with pytest.raises(httpx.ReadTimeout):
        post(aeat, reg_factu(record), timeout=0.5)

    recovered = send(aeat.endpoint, consulta()).reply
    assert isinstance(recovered, RespuestaConsulta)
    (found,) = recovered.registros
    assert found.huella == record.huella
    assert found.estado is EstadoConsulta.CORRECTO
    assert len(aeat.submissions(ISSUER)) == 1


@pytest.mark.parametrize("kind", ["drop", "truncate"])
def test_lost_reply_after_commit_is_recovered_without_a_second_submission(
    aeat: SandboxHandle, kind: str
) -> None:
    record = alta("FC2025/0001")
    aeat.inject(kind)

    with pytest.raises(httpx.RemoteProtocolError):
        post(aeat, reg_factu(record))

    recovered = send(aeat.endpoint, consulta()).reply
    assert isinstance(recovered, RespuestaConsulta)
    assert [i.huella for i in recovered.registros] == [record.huella]
    accepted = [
        line
        for s in aeat.submissions(ISSUER)
        for line in s["lines"]
        if line["estado"] != "Incorrecto"
    ]
    assert [line["huella"] for line in accepted] == [record.huella]


def test_fault_for_one_operation_leaves_the_other_alone(aeat: SandboxHandle) -> None:
    aeat.inject("soap_fault", operation="RegFactu")

    queried = send(aeat.endpoint, consulta()).reply
    submitted = send(aeat.endpoint, reg_factu(alta("FC2025/0001"))).reply

    assert isinstance(queried, RespuestaConsulta)
    assert isinstance(submitted, SoapFault)


def test_faults_queue_in_order_and_clear(aeat: SandboxHandle) -> None:
    aeat.inject("http_error")
    aeat.inject("soap_fault")

    assert [f["kind"] for f in aeat.pending_faults()] == ["http_error", "soap_fault"]
    assert post(aeat, consulta()).status_code == 503
    assert isinstance(parse_reply(post(aeat, consulta()).content), SoapFault)
    aeat.inject("drop")
    aeat.clear_faults()
    assert aeat.pending_faults() == []


def test_admin_refuses_unknown_fault_kinds_and_bad_nifs(aeat: SandboxHandle) -> None:
    with httpx.Client(base_url=aeat.url) as admin:
        assert admin.post("/admin/faults", json={"kind": "explode"}).status_code == 422
        assert admin.post("/admin/census", json={"nif": "B87654324"}).status_code == 422
        assert admin.put("/admin/wait", json={"seconds": -1}).status_code == 422
    assert aeat.pending_faults() == []
    assert "B87654324" not in aeat.census()


def test_reset_forgets_records_and_restores_the_census(aeat: SandboxHandle) -> None:
    send(aeat.endpoint, reg_factu(alta("FC2025/0001")))
    aeat.remove_census("89890001K")

    aeat.reset()

    assert aeat.records(ISSUER) == []
    assert aeat.submissions() == []
    assert "89890001K" in aeat.census()
