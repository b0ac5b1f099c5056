"""A member given as ``null`` is read as absent, as gobl reads it.

Go's ``encoding/json`` sets a pointer, slice or map given as ``null`` to nil and leaves any
other field at its zero value (``num.Amount`` reads ``null`` as nothing), so a gobl document
with ``"price": null`` or ``"quantity": null`` builds as if the member were not there. For
every member of every ES example input (at any depth, in gobl's own types), the build with the
member set to ``null`` must equal the build with it removed: the same document and digest, or
the same error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from facturo.gobl import build, parse
from facturo.gobl.errors import GoblError

from .mutations import changed, members

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT.parent / "shared" / "data" / "gobl" / "examples" / "es"
FILES = sorted(p for p in EXAMPLES.glob("*.*") if p.suffix in (".yaml", ".json"))
U = UUID("8a51fd30-2a27-11ee-be56-0242ac120002")


def _built(data: dict[str, Any]) -> tuple[Any, ...]:
    try:
        env = build(data, uuid_factory=lambda: U)
    except GoblError as exc:
        return ("error", exc.key, str(exc), exc.faults)
    except Exception as exc:  # the same failure either way is the same answer here
        return ("failure", type(exc), str(exc))
    return ("ok", env.to_json())


@pytest.mark.parametrize("src", FILES, ids=[p.name for p in FILES])
def test_a_null_member_builds_as_an_absent_one(src: Path) -> None:
    data = parse(src.read_text("utf-8"))
    differ = [
        path
        for path in members(data)
        if _built(changed(data, path, None)) != _built(changed(data, path, remove=True))
    ]
    assert differ == []


def test_null_amounts_are_absent_not_a_crash() -> None:
    """``"price": null`` is an unpriced line (a fault), ``"quantity": null`` a quantity of 0."""
    doc = {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "series": "B",
        "code": "1",
        "issue_date": "2024-12-04",
        "supplier": {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}},
        "lines": [
            {
                "quantity": None,
                "item": {"name": "A", "price": "10.00"},
                "taxes": [{"cat": "VAT", "rate": "standard"}],
            },
            {"quantity": "1", "item": {"name": "B", "price": None}},
        ],
    }
    with pytest.raises(GoblError) as err:
        build(doc, uuid_factory=lambda: U)
    assert [(f.code, f.paths) for f in err.value.faults] == [
        ("GOBL-BILL-INVOICE-08", ("$.doc.lines[1].item.price",))
    ]
    del doc["lines"][1]
    env = build(doc, uuid_factory=lambda: U)
    assert env.doc["lines"][0]["quantity"] == "0"
    assert env.doc["totals"]["payable"] == "0.00"
