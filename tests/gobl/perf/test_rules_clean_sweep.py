"""Every single change to a built invoice gets the same answer from both validation entry points.

The one-pass validation (:func:`facturo.gobl.rules.clean_invoice.is_clean`) mirrors the rule
modules by hand, so a rule edited in one place and not the other must not go unnoticed. Drawn
documents (``test_rules_clean_invoice.py``) sample the space; this sweep walks it: for every
member of every built ES invoice (gobl's expected outputs and the VERI*FACTU test envelopes),
the member is removed or replaced by each value of a list of likely-wrong and likely-right
values, and :func:`~facturo.gobl.validate.document_faults` must give exactly what the general
path (:func:`~facturo.gobl.validate.rule_faults`) gives: the same faults in the same order, or
the same error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from facturo.gobl.rules.clean_invoice import is_clean
from facturo.gobl.schema.codec import decode_document
from facturo.gobl.validate import document_faults, rule_faults

from ..mutations import changed, paths

ROOT = Path(__file__).resolve().parents[3]
BUILT = [
    *sorted((ROOT.parent / "shared" / "data" / "gobl" / "examples" / "es" / "out").glob("*.json")),
    *sorted((ROOT / "tests" / "verifactu" / "data" / "gobl").glob("*.json")),
]

#: Values put in place of each member: wrong classes, blanks, bad and good codes, long text.
VALUES: tuple[Any, ...] = (
    *("", "X", "-1", "0", "0.00", "1e3", "99999999999999999999", "ZZ", "2024-02-30"),
    *("B00000000", "es-verifactu-v1", "VAT", "standard", "exempt", "E1", "S1", "F2", "R1"),
    *("21%", "  x ", "\u00e9", "A" * 600),
    *(None, 0, 1.5, True, [], {}, ["x"], {"a": "b"}),
)


def _answer(check: Any, doc: Any) -> tuple[Any, ...]:
    try:
        return ("faults", [(f.code, f.paths, f.message) for f in check(doc)])
    except Exception as exc:  # the same error is part of the same answer
        return ("error", type(exc).__name__, str(exc))


def _general(doc: Any) -> tuple[Any, ...]:
    try:
        typed = decode_document(doc)
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))
    return _answer(rule_faults, typed)


def _invoice(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text("utf-8"))
    doc: dict[str, Any] = data.get("doc", data)
    return doc


@pytest.mark.parametrize(
    "path",
    [p for p in BUILT if _invoice(p).get("$schema", "").endswith("/bill/invoice")],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_every_single_change_gets_the_general_paths_answer(path: Path) -> None:
    doc = _invoice(path)
    mismatches = []
    for member in list(paths(doc))[1:]:
        for remove, value in [(True, None), *((False, v) for v in VALUES)]:
            changed_doc = changed(doc, member, value, remove=remove)
            got, want = _answer(document_faults, changed_doc), _general(changed_doc)
            if got != want:
                mismatches.append((member, "removed" if remove else value, got, want))
    assert mismatches == []


def test_the_sweep_reaches_the_one_pass() -> None:
    """Not vacuous: the VERI*FACTU envelopes, as built, are answered by the one pass."""
    verifactu = [p for p in BUILT if "verifactu" in p.name and p.parent.name == "gobl"]
    assert verifactu
    cleared = [p.name for p in verifactu if is_clean(decode_document(_invoice(p)))]
    assert cleared == [p.name for p in verifactu]
