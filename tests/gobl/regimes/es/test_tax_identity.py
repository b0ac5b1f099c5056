"""Cases from gobl regimes/es/tax_identity_test.go and the K/L/M parity note in STYLE.md."""

import pytest
from stdnum.es import nif

from facturo.gobl.regimes.es.tax_identity import is_valid_code, normalize_code


@pytest.mark.parametrize(
    "code",
    ["B98602642", "54387763P", "A58818501", "X5102754C", "Q2238877A", "V7565938C", "V75659383"],
)
def test_valid(code: str) -> None:
    assert is_valid_code(code)


@pytest.mark.parametrize(
    "code", ["93471790A", "00000000A", "X5102755C", "A5881850B", "B0111111", "", "ZZ"]
)
def test_invalid(code: str) -> None:
    assert not is_valid_code(code)


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("B-986.026.42", "B98602642"),
        ("3157928M", "03157928M"),
        ("15S", "00000015S"),
        ("es b98602642", "B98602642"),
    ],
)
def test_normalize(raw: str, norm: str) -> None:
    assert normalize_code(raw) == norm


@pytest.mark.parametrize(
    ("code", "gobl", "stdnum"),
    [("L1111111G", False, True), ("L1111111I", True, False), ("L11111119", True, False)],
)
def test_klm_codes_follow_gobl_not_stdnum(code: str, gobl: bool, stdnum: bool) -> None:
    assert is_valid_code(code) is gobl
    assert nif.is_valid(code) is stdnum
