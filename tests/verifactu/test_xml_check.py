"""The check of every outgoing message: the tree-less pass gives the tree check's answer.

:func:`xml._check_own` first validates in a parser that builds no tree and only falls back to
the tree check (:func:`xml._check_own_tree`) when that pass logs anything. These tests feed
both the messages built from the GOBL examples and the AEAT samples, and thousands of broken
variants of them (an element dropped, doubled, moved or renamed, a value replaced, the text
cut short), and require the same outcome from both: accepted by both, or the same exception
with the same faults (codes, messages, paths).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from facturo.verifactu import xml
from facturo.verifactu.errors import RecordInvalid, SchemaInvalid
from facturo.verifactu.from_gobl import alta_from_gobl
from facturo.verifactu.messages import Cabecera, Persona
from facturo.verifactu.xml_records import REG_FACTU_OPEN, reg_factu_content

from .conftest import CET, DATA, SAMPLE_SIF, gobl_examples

SCHEMA = "SuministroLR.xsd"
NOW = datetime(2025, 1, 2, 10, 0, 0, tzinfo=CET)


def _gobl_payloads() -> list[bytes]:
    """The checked payload of every GOBL example that maps, alone and as a chain of two."""
    payloads = []
    for path in gobl_examples():
        envelope = json.loads(path.read_text(encoding="utf-8"))
        try:
            first = alta_from_gobl(envelope, sistema=SAMPLE_SIF, previous=None, now=NOW)
        except RecordInvalid:
            continue
        second = alta_from_gobl(envelope, sistema=SAMPLE_SIF, previous=first.as_anterior(), now=NOW)
        cab = Cabecera(Persona(first.nombre_razon_emisor, first.id_factura.id_emisor_factura))
        for records in ([first], [first, second]):
            payloads.append((REG_FACTU_OPEN + reg_factu_content(cab, records)).encode())
    return payloads


def _sample_payloads() -> list[bytes]:
    """The RegFactuSistemaFacturacion of each AEAT sample request, without its envelope."""
    payloads = []
    for path in sorted((DATA / "samples").glob("*.xml")):
        payload = xml.validate(path.read_bytes())
        if xml.SCHEMA_FOR_ROOT.get(payload.tag) == SCHEMA:
            payloads.append(etree.tostring(payload))
    return payloads


PAYLOADS = _gobl_payloads() + _sample_payloads()
#: A leaf element with its text, in our prefixes or any other.
LEAF = re.compile(rb"<([\w.]+:)?(\w+)>([^<]*)</\1?\2>")
ELEMENT_OPEN = re.compile(rb"<([\w.]+:)?(\w+)>")
VALUES = [
    b"",
    b" ",
    b"S",
    b"N",
    b"X",
    b"F1",
    b"F9",
    b"R1",
    b"01",
    b"99",
    b"S1",
    b"E9",
    b"0",
    b"-0.00",
    b"1.234",
    b"123.45",
    b"1e3",
    b"9999999999999.00",
    b"21",
    b"210",
    b"abc",
    b"B12345674",
    b"B1234567",
    b"2025-01-02",
    b"02-01-2025",
    b"2025-01-02T10:00:00+01:00",
    b"&amp;&lt;",
    b"\xc3\xb1" * 130,
    b"A" * 61,
    b"<x/>",
    b"&undefined;",
]


def outcome(check: Any, payload: bytes) -> tuple[Any, ...]:
    """What a check does with ``payload``: nothing, or which exception with which faults."""
    try:
        check(payload, SCHEMA)
    except SchemaInvalid as exc:
        return ("invalid", str(exc), [(f.code, f.message, f.paths) for f in exc.faults])
    except etree.LxmlError as exc:
        return (type(exc).__name__, str(exc))
    return ("valid",)


def assert_same(payload: bytes) -> tuple[Any, ...]:
    fast = outcome(xml._check_own, payload)
    assert fast == outcome(xml._check_own_tree, payload)
    return fast


@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_messages_we_write_pass_both_checks(index: int) -> None:
    assert assert_same(PAYLOADS[index]) == ("valid",)


def test_the_examples_give_messages_to_break() -> None:
    assert len(PAYLOADS) >= 8
    assert all(len(LEAF.findall(p)) > 20 for p in PAYLOADS)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(PAYLOADS) - 1),
    which=st.integers(0, 10_000),
    value=st.sampled_from(VALUES) | st.binary(max_size=8),
)
def test_a_replaced_value_gets_the_same_answer(index: int, which: int, value: bytes) -> None:
    payload = PAYLOADS[index]
    leaves = list(LEAF.finditer(payload))
    leaf = leaves[which % len(leaves)]
    start, end = leaf.span(3)
    assert_same(payload[:start] + value + payload[end:])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(PAYLOADS) - 1),
    which=st.integers(0, 10_000),
    other=st.integers(0, 10_000),
    how=st.sampled_from(["drop", "double", "move", "rename", "cut", "unclose"]),
)
def test_a_broken_structure_gets_the_same_answer(
    index: int, which: int, other: int, how: str
) -> None:
    payload = PAYLOADS[index]
    leaves = list(LEAF.finditer(payload))
    leaf = leaves[which % len(leaves)]
    text = leaf.group(0)
    head, tail = payload[: leaf.start()], payload[leaf.end() :]
    if how == "drop":
        broken = head + tail
    elif how == "double":
        broken = head + text + text + tail
    elif how == "move":
        target = leaves[other % len(leaves)]
        rest = head + tail
        at = target.start() if target.start() < leaf.start() else target.start() - len(text)
        broken = rest[:at] + text + rest[at:]
    elif how == "rename":
        opens = list(ELEMENT_OPEN.finditer(payload))
        tag = opens[which % len(opens)]
        start, end = tag.span(2)
        broken = payload[:start] + b"Unknown" + payload[end:]
    elif how == "cut":
        broken = payload[: which % len(payload)]
    else:
        close = text.rindex(b"</")
        broken = head + text[:close] + tail
    assert_same(broken)


def test_a_broken_message_is_refused_with_the_tree_checks_faults() -> None:
    payload = PAYLOADS[0].replace(b"<sum1:TipoFactura>F1<", b"<sum1:TipoFactura>F9<", 1)
    result = assert_same(payload)
    assert result[0] == "invalid"
    assert result[2][0][0] == "4102"
    assert "F9" in result[2][0][1]
    assert result[2][0][2] != ("$",)  # a path to the element, which only a tree can give


def test_a_message_that_is_not_xml_raises_the_parsers_error() -> None:
    result = assert_same(PAYLOADS[0][:-5])
    assert result[0] == "XMLSyntaxError"


def test_a_missing_element_is_refused() -> None:
    broken = PAYLOADS[0].replace(b"<sum1:IDVersion>1.0</sum1:IDVersion>", b"", 1)
    with pytest.raises(SchemaInvalid) as exc:
        xml._check_own(broken, SCHEMA)
    assert {f.code for f in exc.value.faults} == {"4102"}


def test_messages_we_write_are_accepted_without_a_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """A valid message leaves the streaming pass's log empty: no tree is built for it."""

    def no_tree_check(payload: bytes, name: str) -> None:
        raise AssertionError("the tree check ran for a valid message")

    monkeypatch.setattr(xml, "_check_own_tree", no_tree_check)
    for payload in PAYLOADS:
        xml._check_own(payload, SCHEMA)
