"""Regular expressions for ``matches``, refused when they could backtrack without bound.

Python's ``re`` is a backtracking engine with no time limit, so a pattern such as ``(a+)+$`` takes
exponential time on a short hostile subject. The guard walks the parsed pattern and refuses the
constructs that cause it: a repeat inside a repeat, an alternation inside a repeat, and
backreferences. Together with a cap on the pattern's and the subject's length, every accepted
match runs in time polynomial in a bounded input. The cost is that a few harmless patterns
(``(foo|bar)+``) are refused too; workflow conditions rarely need them.
"""

from __future__ import annotations

import functools
import importlib
import re
from typing import Any

from facturo.transform.steps.expr.errors import ExprRegexError
from facturo.transform.steps.expr.limits import Limits

# The parser behind ``re.compile``; not public API, but stable across 3.11+ and the only way to
# see a pattern's structure without writing a second regex parser.
_sre: Any = importlib.import_module("re._parser")
_REPEATS = {
    name for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_sre, name)
}


def compile_pattern(pattern: str, limits: Limits) -> re.Pattern[str]:
    """Compile ``pattern`` if it is short and cannot backtrack catastrophically."""
    if len(pattern) > limits.max_pattern:
        raise ExprRegexError(f"the pattern has more than {limits.max_pattern} characters")
    return _compile(pattern)


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        tree = _sre.parse(pattern)
    except re.error as exc:
        raise ExprRegexError(f"invalid pattern: {exc}") from None
    _check(tree, inside_repeat=False)
    return re.compile(pattern)


def _check(items: Any, *, inside_repeat: bool) -> None:
    for op, av in items:
        name = str(op)
        if name in ("GROUPREF", "GROUPREF_EXISTS"):
            raise ExprRegexError("backreferences are not allowed in patterns")
        if name in _REPEATS:
            _low, high, sub = av
            repeats = high is _sre.MAXREPEAT or high > 1
            if repeats and inside_repeat:
                raise ExprRegexError("nested quantifiers are not allowed in patterns")
            _check(sub, inside_repeat=inside_repeat or repeats)
        elif name == "BRANCH":
            if inside_repeat:
                raise ExprRegexError("alternation inside a repeat is not allowed in patterns")
            for branch in av[1]:
                _check(branch, inside_repeat=inside_repeat)
        elif name == "SUBPATTERN":
            _check(av[-1], inside_repeat=inside_repeat)
        elif name in ("ASSERT", "ASSERT_NOT"):
            _check(av[1], inside_repeat=inside_repeat)
        elif name == "ATOMIC_GROUP":
            _check(av, inside_repeat=inside_repeat)
