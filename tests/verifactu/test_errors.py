"""The exception tree drawn in facturo.verifactu.errors holds."""

from __future__ import annotations

import pytest

from facturo import errors as kinds
from facturo.verifactu import errors


@pytest.mark.parametrize(
    ("cls", "kind"),
    [
        (errors.RecordInvalid, kinds.Invalid),
        (errors.SchemaInvalid, kinds.Invalid),
        (errors.UntrustedXmlError, kinds.BadRequest),
        (errors.UnexpectedReply, kinds.Invalid),
        (errors.AeatClientFault, kinds.Invalid),
        (errors.AeatServerFault, kinds.Unavailable),
        (errors.AeatRejected, kinds.Invalid),
        (errors.AeatClientFault, errors.AeatFault),
        (errors.AeatRejected, errors.AeatError),
    ],
)
def test_kinds(cls: type[Exception], kind: type[Exception]) -> None:
    assert issubclass(cls, kind)
    assert issubclass(cls, errors.VerifactuError)


def test_every_name_in_the_tree_is_exported() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        assert name in doc


def test_rejection_carries_its_code_as_a_fault() -> None:
    exc = errors.AeatRejected(1189, "Destinatarios")
    assert (exc.code, exc.faults[0].code) == (1189, "1189")
