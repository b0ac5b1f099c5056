"""Canonical JSON: gobl's c14n tests (c14n/*_test.go) row by row, plus the quirks of spec §3.1."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest

from facturo.errors import Invalid
from facturo.gobl.c14n import C14nError, canonical_json, canonical_json_text

# gobl c14n/c14n_test.go TestJSONToArray: nulls dropped, floats, an emoji, nested arrays.
ACTORS = """{
    "actors": [
        {
            "name": "Tom Cruise",
            "age": 56,
            "born_at": "Syracuse, NY",
            "birthdate": "July 3, 1962",
            "photo": "https://jsonformatter.org/img/tom-cruise.jpg",
            "wife": null,
            "weight": 67.5,
            "has_children": true,
            "has_grey_hair": false,
            "children": [
                "Suri",
                "Isabella Jane",
                "Connor"
            ],
            "icon": "\U0001f929"
        },
        {
            "name": "Robert Downey Jr.",
            "age": 53,
            "born_at": "New York City, NY",
            "birthdate": "April 4, 1965",
            "photo": "https://jsonformatter.org/img/Robert-Downey-Jr.jpg",
            "wife": {
                "name": "Susan Downey",
                "age": 35
            },
            "weight": 77.1,
            "has_children": true,
            "has_grey_hair": false,
            "children": [
                "Indio Falconer",
                "Avri Roel",
                "Exton Elias"
            ]
        }
    ]
}"""


def test_actors_text_digest_matches_gobl() -> None:
    digest = hashlib.sha256(canonical_json_text(ACTORS)).hexdigest()
    assert digest == "f35a55c7bba2df8438802603db442976a8238ceb0a610d1eea38cae1b9fd9013"


def test_actors_text_bytes_are_accepted_like_str() -> None:
    assert canonical_json_text(ACTORS.encode("utf-8")) == canonical_json_text(ACTORS)


def test_gobl_example_canonical_json() -> None:
    # gobl c14n/example_test.go ExampleCanonicalJSON
    text = '{ "foo":"bar", "c": 123.4, "a": 56, "b": 0.0, "y":null}'
    assert canonical_json_text(text) == b'{"a":56,"b":0.0E0,"c":1.234E2,"foo":"bar"}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # gobl c14n/c14n_test.go TestCanonicalJSON / TestUnmarshalJSON
        ('{"name":"test","age":25}', '{"age":25,"name":"test"}'),
        ('["test", 123, true]', '["test",123,true]'),
        ('"test"', '"test"'),
        ("42", "42"),
        ("42.5", "4.25E1"),
        ("true", "true"),
        ("null", "null"),
        (
            '{"users":[{"name":"John","age":30},{"name":"Jane","age":25}],"count":2}',
            '{"count":2,"users":[{"age":30,"name":"John"},{"age":25,"name":"Jane"}]}',
        ),
        ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("92233720368547758070", "9.223372036854776E19"),
        ("9223372036854775808", "9.223372036854776E18"),
    ],
)
def test_gobl_canonical_json_cases(text: str, expected: str) -> None:
    assert canonical_json_text(text) == expected.encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # gobl c14n/models_test.go TestFloatMarshalJSON, as number literals
        ("0.0", "0.0E0"),
        ("1.0", "1.0E0"),
        ("123.5", "1.235E2"),
        ("123456789123456.0", "1.23456789123456E14"),
        ("0.000001234567891234560", "1.23456789123456E-6"),
        ("0.0000000000000000001234567891234560", "1.23456789123456E-19"),
        ("1.234567891234560000e-110", "1.23456789123456E-110"),
        # spec §3.1: coordinates and the negative-number form Go writes
        ("40.4168", "4.04168E1"),
        ("0.5", "5.0E-1"),
        ("-3.7038", "-.03.7038E0"),
        ("-5.0", "-.05E0"),
        ("-0.0", "-.00E0"),
        ("-0.5", "-.05E-1"),
        ("1e2", "1.0E2"),
        ("1E+21", "1.0E21"),
        ("-1.5e-7", "-.01.5E-7"),
        ("1e-400", "0.0E0"),
    ],
)
def test_float_literals_use_gobl_e_form(value: str, expected: str) -> None:
    assert canonical_json_text(f"[{value}]") == f"[{expected}]".encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('This is "a" test with quotes', '"This is \\"a\\" test with quotes"'),
        ("This is a test\nwith line feed", '"This is a test\\nwith line feed"'),
        ("This is a test\n\rwith line feed", '"This is a test\\n\\rwith line feed"'),
        ("This is a test\twith tab", '"This is a test\\twith tab"'),
        ("This is a test\fwith formfeed", '"This is a test\\fwith formfeed"'),
        ("This is a test\bwith backspace", '"This is a test\\bwith backspace"'),
        ("This is a test with unicode: \x01\x1f", '"This is a test with unicode: \\u0001\\u001F"'),
        ("back\\slash", '"back\\\\slash"'),
        ("\x00\x0b\x7f", '"\\u0000\\u000B\x7f"'),
        ("<a href='x'>&amp;</a>", "\"<a href='x'>&amp;</a>\""),
        ("line\u2028sep\u2029", '"line\u2028sep\u2029"'),
        ("Pérez González ñ €", '"Pérez González ñ €"'),
        ("\U0001f929", '"\U0001f929"'),
        ("Premi\ufffdre v\ufffdrification", '"Premi\ufffdre v\ufffdrification"'),
        ("literal \\u00ab stays", '"literal \\\\u00ab stays"'),
        ("\x1f and \\u001f", '"\\u001F and \\\\u001f"'),
    ],
)
def test_string_escapes(value: str, expected: str) -> None:
    assert canonical_json(value) == expected.encode("utf-8")
    assert canonical_json_text(canonical_json(value)) == expected.encode("utf-8")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # gobl c14n/models_test.go TestObjectMarshalJSON / TestArrayMarshalJSON
        ({}, "{}"),
        ({"name": "test"}, '{"name":"test"}'),
        ({"name": "test", "age": 42, "active": True}, '{"active":true,"age":42,"name":"test"}'),
        (
            {"outer": "value", "inner": {"nested": "value"}},
            '{"inner":{"nested":"value"},"outer":"value"}',
        ),
        ({"name": "test", "null_field": None, "age": 42}, '{"age":42,"name":"test"}'),
        ([], "[]"),
        (["test"], '["test"]'),
        (["first", 42, True], '["first",42,true]'),
        (["outer", ["nested"]], '["outer",["nested"]]'),
        ([None, [None, []], {}], "[null,[null,[]],{}]"),
        ((1, 2), "[1,2]"),
    ],
)
def test_objects_and_arrays(value: Any, expected: str) -> None:
    assert canonical_json(value) == expected.encode()


def test_keys_sort_by_utf8_bytes_including_non_ascii() -> None:
    value = {"é": 1, "z": 2, "Z": 3, "$schema": 4, "_": 5, "a": 6, "€": 7, "\U0001f929": 8, "ü": 9}
    out = canonical_json(value).decode("utf-8")
    keys = [part.split('"')[1] for part in out[1:-1].split(",")]
    assert keys == ["$schema", "Z", "_", "a", "z", "é", "ü", "€", "\U0001f929"]
    assert keys == sorted(value, key=lambda k: k.encode("utf-8"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # the comma follows the member's index in the sorted list, not what was written
        ({"a": None, "b": 1}, '{,"b":1}'),
        ({"a": None, "b": None, "c": 1}, '{,"c":1}'),
        ({"a": 1, "b": None}, '{"a":1}'),
        ({"a": 1, "b": None, "c": 2}, '{"a":1,"c":2}'),
        ({"a": None}, "{}"),
        ({"b": {"a": None, "c": True}}, '{"b":{,"c":true}}'),
    ],
)
def test_null_members_are_dropped_with_gobls_comma(value: Any, expected: str) -> None:
    assert canonical_json(value) == expected.encode()
    assert canonical_json_text(json.dumps(value)) == expected.encode()


def test_duplicate_keys_in_text_are_kept_in_input_order() -> None:
    assert canonical_json_text('{"b":1,"a":2,"a":1}') == b'{"a":2,"a":1,"b":1}'


def test_number_beyond_float64_reads_as_null_and_is_dropped() -> None:
    assert canonical_json_text('{"a":1e400,"b":1}') == b'{,"b":1}'
    assert canonical_json_text("[1e400]") == b"[null]"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Python values stand for gobl *output*: a float64 is marshalled, then read back.
        (2.0, "2"),
        (-0.0, "0"),
        (40.4168, "4.04168E1"),
        (-3.7038, "-.03.7038E0"),
        (0.5, "5.0E-1"),
        (2.0**60, "1152921504606847000"),
        (1e19, "1.0E19"),
        (1e21, "1.0E21"),
        (1e-7, "1.0E-7"),
        (Decimal("2.0"), "2"),
        (Decimal("40.4168"), "4.04168E1"),
        (Decimal("5"), "5"),
        (2**63 - 1, "9223372036854775807"),
        (-(2**63), "-9223372036854775808"),
        (2**63, "9.223372036854776E18"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
    ],
)
def test_python_numbers_follow_gobl_output(value: Any, expected: str) -> None:
    assert canonical_json([value]) == f"[{expected}]".encode()


def test_text_float_literal_keeps_float_form_unlike_python_value() -> None:
    assert canonical_json_text('{"lat":2.0}') == b'{"lat":2.0E0}'
    assert canonical_json({"lat": 2.0}) == b'{"lat":2}'


def test_huge_int_beyond_float_range_reads_as_null() -> None:
    assert canonical_json({"a": 10**400, "b": 1}) == b'{,"b":1}'


@pytest.mark.parametrize(
    "value",
    [
        "invalid \ud800 surrogate",
        {"key \udcff": "value"},
        {"key": "value \udcff"},
        ["valid", "bad \udc80"],
    ],
)
def test_invalid_utf8_is_an_error(value: Any) -> None:
    with pytest.raises(C14nError):
        canonical_json(value)


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":"\xff\xfe"}',
        '{"a":"\\ud800"}',
        '{"name":"test","age":}',
        '{"name":}',
        '{123:"value"}',
        "",
        '{"a":1} {"b":2}',
        "[NaN]",
        "[Infinity]",
        '"raw\ncontrol"',
        '\ufeff{"a":1}',
    ],
)
def test_text_that_is_not_json_or_utf8_is_an_error(text: str | bytes) -> None:
    with pytest.raises(C14nError):
        canonical_json_text(text)


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        Decimal("-Infinity"),
        object(),
        b"bytes",
        {1: "a"},
    ],
)
def test_values_that_are_not_json_are_an_error(value: Any) -> None:
    with pytest.raises(C14nError):
        canonical_json([value])


def test_c14n_error_is_an_invalid_kind() -> None:
    assert issubclass(C14nError, Invalid)
