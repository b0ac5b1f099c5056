"""A value of the wrong JSON type is an ``input`` error with a fault at its path, never a crash.

gobl reads a document with Go's ``encoding/json``, which refuses an array where a struct goes or
a number where text goes before anything is calculated. Here the schema says which JSON type
each field has, and the reader refuses the same values with a ``type`` fault (``format`` for an
amount or percentage whose text does not read), at the value's path under ``$.doc`` as
validation faults have it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from facturo.gobl import build, validate
from facturo.gobl.errors import ErrorKey, GoblError
from facturo.gobl.schema.codec import decode_document

from .samples import U, verifactu_invoice


def _put(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    holder: Any = out
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return out


LINE = ("lines", 0)
EXT = "$.doc.lines[0].taxes[0].ext"
TAX_ID = "$.doc.supplier.tax_id"
OP_CLASS = "es-verifactu-op-class"


@pytest.mark.parametrize(
    ("where", "value", "path", "message"),
    [
        (("supplier",), ["x"], "$.doc.supplier", "expected an object, got an array"),
        (("supplier",), 1.5, "$.doc.supplier", "expected an object, got a number"),
        (("lines",), {"a": 1}, "$.doc.lines", "expected an array, got an object"),
        ((*LINE, "item"), "", "$.doc.lines[0].item", "expected an object, got text"),
        ((*LINE, "item", "name"), 7, "$.doc.lines[0].item.name", "expected text, got a number"),
        (("supplier", "tax_id", "code"), True, TAX_ID + ".code", "expected text, got true"),
        (("$addons",), "es-verifactu-v1", "$.doc.$addons", "expected an array, got text"),
        (("$addons",), [3], "$.doc.$addons[0]", "expected text, got a number"),
        ((*LINE, "taxes", 0, "ext"), ["S1"], EXT, "expected an object, got an array"),
        ((*LINE, "taxes", 0, "ext"), {OP_CLASS: 1}, f"{EXT}.{OP_CLASS}", "expected text, got a number"),  # noqa: E501
        ((*LINE, "i"), "1", "$.doc.lines[0].i", "expected a whole number, got text"),
        ((*LINE, "i"), True, "$.doc.lines[0].i", "expected a whole number, got true"),
        (("issue_date",), 20241204, "$.doc.issue_date", "expected text, got a number"),
        (("tax",), {"tags": "simplified"}, "$.doc.tax.tags", "expected an array, got text"),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_type_is_refused_at_its_path(
    where: tuple[Any, ...], value: Any, path: str, message: str
) -> None:
    with pytest.raises(GoblError) as err:
        build(_put(verifactu_invoice(), where, value), uuid_factory=lambda: U)
    assert err.value.key is ErrorKey.INPUT
    assert [(f.code, f.paths, f.message) for f in err.value.faults] == [("type", (path,), message)]
    assert str(err.value) == f"input: {path}: {message}"


def test_the_same_refusal_when_only_validating() -> None:
    doc = _put(verifactu_invoice(), ("customer",), "Sample")
    with pytest.raises(GoblError) as err:
        validate(doc)
    assert [(f.code, f.paths) for f in err.value.faults] == [("type", ("$.customer",))]
    with pytest.raises(GoblError) as err:
        validate({"doc": doc})
    assert [(f.code, f.paths) for f in err.value.faults] == [("type", ("$.doc.customer",))]


@pytest.mark.parametrize(
    ("where", "value", "path"),
    [
        (("lines", 0, "quantity"), "two", "$.doc.lines[0].quantity"),
        (("lines", 0, "item", "price"), ["10"], "$.doc.lines[0].item.price"),
        (("lines", 0, "taxes", 0, "percent"), "21 %", "$.doc.lines[0].taxes[0].percent"),
    ],
)
def test_an_amount_that_does_not_read_is_refused_at_its_path(
    where: tuple[Any, ...], value: Any, path: str
) -> None:
    with pytest.raises(GoblError) as err:
        build(_put(verifactu_invoice(), where, value), uuid_factory=lambda: U)
    assert err.value.key is ErrorKey.INPUT
    assert [(f.code, f.paths) for f in err.value.faults] == [("format", (path,))]


def test_values_of_the_right_type_still_read() -> None:
    """Numbers for amounts (gobl reads them), null members, text subclasses, unknown members."""

    class Text(str):
        pass

    doc = verifactu_invoice()
    doc["lines"][0]["quantity"] = 2
    doc["lines"][0]["item"]["name"] = Text("Thing")
    doc["lines"][0]["item"]["unit"] = None
    doc["lines"][0]["zz-unknown"] = [1.5, {"a": None}]
    doc["customer"]["addresses"] = [{"locality": "Madrid", "coords": {"lat": 40.4, "lon": -3}}]
    typed = decode_document(doc)
    assert "unit" not in typed["lines"][0]["item"]
    assert typed["lines"][0]["zz-unknown"] == [1.5, {"a": None}]
    env = build(doc, uuid_factory=lambda: U)
    assert env.doc["lines"][0]["quantity"] == "2"
    assert env.doc["customer"]["addresses"][0]["coords"] == {"lat": 40.4, "lon": -3}
