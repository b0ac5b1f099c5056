"""The pure rules, table by table: the subsanación / anulación state matrix [spec §8]."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType
from typing import Any

import pytest

from facturo.aeat_sandbox import validations
from facturo.aeat_sandbox.store import ChainLink, Estado, StoredRecord
from facturo.verifactu import records as r
from facturo.verifactu.requests import RegistroRecibido

from .conftest import ISSUER, NOW, alta, anulacion

RECORD = alta("FC2025/0001")


def stored(estado: Estado) -> StoredRecord:
    return StoredRecord(
        nif=ISSUER,
        num_serie="FC2025/0001",
        fecha="10-03-2025",
        estado=estado,
        huella="F" * 64,
        id_peticion="20250320090000000001",
        csv="ABCDEFGHIJKLMNOP",
        nif_presentador=ISSUER,
        presented_at="2025-03-20T10:00:00+01:00",
        modified_at="2025-03-20T10:00:00+01:00",
        ejercicio=2025,
        periodo=3,
    )


def received(record: r.Registro) -> RegistroRecibido:
    kind = "alta" if isinstance(record, r.RegistroAlta) else "anulacion"
    return RegistroRecibido(kind, MappingProxyType({}), record.huella, record)


def context(existing: StoredRecord | None, **overrides: Any) -> validations.Context:
    fields: dict[str, Any] = {
        "obligado_nif": ISSUER,
        "now": NOW,
        "incidencia": False,
        "existing": existing,
        "head": None,
    }
    fields.update(overrides)
    return validations.Context(**fields)


ALTA = {"subsanacion": False, "rechazo_previo": None}
ALTA_X = {"subsanacion": True, "rechazo_previo": "X"}
SUBSANACION = {"subsanacion": True, "rechazo_previo": None}
SUBSANACION_S = {"subsanacion": True, "rechazo_previo": "S"}


@pytest.mark.parametrize(
    ("flags", "state", "code"),
    [
        (ALTA, None, None),
        (ALTA, "Correcto", 3000),
        (ALTA, "Anulado", 3000),
        (ALTA_X, None, None),
        (ALTA_X, "AceptadoConErrores", 3000),
        (SUBSANACION, None, 3002),
        (SUBSANACION, "Correcto", None),
        (SUBSANACION, "Anulado", None),
        (SUBSANACION_S, None, 3002),
        (SUBSANACION_S, "AceptadoConErrores", None),
    ],
)
def test_alta_state_matrix(flags: dict[str, Any], state: Estado | None, code: int | None) -> None:
    record = alta("FC2025/0001", **flags)
    existing = stored(state) if state is not None else None

    found = validations.check_state(received(record), record, context(existing))

    assert (found.code if found else None) == code
    if code == 3000:
        assert found is not None
        assert found.duplicate_of is existing


@pytest.mark.parametrize(
    ("flags", "state", "code"),
    [
        ({}, None, 3002),
        ({}, "Correcto", None),
        ({}, "Anulado", None),
        ({"rechazo_previo": True}, None, 3002),
        ({"rechazo_previo": True}, "Correcto", None),
        ({"sin_registro_previo": True}, None, None),
        ({"sin_registro_previo": True}, "Correcto", 3000),
        ({"sin_registro_previo": True, "rechazo_previo": True}, None, None),
    ],
)
def test_anulacion_state_matrix(
    flags: dict[str, Any], state: Estado | None, code: int | None
) -> None:
    record = anulacion(RECORD, RECORD, **flags)
    existing = stored(state) if state is not None else None

    found = validations.check_state(received(record), record, context(existing))

    assert (found.code if found else None) == code


def test_duplicate_state_uses_the_feminine_forms() -> None:
    assert [validations.duplicate_state(stored(e)) for e in ("Correcto", "Anulado")] == [
        "Correcta",
        "Anulada",
    ]


def test_chain_link_must_name_the_head_only_when_strict() -> None:
    second = alta("FC2025/0002", RECORD)
    head = ChainLink(ISSUER, "FC2025/0009", "10-03-2025", "A" * 64, "alta")

    strict = validations.check_chain_link(
        received(second), second, context(None, head=head, strict_chain=True)
    )
    relaxed = validations.check_chain_link(received(second), second, context(None, head=head))

    assert strict is not None
    assert strict.code == 1180
    assert strict.blocking
    assert relaxed is None


def test_admissible_findings_are_not_blocking() -> None:
    first = validations.check_primer_registro(
        received(RECORD),
        RECORD,
        context(None, head=ChainLink(ISSUER, "X", "01-03-2025", "A" * 64, "alta")),
    )

    assert first is not None
    assert first.code == 2007
    assert not first.blocking


def test_generation_time_ahead_by_less_than_the_margin_is_fine() -> None:
    record = alta("FC2025/0001", fecha_hora_huso_gen_registro=NOW + timedelta(seconds=100))
    ctx = context(None, now=NOW)

    wide = validations.check_clock(received(record), record, ctx)
    narrow = validations.check_clock(
        received(record), record, context(None, now=NOW, clock_margin=timedelta(seconds=60))
    )

    assert wide is None
    assert narrow is not None
    assert narrow.code == 2004
