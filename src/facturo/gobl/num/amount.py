"""Port of gobl num/amount.go (7a4ad62).

An :class:`Amount` is an integer ``value`` and a decimal exponent ``exp`` (value x 10^-exp). The
exponent carries meaning: it is kept through arithmetic and printed exactly, so ``"90.00"``
stays ``"90.00"``. Operations take the exponent of the **left** operand, rounding the right
one into it, which is why gobl's sums start from a zero and call :meth:`Amount.match_precision`.

Where Python differs from Go:

* values are Python ints, so there is no int64 overflow; gobl's saturation and
  "reduce the exponent to fit" paths (issue #844) are not reproduced. Invoice amounts never get
  near 9.2e18 minor units;
* there is no float constructor at all: amounts come from strings, ints or exact ``Decimal``
  (JSON numbers are kept as their text by the parser).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

MAX_DIGITS: Final = 18
"""gobl limits amounts to 18 significant digits so that they fit an int64."""


_PLAIN: Final = re.compile(r"(-?)([0-9]+)(?:\.([0-9]*))?\Z")


class InvalidAmount(ValueError):
    """The text is not a decimal number gobl would accept."""


def rounded_div(n: int, d: int) -> int:
    """Divide rounding half away from zero (gobl ``roundedDiv``), never half to even."""
    if d == 0:
        return 0
    neg = (n < 0) != (d < 0)
    q, r = divmod(abs(n), abs(d))
    if 2 * r >= abs(d):
        q += 1
    return -q if neg else q


class _Powers(dict[int, int]):
    """``10**e`` by exponent: one lookup on the hot paths, made on first use past the table."""

    def __missing__(self, e: int) -> int:
        v: int = 10**e
        if e < 1024:
            self[e] = v
        return v


POW10: Final = _Powers((i, 10**i) for i in range(64))
"""Powers of ten for the integer arithmetic of calculation (``POW10[e]``)."""


def round_pow10(n: int, e: int) -> int:
    """``rounded_div(n, 10**e)`` for ``e > 0``: the divisor is positive, so only ``n``'s sign
    matters. The hot path of every multiplication, and of calculation on integers."""
    d = POW10[e]
    if n >= 0:
        q, r = divmod(n, d)
        return q + 1 if r + r >= d else q
    q, r = divmod(-n, d)
    return -(q + 1) if r + r >= d else -q


def rescale_int(value: int, exp: int, to: int) -> int:
    """``Amount(value, exp).rescale(to).value``: widening is exact, shrinking rounds."""
    if to >= exp:
        return value * POW10[to - exp] if to > exp else value
    return round_pow10(value, exp - to)


_new: Final = object.__new__


def amount_at(value: int, exp: int, to: int) -> Amount:
    """``make_amount(value, exp).rescale(to)`` without making the first amount.

    Calculation keeps exact totals as integers and rounds each to the currency once; this is
    that rounding (half away from zero, written out as in :meth:`Amount.rescale`).
    """
    a = _new(Amount)
    if exp > to:
        d = POW10[exp - to]
        if value >= 0:
            q, r = divmod(value, d)
            a._value = q + 1 if r + r >= d else q
        else:
            q, r = divmod(-value, d)
            a._value = -(q + 1) if r + r >= d else -q
    elif exp < to:
        a._value = value * POW10[to - exp]
    else:
        a._value = value
    a._exp = to
    return a


def make_amount(value: int, exp: int) -> Amount:
    """An amount from its integer and a non-negative exponent, without checks.

    For calculation code that works on integers and knows the exponent is valid.
    """
    a = _new(Amount)
    a._value = value
    a._exp = exp
    return a


class Amount:
    """Immutable decimal with a meaningful exponent (``value`` x 10^-``exp``).

    Immutability is by interface (read-only properties over slots) rather than a frozen
    dataclass: amounts are created on every arithmetic step, and ``object.__setattr__`` on
    each construction doubled the cost of the calculation benchmark.
    """

    __slots__ = ("_exp", "_value")

    _value: int
    _exp: int

    def __init__(self, value: int, exp: int = 0) -> None:
        if exp < 0:
            raise InvalidAmount(f"negative exponent {exp}")
        self._value = value
        self._exp = exp

    @classmethod
    def _make(cls, value: int, exp: int) -> Amount:
        a = object.__new__(cls)
        a._value = value
        a._exp = exp
        return a

    # construction ------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str | int | Decimal) -> Amount:
        """Read an amount from JSON text, an int or an exact Decimal (``AmountFromString``)."""
        if isinstance(text, bool):
            raise InvalidAmount(f"invalid amount {text!r}")
        if isinstance(text, int):
            return cls._make(text, 0)
        if isinstance(text, Decimal):
            text = _decimal_text(text)
        if not isinstance(text, str):
            raise TypeError(f"amounts are never built from {type(text).__name__}")
        return cls._from_string(text)

    @classmethod
    def _from_string(cls, text: str) -> Amount:
        m = _PLAIN.match(text)
        if m is not None:  # the common case: sign, digits, optional fraction, within budget
            major, minor = m.group(2), m.group(3) or ""
            if len(major) + len(minor) <= MAX_DIGITS:
                value = int(major + minor)
                return cls._make(-value if m.group(1) else value, len(minor))
        if text == "":
            raise InvalidAmount("empty amount")
        neg = text.startswith("-")
        body = text[1:] if neg else text
        parts = body.split(".")
        if len(parts) > 2:
            raise InvalidAmount(f"invalid amount '{text}'")
        major = parts[0]
        minor = parts[1] if len(parts) == 2 else ""
        if not major.isascii() or not major.isdigit():
            raise InvalidAmount(f"invalid major number '{major}'")
        if minor and (not minor.isascii() or not minor.isdigit()):
            raise InvalidAmount(f"invalid minor number '{minor}'")
        significant = len(major.lstrip("0"))
        if significant > MAX_DIGITS:
            raise InvalidAmount(f"too many digits ({significant})")
        # decimals beyond the 18 digit budget are truncated, not rounded, as gobl does
        minor = minor[: MAX_DIGITS - significant]
        value = int(major + minor)
        return cls._make(-value if neg else value, len(minor))

    # accessors ---------------------------------------------------------------------------

    @property
    def value(self) -> int:
        return self._value

    @property
    def exp(self) -> int:
        return self._exp

    def is_zero(self) -> bool:
        return self._value == 0

    def is_negative(self) -> bool:
        return self._value < 0

    def is_positive(self) -> bool:
        return self._value > 0

    # scale -------------------------------------------------------------------------------

    def rescale(self, exp: int) -> Amount:
        """Change the exponent, rounding half away from zero when it shrinks."""
        e = self._exp
        if exp == e:
            return self
        a = _new(Amount)
        if exp > e:
            a._value = self._value * POW10[exp - e]
        else:  # round_pow10, written out: rescaling is the hottest call of a calculation
            n = self._value
            d = POW10[e - exp]
            if n >= 0:
                q, r = divmod(n, d)
                a._value = q + 1 if r + r >= d else q
            else:
                q, r = divmod(-n, d)
                a._value = -(q + 1) if r + r >= d else -q
        a._exp = exp
        return a

    def rescale_up(self, exp: int) -> Amount:
        """Only ever add zeros: the result has at least ``exp`` decimals."""
        e = self._exp
        if exp <= e:
            return self
        a = _new(Amount)
        a._value = self._value * POW10[exp - e]
        a._exp = exp
        return a

    def rescale_down(self, exp: int) -> Amount:
        """Only ever round: the result has at most ``exp`` decimals."""
        e = self._exp
        if exp >= e:
            return self
        a = _new(Amount)
        n = self._value  # round_pow10, written out as in rescale
        d = POW10[e - exp]
        if n >= 0:
            q, r = divmod(n, d)
            a._value = q + 1 if r + r >= d else q
        else:
            q, r = divmod(-n, d)
            a._value = -(q + 1) if r + r >= d else -q
        a._exp = exp
        return a

    def rescale_range(self, low: int, high: int) -> Amount:
        if self._exp < low:
            return self.rescale(low)
        if self._exp > high:
            return self.rescale(high)
        return self

    def upscale(self, extra: int) -> Amount:
        return self.rescale(self._exp + extra)

    def downscale(self, fewer: int) -> Amount:
        return self.rescale(max(self._exp - fewer, 0))

    def match_precision(self, other: Amount) -> Amount:
        return self.rescale(other._exp) if other._exp > self._exp else self

    # arithmetic (result keeps the left exponent) ----------------------------------------

    def add(self, other: Amount) -> Amount:
        o = other if other._exp == self._exp else other.rescale(self._exp)
        a = _new(Amount)
        a._value = self._value + o._value
        a._exp = self._exp
        return a

    def subtract(self, other: Amount) -> Amount:
        o = other if other._exp == self._exp else other.rescale(self._exp)
        a = _new(Amount)
        a._value = self._value - o._value
        a._exp = self._exp
        return a

    sub = subtract

    def multiply(self, other: Amount) -> Amount:
        a = _new(Amount)
        oe = other._exp
        n = self._value * other._value
        a._value = round_pow10(n, oe) if oe else n
        a._exp = self._exp
        return a

    def divide(self, other: Amount) -> Amount:
        """Divide keeping this exponent; dividing by zero gives zero, as in gobl."""
        if other._value == 0:
            return Amount._make(0, self._exp)
        return Amount._make(rounded_div(self._value * POW10[other._exp], other._value), self._exp)

    def split(self, parts: int) -> tuple[Amount, Amount]:
        """Split into ``parts`` equal shares: (share, the last share absorbing the remainder)."""
        share = self.divide(Amount._make(parts, 0))
        rest = self.subtract(share.multiply(Amount._make(parts - 1, 0)))
        return share, rest

    def negate(self) -> Amount:
        return Amount._make(-self._value, self._exp)

    invert = negate

    def abs(self) -> Amount:
        return Amount._make(abs(self._value), self._exp)

    def remove(self, percent: object) -> Amount:
        """Remove a percentage that is included in this amount (``a / (1 + p)``)."""
        from facturo.gobl.num.percentage import Percentage

        if not isinstance(percent, Percentage):
            raise TypeError("remove expects a Percentage")
        return self.divide(percent.factor())

    # comparison --------------------------------------------------------------------------

    def compare(self, other: Amount) -> int:
        if self._exp == other._exp:  # the common case: no widening needed
            a, b = self._value, other._value
            return (a > b) - (a < b)
        e = max(self._exp, other._exp)
        a = self._value * POW10[e - self._exp]
        b = other._value * POW10[e - other._exp]
        return (a > b) - (a < b)

    def equals(self, other: Amount) -> bool:
        if self._exp == other._exp:
            return self._value == other._value
        return self.compare(other) == 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Amount):
            return NotImplemented
        return self.compare(other) == 0

    def __hash__(self) -> int:
        v, e = self._value, self._exp
        while e > 0 and v % 10 == 0:
            v //= 10
            e -= 1
        return hash((v, e))

    # text --------------------------------------------------------------------------------

    def __str__(self) -> str:
        v, e = self._value, self._exp
        if e == 0:
            return str(v)
        # f-strings join the parts in one step (faster than chained ``+``; every amount of
        # every built document is written through here)
        if v >= 0:
            digits = str(v)
            if len(digits) > e:
                return f"{digits[:-e]}.{digits[-e:]}"
            return f"0.{digits.rjust(e, '0')}"
        digits = str(-v)
        if len(digits) > e:
            return f"-{digits[:-e]}.{digits[-e:]}"
        return f"-0.{digits.rjust(e, '0')}"

    def minimal_string(self) -> str:
        """The shortest text for the value: trailing decimal zeros dropped."""
        v, e = self._value, self._exp
        while e > 0 and v % 10 == 0:
            v //= 10
            e -= 1
        return str(Amount._make(v, e))

    def __repr__(self) -> str:
        return f"Amount({str(self)!r})"

    def to_json(self) -> str:
        return str(self)


def _decimal_text(d: Decimal) -> str:
    """Plain (non-scientific) text of an exact Decimal, keeping its scale."""
    if not d.is_finite():
        raise InvalidAmount(f"invalid amount {d}")
    return f"{d:f}"


ZERO: Final = Amount(0, 0)
