"""The workflow expression language: every expression the templates use, then the semantics."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from facturo.transform.steps.expr import (
    ExprIndexError,
    ExprNilError,
    ExprSyntaxError,
    ExprTypeError,
    Scope,
    compile_expression,
    scoped,
)

WORKFLOWS = Path(__file__).resolve().parents[4] / "shared/data/invopop/workflows/current"
INVOICE_SCHEMA = "https://gobl.org/draft-0/bill/invoice"


def _steps(steps: list[dict[str, Any]] | None) -> Any:
    for step in steps or ():
        yield step
        for block in step.get("next") or ():
            yield from _steps(block.get("steps"))


def template_expressions() -> dict[tuple[str, str], str]:
    """Every non-empty ``expr`` in the 112 current templates, with its scope."""
    found: dict[tuple[str, str], str] = {}
    for path in sorted(WORKFLOWS.glob("*.json")):
        document = json.loads(path.read_text())
        if not isinstance(document, dict):
            continue
        for step in [*_steps(document.get("steps")), *_steps(document.get("rescue"))]:
            config = step.get("config") or {}
            if (config.get("expr") or "").strip():
                key = (config["expr"], config.get("scope") or "env")
                found.setdefault(key, path.name)
    return found


def _envelope(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "https://gobl.org/draft-0/envelope",
        "head": {"uuid": "0190f3a4-0000-7000-8000-000000000000"},
        "doc": doc,
    }


INVOICE = {"$schema": INVOICE_SCHEMA, "code": "F-1", "payment": {}}
PARTY = {"$schema": "https://gobl.org/draft-0/org/party", "name": "Acme"}
WITH_TERMS = {**INVOICE, "payment": {"terms": {"due_dates": [{"date": "2026-12-01"}]}}}
SEPA = {**WITH_TERMS, "payment": {**WITH_TERMS["payment"], "instructions": {"key": "sepa"}}}
CREDIT = {
    **WITH_TERMS,
    "payment": {**WITH_TERMS["payment"], "instructions": {"key": "credit-transfer"}},
}

PAYMENT_GUARD = (
    '(doc?.payment?.instructions == nil || doc?.payment?.instructions?.key == "credit-transfer")'
    "\n&& doc?.payment?.terms?.due_dates != nil"
)

# (expression, scope) → [(document, expected value)]
EXPECTED: dict[tuple[str, str], list[tuple[dict[str, Any], Any]]] = {
    ('$schema endsWith "bill/invoice"', "doc"): [(INVOICE, True), (PARTY, False)],
    ("doc['$schema'] endsWith 'bill/invoice'", "env"): [(INVOICE, True), (PARTY, False)],
    (PAYMENT_GUARD, "env"): [
        (INVOICE, False),  # no terms
        (WITH_TERMS, True),  # terms, no instructions
        (SEPA, False),  # instructions of another kind
        (CREDIT, True),
        ({"$schema": INVOICE_SCHEMA}, False),  # no payment at all
    ],
}


def test_the_table_covers_every_template_expression() -> None:
    found = template_expressions()
    assert len(found) >= 3
    assert set(found) == set(EXPECTED), "a template expression has no expected values here"


@pytest.mark.parametrize(
    ("source", "scope", "doc", "expected"),
    [(src, scope, doc, want) for (src, scope), rows in EXPECTED.items() for doc, want in rows],
)
def test_template_expression_evaluates(
    source: str, scope: str, doc: dict[str, Any], expected: Any
) -> None:
    program = compile_expression(source)
    assert program.evaluate(scoped(_envelope(doc), Scope(scope))) is expected


ENV = {
    "n": 3,
    "f": 1.5,
    "s": "F-2026-001",
    "list": [1, 2, "x"],
    "map": {"a": {"b": None}, "k": "v"},
    "yes": True,
    "none": None,
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", Decimal(7)),
        ("(1 + 2) * 3", Decimal(9)),
        ("10 / 4", Decimal("2.5")),
        ("7 % 4", Decimal(3)),
        ("2 ** 3 ** 2", Decimal(512)),  # right-associative
        ("-2 ** 2", Decimal(-4)),
        ("n == 3.0", True),
        ("f == 1.5 && f > 1", True),
        ("0.1 + 0.2 == 0.3", True),  # decimals, not binary floats
        ("s startsWith 'F-' and s endsWith '001'", True),
        ("s contains '2026'", True),
        ("s matches '^F-\\\\d{4}-\\\\d+$'", True),
        ("s not matches '^X'", True),
        ("'x' in list", True),
        ("2 in list", True),
        ("4 not in list", True),
        ("'k' in map", True),
        ("map.k == 'v'", True),
        ("map['a'].b == nil", True),
        ("map.missing == nil", True),
        ("missing == nil", True),  # an unknown name reads as nil, like a missing key
        ("missing?.deep?.er", None),
        ("none?.a.b.c", None),  # the optional link short-circuits the whole chain
        ("list[-1]", "x"),
        ("list?.[0]", 1),
        ("!yes || not yes", False),
        ("!(n > 2)", False),
        ("yes ? 'a' : 'b'", "a"),
        ("none ?? 'fallback'", "fallback"),
        ("len(list) + len(s) + len(map)", Decimal(15)),
        ("lower('ABC') + upper('d') + trim('  e ')", "abcDe"),
        ("trimPrefix(s, 'F-')", "2026-001"),
        ("string(n) + string(yes)", "3true"),
        ("int('42.9') + float('0.1')", Decimal("42.1")),
        ("abs(-2)", Decimal(2)),
        ("first(list) == 1 && last(list) == 'x'", True),
        ("keys(map)", ["a", "k"]),
        ("join(split(s, '-'), '/')", "F/2026/001"),
        ("indexOf(s, '2026')", Decimal(2)),
        ("[1, 'a'] == [1.0, 'a']", True),
        ("{a: 1, 'b': [nil]} == {b: [nil], a: 1}", True),
        ("$env.n == n", True),
        ("`raw\\n` == 'raw\\\\n'", True),
        ("1 < 2 == true", True),
        ("'a' < 'b'", True),
        ("1_000 == 1000", True),
        ("n /* comment */ == 3 // trailing", True),
    ],
)
def test_semantics(source: str, expected: Any) -> None:
    assert compile_expression(source).evaluate(ENV) == expected


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("map.a.b.c", ExprNilError),  # b is nil; reading c needs ?.
        ("missing.x", ExprNilError),
        ("s.x", ExprTypeError),
        ("list[5]", ExprIndexError),
        ("list['a']", ExprTypeError),
        ("n && yes", ExprTypeError),  # no truthiness
        ("!n", ExprTypeError),
        ("n ? 1 : 2", ExprTypeError),
        ("none endsWith 'x'", ExprTypeError),
        ("n + 'a'", ExprTypeError),
        ("n < 'a'", ExprTypeError),
        ("1 in n", ExprTypeError),
        ("len(n)", ExprTypeError),
        ("lower(n)", ExprTypeError),
    ],
)
def test_evaluation_errors_are_typed(source: str, error: type[Exception]) -> None:
    program = compile_expression(source)
    with pytest.raises(error):
        program.evaluate(ENV)


@pytest.mark.parametrize(
    ("source", "offset"),
    [
        ("", 0),
        ("a +", 3),
        ("a ==", 4),
        ("(1", 2),
        ("a ? b", 5),
        ("1 2", 2),
        ("a.", 2),
        ("a.1", 2),
        ("'open", 0),
        ("a # b", 2),
        ("and", 0),
        ("doc?.x ==", 9),
        ("[1, 2", 5),
        ("{a 1}", 3),
        ("1.2.3", 4),
        ("'\\q'", 1),
    ],
)
def test_syntax_errors_name_the_offset(source: str, offset: int) -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        compile_expression(source)
    assert caught.value.offset == offset
    assert caught.value.code == "expr.syntax"


def test_keywords_and_symbols_are_the_same_operators() -> None:
    for words, symbols in [
        ("yes and not (none == nil)", "yes && !(none == nil)"),
        ("yes or yes", "yes || yes"),
    ]:
        assert compile_expression(words).evaluate(ENV) == compile_expression(symbols).evaluate(ENV)
