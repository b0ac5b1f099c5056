"""The text checks every record part shares answer as the control-character expression does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from facturo.verifactu import records as r
from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.record_checks import CONTROL_RE, Faults, has_control, is_plain_text

#: Printable ASCII, the characters the expression looks for, and others around them.
texts = st.text(
    st.sampled_from(["a", "Z", " ", "~", "\x7f", "\x80", "\xa0", "ñ", "\u2028", "\ufeff"])
    | st.sampled_from(["\t", "\n", "\r", "\x00", "\x08", "\x0b", "\x1f", "\ufffe", "\uffff"])
    | st.characters(),
    max_size=12,
)


@given(texts)
def test_has_control_is_the_expression(value: str) -> None:
    assert has_control(value) == (CONTROL_RE.search(value) is not None)


@given(texts, st.integers(0, 12))
def test_is_plain_text_is_what_check_text_accepts(value: str, max_len: int) -> None:
    faults = Faults()
    faults.check_text(value, "$.X", max_len=max_len)
    assert is_plain_text(value, max_len) == (not faults.items)
    reference = (
        0 < len(value) <= max_len and value == value.strip() and CONTROL_RE.search(value) is None
    )
    assert is_plain_text(value, max_len) == reference


@given(texts)
def test_a_recipient_with_a_nif_is_the_checked_one(name: str) -> None:
    def outcome(build: object) -> object:
        try:
            party = build()  # type: ignore[operator]
        except RecordInvalid as exc:
            return [(f.code, f.message, f.paths) for f in exc.faults]
        return party, repr(party)

    assert outcome(lambda: r.PersonaFisicaJuridica.with_nif(name, "12345678Z")) == outcome(
        lambda: r.PersonaFisicaJuridica(name, nif="12345678Z")
    )
