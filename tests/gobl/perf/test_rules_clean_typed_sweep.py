"""The one-pass validation answers for the calculated tree only what the written document earns.

A build may ask :func:`facturo.gobl.rules.clean_invoice.is_clean` about the calculated typed
tree itself, before it is written. That tree is not the written document: the writer leaves out
members holding None, blank text, 0, False or an empty array or map, blank values of ``ext``
maps, None items of arrays, the zero UUID and members the schema does not know. A "yes" on the
tree must therefore hold for the document as written and read back: the general path
(:func:`~facturo.gobl.validate.rule_faults`) must find nothing there, and must not raise.

Two sweeps check it. The first changes the *inputs* (gobl's ES examples as given and as built, and
the VERI*FACTU examples), one member at a time, removed or replaced by each of a list of values the
writer treats specially, then decodes and calculates each as a build does. The second changes the
*calculated tree* directly, so that the one pass is held to the writer's rules even where today's
normalisers happen to tidy an input up first (a blank ``ext`` value, say), and to the rules'
reading of the tree as it is. Both also count how often the tree and the document read back are
each cleared in one pass: the usual documents must stay on the one pass when asked on the tree.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from facturo.gobl import parse
from facturo.gobl.calculate import calculate_typed
from facturo.gobl.errors import GoblError
from facturo.gobl.rules.clean_invoice import is_clean
from facturo.gobl.schema.codec import decode_document, encode_document
from facturo.gobl.validate import rule_faults

from ..mutations import paths

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT.parent / "shared" / "data" / "gobl" / "examples" / "es"
ZERO_UUID = "00000000-0000-0000-0000-000000000000"
VERIFACTU_EXT = (
    "es-verifactu-regime",
    "es-verifactu-op-class",
    "es-verifactu-exempt",
    "es-verifactu-doc-type",
    "es-verifactu-correction-type",
    "es-verifactu-identity-type",
)

#: Values the writer leaves out or changes, and a few it keeps (text where an amount goes).
VALUES: tuple[Any, ...] = (
    *(None, "", 0, False, [], {}, [None], {"": ""}, {"zz-unknown": "1"}),
    *(ZERO_UUID, "10.95", "x", {"es-verifactu-regime": ""}, {"es-verifactu-op-class": ""}),
)

#: What the writer leaves out, put into a calculated tree (where it would not be read back).
DROPPED: tuple[Any, ...] = (None, "", 0, False, [], {}, [None], {"": ""})


def _verifactu(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$addons": ["es-verifactu-v1"],
        "series": "B",
        "code": "42",
        "issue_date": "2024-12-04",
        "supplier": {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}},
        "customer": {"name": "Sample", "tax_id": {"country": "ES", "code": "54387763P"}},
        "lines": [
            {
                "quantity": "2",
                "item": {"name": "Item", "price": "10.95"},
                "discounts": [],
                "taxes": [{"cat": "VAT", "rate": "general"}],
            },
            {
                "quantity": "1",
                "item": {"name": "Exento", "price": "100"},
                "taxes": [{"cat": "VAT", "key": "exempt", "ext": {"es-verifactu-exempt": "E1"}}],
            },
        ],
    }
    doc.update(extra)
    return doc


#: VERI*FACTU documents the examples do not have: a corrective with the taxes it corrects, and
#: a customer known by a typed identity instead of a tax ID.
OWN = {
    "verifactu-corrective": _verifactu(
        type="corrective",
        tax={"ext": {"es-verifactu-doc-type": "R1", "es-verifactu-correction-type": "I"}},
        preceding=[
            {
                "code": "41",
                "issue_date": "2024-11-04",
                "tax": {"categories": [{"code": "VAT", "rates": []}], "sum": "0.00"},
            }
        ],
    ),
    "verifactu-identity": _verifactu(
        customer={
            "name": "Visitor",
            "identities": [
                {"country": "GB", "code": "X123", "ext": {"es-verifactu-identity-type": "03"}}
            ],
        }
    ),
}


def _documents() -> dict[str, dict[str, Any]]:
    found = [
        *sorted(EXAMPLES.glob("invoice-*.*")),
        *sorted(EXAMPLES.glob("credit-note-*.*")),
        *sorted((EXAMPLES / "out").glob("*.json")),
        *sorted((ROOT / "tests" / "verifactu" / "data" / "gobl").glob("*.json")),
    ]
    out = {}
    for path in found:
        data = parse(path.read_text("utf-8"))
        doc = data.get("doc", data)
        if str(doc.get("$schema", "")).endswith("/bill/invoice"):
            out[f"{path.parent.name}/{path.name}"] = doc
    return out | {f"own/{k}": v for k, v in OWN.items()}


DOCUMENTS = _documents()


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


Change = tuple[tuple[Any, ...], str, dict[str, Any]]


def _changes(doc: dict[str, Any], values: tuple[Any, ...]) -> Iterator[Change]:
    """``doc`` with one member removed or replaced, or a blank member added to one of its
    maps, each with where and what was changed."""
    for path in list(paths(doc)):
        if path:
            for i in range(len(values) + 1):
                out = copy.deepcopy(doc)
                holder = _at(out, path[:-1])
                if i == 0:
                    del holder[path[-1]]
                else:
                    holder[path[-1]] = copy.deepcopy(values[i - 1])
                yield path, repr(values[i - 1]) if i else "removed", out
        target = _at(doc, path)
        if isinstance(target, dict):
            added = ("zz-unknown", *VERIFACTU_EXT) if path[-1:] == ("ext",) else ("zz-unknown",)
            for key in added:
                out = copy.deepcopy(doc)
                _at(out, path)[key] = ""
                yield path, f"added {key}", out


def _calculated(doc: dict[str, Any]) -> dict[str, Any] | None:
    """``doc`` read and calculated as a build does (in containers of its own), or None."""
    try:
        typed = decode_document(doc)
        calculate_typed(typed)
    except Exception:
        return None
    return typed


def _written(typed: dict[str, Any]) -> dict[str, Any] | None:
    """The document written from ``typed``, or None when the writer raises (as a build would)."""
    try:
        return encode_document(typed)
    except Exception:
        return None


def _outcome(typed: dict[str, Any]) -> tuple[str, Any]:
    """The general path's answer on ``typed`` itself: its faults' codes, or its error."""
    try:
        return ("faults", [f.code for f in rule_faults(typed)])
    except Exception as exc:
        return ("error", type(exc).__name__)


def _general_is_clean(out: dict[str, Any]) -> bool | None:
    """Whether the general path finds nothing in the written document ``out``.

    None when ``out`` does not read back only because a member holds a value of the wrong JSON
    type (text where a struct goes): the reader refuses such a value in any input, so no tree a
    build calculates holds one, and no answer on it is asked for.
    """
    try:
        typed = decode_document(out)
    except GoblError as exc:
        if exc.faults and all(f.code == "type" for f in exc.faults):
            return None
        return False  # written, it does not even read back: no "yes" may stand for it
    except Exception:
        return False
    try:
        return rule_faults(typed) == []
    except Exception:
        return False


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_yes_on_the_calculated_input_holds_for_the_written_document(name: str) -> None:
    wrong, lost = [], []
    for where, what, changed in _changes(DOCUMENTS[name], VALUES):
        typed = _calculated(changed)
        out = _written(typed) if typed is not None else None
        if typed is None or out is None:  # a build stops there, with its own error
            continue
        if is_clean(typed):
            if _general_is_clean(out) is not True:
                wrong.append((where, what))
        elif is_clean(decode_document(out)):
            lost.append((where, what))
    assert wrong == []
    # nothing the written document clears is sent to the general path when asked on the
    # tree: not a line's empty discounts, nor a blank where an object goes
    assert lost == []


CALCULATED = sorted(n for n in DOCUMENTS if _calculated(DOCUMENTS[n]) is not None)


@pytest.mark.parametrize("name", CALCULATED)
def test_a_yes_on_a_calculated_tree_holds_for_the_written_document(name: str) -> None:
    """Blanks put straight into the tree, where no normaliser tidies them away.

    The tree is also validated as it is, the way a document read from JSON is: the one pass's
    yes must hold there too, where the rules see a blank value's key.
    """
    typed = _calculated(DOCUMENTS[name])
    assert typed is not None
    wrong = []
    for where, what, changed in _changes(typed, DROPPED):
        out = _written(changed)  # None when the writer refuses it (None for an amount, say)
        if out is not None and is_clean(changed) and _general_is_clean(out) is False:
            wrong.append((where, what))
        elif is_clean(changed) and _outcome(changed) != ("faults", []):
            wrong.append((where, what, "as given"))  # validated as it is, it has faults
    assert wrong == []


@pytest.mark.parametrize("name", CALCULATED)
def test_a_document_cleared_as_written_is_cleared_on_its_tree(name: str) -> None:
    """The usual documents keep the one-pass answer when it is asked before writing."""
    typed = _calculated(DOCUMENTS[name])
    assert typed is not None
    assert is_clean(typed) == is_clean(decode_document(encode_document(typed)))


def test_the_sweeps_reach_the_one_pass() -> None:
    """Not vacuous: the VERI*FACTU documents, and the ones of this module, are cleared."""
    names = [n for n in DOCUMENTS if "verifactu" in n]
    cleared = [n for n in names if is_clean(_calculated(DOCUMENTS[n]) or {})]
    assert cleared == names
