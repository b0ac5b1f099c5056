"""The client's exception tree: what each failure tells the caller about the AEAT's state."""

from __future__ import annotations

import pytest

import facturo.verifactu.client as client
from facturo.errors import Invalid, Unavailable
from facturo.verifactu.client import errors
from facturo.verifactu.errors import AeatClientFault, AeatServerFault, VerifactuError


@pytest.mark.parametrize(
    ("error", "branch"),
    [
        (errors.ConnectFailed, errors.NotSent),
        (errors.ConnectTimeout, errors.NotSent),
        (errors.PoolTimeout, errors.NotSent),
        (errors.HttpRefused, errors.NotSent),
        (errors.Throttled, errors.NotSent),
        (errors.MessageRefused, errors.NotSent),
        (errors.ReadTimeout, errors.OutcomeUnknown),
        (errors.WriteFailed, errors.OutcomeUnknown),
        (errors.ConnectionLost, errors.OutcomeUnknown),
        (errors.BrokenReply, errors.OutcomeUnknown),
        (errors.ServerError, errors.OutcomeUnknown),
    ],
)
def test_every_transport_failure_says_whether_the_aeat_may_hold_the_records(
    error: type[Exception], branch: type[Exception]
) -> None:
    other = errors.OutcomeUnknown if branch is errors.NotSent else errors.NotSent
    assert issubclass(error, branch)
    assert not issubclass(error, other)
    assert issubclass(error, Unavailable)
    assert issubclass(error, VerifactuError)


@pytest.mark.parametrize(
    "error",
    [
        errors.CertificateUnreadable,
        errors.CertificatePasswordWrong,
        errors.CertificateKeyMissing,
        errors.CertificateKeyMismatch,
        errors.CertificateExpired,
    ],
)
def test_certificate_problems_are_invalid_configuration(error: type[Exception]) -> None:
    assert issubclass(error, errors.CertificateError)
    assert issubclass(error, Invalid)
    assert not issubclass(error, errors.TransportError)


def test_a_soap_fault_keeps_its_code_and_says_whether_to_resend() -> None:
    server = errors.MessageRefused(AeatServerFault("env:Server", "Error interno", None))
    client_fault = errors.MessageRefused(
        AeatClientFault("env:Client", "Codigo[4102].Error de esquema", 4102)
    )
    assert server.retry_same
    assert not client_fault.retry_same
    assert [f.code for f in client_fault.faults] == ["4102"]


def test_the_package_exports_exactly_its_public_names() -> None:
    assert client.__all__ == sorted(client.__all__)
    for name in client.__all__:
        assert getattr(client, name) is not None
    public = {n for n in vars(client) if not n.startswith("_")}
    modules = {"certificates", "errors", "flow", "outcomes", "reconcile", "sender", "transport"}
    assert public - modules == set(client.__all__)
