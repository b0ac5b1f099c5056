"""Hostile and edge expressions: every cost has a ceiling and each breach a clear error."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.transform.steps import expr
from facturo.transform.steps.expr import (
    ExprError,
    ExprEvalError,
    ExprLimitExceeded,
    ExprRegexError,
    ExprSyntaxError,
    ExprTooLarge,
    ExprTypeError,
    Limits,
    compile_expression,
)


def test_an_overlong_expression_is_refused_at_parse_time() -> None:
    with pytest.raises(ExprTooLarge) as caught:
        compile_expression("1 + " * 2000 + "1")
    assert caught.value.code == "expr.too_large"


def test_deep_nesting_is_refused_without_exhausting_the_stack() -> None:
    with pytest.raises(ExprTooLarge):
        compile_expression("(" * 1000 + "1" + ")" * 1000)
    with pytest.raises(ExprTooLarge):
        compile_expression("!" * 1000 + "true")
    with pytest.raises(ExprTooLarge):
        compile_expression("a" + ".b" * 1000)
    with pytest.raises(ExprTooLarge):  # a flat chain of operators builds a deep tree too
        compile_expression("1 + " * 500 + "1")


def test_nesting_within_the_limit_is_fine() -> None:
    assert compile_expression("(" * 30 + "1" + ")" * 30).evaluate({}) == 1
    assert compile_expression(" || ".join(["a == 1"] * 40)).evaluate({"a": 1}) is True


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("foo(1)", "foo"),
        ("__import__('os')", "__import__"),
        ("eval('1')", "eval"),
        ("len()", "len"),  # wrong arity is refused at parse time too
        ("lower('a', 'b')", "lower"),
    ],
)
def test_unknown_functions_and_bad_arity_fail_at_parse_time(source: str, name: str) -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        compile_expression(source)
    assert caught.value.offset == 0
    assert name in caught.value.detail


def test_python_attributes_are_not_reachable() -> None:
    # Fields are map keys only: a dunder is just a missing key, never a Python attribute.
    program = compile_expression("s.__class__ == nil")
    with pytest.raises(ExprTypeError):
        program.evaluate({"s": "text"})
    assert compile_expression("m.__class__ == nil").evaluate({"m": {}}) is True
    assert compile_expression("__builtins__ == nil").evaluate({}) is True


def test_the_step_budget_stops_long_evaluations() -> None:
    big = list(range(200_000))
    with pytest.raises(ExprLimitExceeded):
        compile_expression("-1 in big").evaluate({"big": big})


def test_a_huge_document_is_fine_when_the_expression_reads_little() -> None:
    doc: dict[str, Any] = {"lines": [{"i": n, "text": "x" * 100} for n in range(50_000)]}
    assert compile_expression("len(lines) == 50000 && lines[-1].i == 49999").evaluate(doc)


def test_built_strings_and_lists_are_bounded() -> None:
    limits = Limits(max_string=1000, max_items=100)
    with pytest.raises(ExprLimitExceeded):
        compile_expression("s + s", limits).evaluate({"s": "x" * 600})
    with pytest.raises(ExprLimitExceeded):
        compile_expression("l + l", limits).evaluate({"l": list(range(60))})


def test_deeply_nested_values_compare_within_a_bound() -> None:
    deep: Any = "leaf"
    for _ in range(1000):
        deep = [deep]
    with pytest.raises(ExprLimitExceeded):
        compile_expression("a == b").evaluate({"a": deep, "b": deep})


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a*)*b", "(x|xx)+y", "(\\\\w+)\\\\1"])
def test_catastrophic_literal_patterns_fail_at_parse_time(pattern: str) -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        compile_expression(f"s matches '{pattern}'")
    assert caught.value.offset == 10


def test_patterns_from_the_document_are_guarded_at_evaluation() -> None:
    program = compile_expression("s matches p")
    with pytest.raises(ExprRegexError):
        program.evaluate({"s": "a" * 40 + "!", "p": "(a+)+$"})
    with pytest.raises(ExprRegexError):
        program.evaluate({"s": "a", "p": "a" * 300})
    with pytest.raises(ExprRegexError):
        program.evaluate({"s": "a", "p": "(unclosed"})
    with pytest.raises(ExprLimitExceeded):
        program.evaluate({"s": "a" * 200_000, "p": "b"})


def test_numbers_cannot_blow_up() -> None:
    with pytest.raises(ExprEvalError) as caught:
        compile_expression("10 ** 100000").evaluate({})
    assert caught.value.code == "expr.eval"
    with pytest.raises(ExprEvalError) as caught:
        compile_expression("1 / 0").evaluate({})
    assert caught.value.code == "expr.eval"


def test_the_language_imports_only_the_standard_library_and_itself() -> None:
    # ``steps/__init__`` pulls in the step contract (and so the database) whenever a submodule is
    # imported, so the check is on the package's own import statements.
    allowed_roots = {"__future__", "collections", "dataclasses", "decimal", "enum", "functools"}
    allowed_roots |= {"importlib", "re", "typing", "pydantic"}
    package = Path(expr.__file__).parent
    for source in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                inside = name.startswith("facturo.transform.steps.expr") or name == "facturo.errors"
                assert inside or name.split(".")[0] in allowed_roots, f"{source.name}: {name}"


_PIECES = [
    "doc", "?.", ".", "a", "b", "[", "]", "0", "-1", "1.5", "'x'", '"y"', "==", "!=", "<",
    "nil", "&&", "||", "and", "!", "not", "(", ")", "in", "+", "*", "/", "%", "**", "??", "?",
    ":", "len(", "lower(", "string(", ",", "true", "{", "}", "matches", "'^x'", "endsWith",
    "contains", "$env", "$schema", " ",
]  # fmt: skip
_SAMPLE = {"doc": {"a": [1, "x", None, {"b": True}], "b": "xy"}, "$schema": "s", "a": 2}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_compiles_or_fails_with_a_syntax_error(source: str) -> None:
    offset = len(source)
    try:
        compile_expression(source)
    except ExprSyntaxError as exc:
        offset = exc.offset
    assert 0 <= offset <= len(source)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=25))
def test_whatever_compiles_evaluates_or_fails_with_an_expression_error(
    pieces: list[str],
) -> None:
    try:
        program = compile_expression(" ".join(pieces))
    except ExprSyntaxError:
        return
    code = "expr.none"
    try:
        program.evaluate(_SAMPLE)
    except ExprError as exc:
        code = exc.code
    assert code.startswith("expr.")
