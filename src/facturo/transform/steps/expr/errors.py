"""Errors of the workflow expression language, each with a stable ``code``.

A syntax error is found when the workflow is saved (it carries the ``offset`` of the offending
character, so the 422 names the exact spot); the others happen while a job runs, on data the
workflow author could not see, and become a step's KO code::

    facturo.errors.Invalid
    └── ExprError                 code
        ├── ExprSyntaxError       expr.syntax      bad token, bad grammar, unknown function
        ├── ExprTooLarge          expr.too_large   longer or deeper than the limits
        └── ExprEvalError         expr.eval        evaluation failed
            ├── ExprTypeError     expr.type        an operator met values it does not take
            ├── ExprNilError      expr.nil         a field read from nil without ``?.``
            ├── ExprIndexError    expr.index       an index outside a list
            ├── ExprRegexError    expr.regex       a pattern refused by the regex guard
            └── ExprLimitExceeded expr.limit       the step or size budget ran out
"""

from __future__ import annotations

from facturo.errors import Invalid


class ExprError(Invalid):
    """The expression could not be compiled or evaluated."""

    code = "expr.error"


class ExprSyntaxError(ExprError):
    """The expression is not valid syntax."""

    code = "expr.syntax"

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        self.reason = message
        super().__init__(f"{message} (at offset {offset})")


class ExprTooLarge(ExprSyntaxError):
    """The expression is longer or more deeply nested than workflows allow."""

    code = "expr.too_large"


class ExprEvalError(ExprError):
    """The expression failed while evaluating."""

    code = "expr.eval"


class ExprTypeError(ExprEvalError):
    """An operator or function met a value of a type it does not take."""

    code = "expr.type"


class ExprNilError(ExprEvalError):
    """A field was read from nil; use ``?.`` to read through missing values."""

    code = "expr.nil"


class ExprIndexError(ExprEvalError):
    """A list index is out of range."""

    code = "expr.index"


class ExprRegexError(ExprEvalError):
    """The regular expression is invalid or could backtrack without bound."""

    code = "expr.regex"


class ExprLimitExceeded(ExprEvalError):
    """The evaluation ran past its step or size budget."""

    code = "expr.limit"
