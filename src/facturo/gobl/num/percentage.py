"""Port of gobl num/percentage.go (7a4ad62).

A :class:`Percentage` holds the *fraction* as an :class:`Amount` (21 % is 0.21). The ``%`` sign
matters when reading: ``"21%"`` is 0.21 with exponent 2, ``"21.0%"`` is 0.210, but ``"0.21"``
without a sign is taken as the fraction itself. Printing multiplies back by 100 keeping the
exponent, so the input form round-trips (``"21%"`` stays ``"21%"``, regime rates print
``"21.0%"``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from facturo.gobl.num.amount import Amount

_ONE: Final = Amount(1, 0)
_HUNDRED: Final = Amount(100, 0)


class Percentage:
    """Immutable percentage; equality is numeric (``21%`` equals ``21.0%``)."""

    __slots__ = ("_amount", "_text")

    _amount: Amount
    _text: str

    def __init__(self, value: int, exp: int = 0) -> None:
        object.__setattr__(self, "_amount", Amount(value, exp))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Percentage is immutable")

    # Immutable, so a copy may be the object itself; the default protocol would go through
    # ``__setattr__`` and fail. Pickling rebuilds from the fraction (the cached text is lost).
    def __copy__(self) -> Percentage:
        return self

    def __deepcopy__(self, memo: object) -> Percentage:
        return self

    def __reduce__(self) -> tuple[object, tuple[int, int]]:
        return (Percentage, (self._amount.value, self._amount.exp))

    @classmethod
    def of_amount(cls, amount: Amount) -> Percentage:
        p = object.__new__(cls)
        object.__setattr__(p, "_amount", amount)
        return p

    @classmethod
    def parse(cls, text: str | int | Decimal) -> Percentage:
        """Read ``"21.0%"`` (percent) or ``"0.210"`` (fraction), as ``PercentageFromString``."""
        if isinstance(text, str) and text.endswith("%"):
            a = Amount.parse(text[:-1])
            return cls.of_amount(a.rescale(a.exp + 2).divide(_HUNDRED))
        return cls.of_amount(Amount.parse(text))

    @property
    def amount(self) -> Amount:
        """The fraction (0.210 for 21.0 %)."""
        return self._amount

    @property
    def value(self) -> int:
        return self._amount.value

    @property
    def exp(self) -> int:
        return self._amount.exp

    def is_zero(self) -> bool:
        return self._amount._value == 0

    def of(self, a: Amount) -> Amount:
        """This percentage of ``a``, at ``a``'s exponent."""
        return a.multiply(self._amount)

    def from_(self, a: Amount) -> Amount:
        """The part of ``a`` that this percentage already added (``a - a / factor``)."""
        return a.subtract(a.divide(self.factor()))

    def factor(self) -> Amount:
        """1 + fraction (1.210 for 21.0 %), used to remove included tax."""
        return self._amount.add(_ONE)

    def rescale(self, exp: int) -> Percentage:
        return Percentage.of_amount(self._amount.rescale(exp))

    def equals(self, other: Percentage) -> bool:
        a, b = self._amount, other._amount
        if a._exp == b._exp:  # Amount.equals inlined: tax rows compare percentages per combo
            return a._value == b._value
        return a.compare(b) == 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Percentage):
            return NotImplemented
        return self._amount.equals(other._amount)

    def __hash__(self) -> int:
        return hash(("%", self._amount))

    def __str__(self) -> str:
        # kept once made: the same few percentages (regime rates, parsed texts) are shared
        # and written on every line of every document
        try:
            return self._text
        except AttributeError:
            pass
        a = self._amount
        if a.exp >= 2:  # x 100 then two decimals fewer: the same digits, exact
            text = str(Amount._make(a.value, a.exp - 2)) + "%"
        else:
            text = str(a.multiply(_HUNDRED).rescale(0)) + "%"
        object.__setattr__(self, "_text", text)
        return text

    def string_without_symbol(self) -> str:
        return str(self._amount)

    def __repr__(self) -> str:
        return f"Percentage({str(self)!r})"

    def to_json(self) -> str:
        return str(self)
