"""The AEAT error list ships with the package and answers lookups."""

from __future__ import annotations

import pytest

from facturo.verifactu import codes


def test_the_whole_list_is_loaded() -> None:
    table = codes.table()
    assert len(table) == 247
    assert {e.section for e in table.values()} == set(codes.Section)


@pytest.mark.parametrize(
    ("code", "section", "stored", "needs_correction"),
    [
        (4102, codes.Section.RECHAZO_ENVIO, False, True),
        (1189, codes.Section.RECHAZO_REGISTRO, False, True),
        (2000, codes.Section.ACEPTADO_CON_ERRORES, True, True),
        (2004, codes.Section.ACEPTADO_CON_ERRORES, True, False),
        (2009, codes.Section.ACEPTADO_CON_ERRORES, True, False),
    ],
)
def test_lookup(code: int, section: codes.Section, stored: bool, needs_correction: bool) -> None:
    entry = codes.lookup(code)
    assert entry is not None
    assert entry.section is section
    assert entry.stored is stored
    assert entry.needs_correction is needs_correction
    assert codes.lookup(str(code)) == entry


def test_messages() -> None:
    assert codes.message(3000) == "Registro de facturación duplicado."
    assert "9999" in codes.message(9999)
    assert codes.lookup("abc") is None
    assert codes.lookup(9999) is None
