from __future__ import annotations

import doctest

import pytest

from facturo.platform import problems
from facturo.platform.problems import nested_fields, path_segments, to_pointer


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("$.lines[0].quantity", ["lines", "0", "quantity"]),
        ("$.supplier.tax_id.code", ["supplier", "tax_id", "code"]),
        ("$", []),
        (
            "$.lines[12].taxes[0].ext.es-verifactu-op-class",
            ["lines", "12", "taxes", "0", "ext", "es-verifactu-op-class"],
        ),
        ("#/steps/3/config/max_batch", ["steps", "3", "config", "max_batch"]),
        ("/data/doc", ["data", "doc"]),
        ("#/a~1b/c~0d", ["a/b", "c~d"]),
        ("#/", []),
    ],
)
def test_path_segments_reads_jsonpath_and_pointers(path: str, segments: list[str]) -> None:
    assert path_segments(path) == segments


def test_pointer_escapes_slash_and_tilde() -> None:
    assert to_pointer(["a/b", "c~d", "0"]) == "#/a~1b/c~0d/0"
    assert path_segments(to_pointer(["a/b", "c~d"])) == ["a/b", "c~d"]


def test_nested_fields_matches_invopop_error_body() -> None:
    fields = nested_fields([(["data", "doc", "customer", "tax_id", "code"], "unknown type")])
    assert fields == {"data": {"doc": {"customer": {"tax_id": {"code": "unknown type"}}}}}


def test_nested_fields_merges_siblings_and_keeps_first_on_collision() -> None:
    fields = nested_fields(
        [
            (["supplier", "emails", "0", "addr"], "must be a valid email address"),
            (["supplier", "name"], "required"),
            (["supplier"], "ignored: a map is already there"),
            (["supplier", "name", "x"], "ignored: a message is already there"),
        ]
    )
    assert fields == {
        "supplier": {"emails": {"0": {"addr": "must be a valid email address"}}, "name": "required"}
    }


def test_module_doctests_pass() -> None:
    result = doctest.testmod(problems)
    assert result.attempted > 0
    assert result.failed == 0
