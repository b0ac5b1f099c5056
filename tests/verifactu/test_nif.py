"""NIF control characters agree with python-stdnum on valid and mutated numbers."""

from __future__ import annotations

import pytest
from stdnum.es import nif as stdnum_nif

from facturo.verifactu import nif

KNOWN = [
    "89890001K",
    "89890002E",
    "B87654323",
    "B12345674",
    "12345678Z",
    "B98602642",
    "54387763P",
    "A28083806",
    "X1234567L",
    "Y1234567X",
    "Z1234567R",
    "K1234567L",
    "Q2826000H",
    "P2807900B",
    "N0032484H",
    "W0184081H",
]


@pytest.mark.parametrize("number", KNOWN)
def test_known_numbers_agree(number: str) -> None:
    assert nif.is_valid(number) is stdnum_nif.is_valid(number)


@pytest.mark.parametrize("number", KNOWN)
def test_every_wrong_control_character_agrees(number: str) -> None:
    for last in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        candidate = number[:-1] + last
        assert nif.is_valid(candidate) is stdnum_nif.is_valid(candidate), candidate


@pytest.mark.parametrize("number", ["", "1234567Z", "I1234567A", "12345678z", "B8765432٣"])
def test_malformed(number: str) -> None:
    assert not nif.is_valid(number)
