"""Port of gobl tax/rounding_rules.go (7a4ad62).

``precise`` (gobl's default, and Spain's) keeps two extra decimals on line amounts and rounds
totals once at the end, so the printed totals are the exact tax of the exact base even when the
printed lines do not add up to them. ``currency`` rounds each line, discount, base and tax to the
currency's subunits before summing, matching tools that total rounded lines, at the cost of
drifting from the exact tax. Legacy names ``sum-then-round``/``round-then-sum`` map onto them.
"""

from __future__ import annotations

from typing import Final

from facturo.gobl.num import Amount

PRECISE: Final = "precise"
CURRENCY: Final = "currency"
LEGACY: Final = {"sum-then-round": PRECISE, "round-then-sum": CURRENCY}
VALID: Final = frozenset({PRECISE, CURRENCY})


class Rounding:
    """The rounding rule bound to a currency's subunits."""

    __slots__ = ("line_exp", "precise", "subunits", "zero")

    def __init__(self, rule: str, subunits: int) -> None:
        self.precise = rule != CURRENCY
        self.subunits = subunits
        self.zero = Amount(0, subunits)
        # exponent line prices are widened to before multiplying
        self.line_exp = subunits + 2 if self.precise else subunits

    def apply(self, a: Amount) -> Amount:
        """Precise keeps every decimal (at least the currency's); currency rounds to it."""
        return a.rescale_up(self.subunits) if self.precise else a.rescale(self.subunits)

    def match(self, a: Amount, b: Amount) -> Amount:
        """Prepare ``a`` to receive ``b``: precise widens ``a``; currency leaves it to round."""
        return a.match_precision(b) if self.precise else a
