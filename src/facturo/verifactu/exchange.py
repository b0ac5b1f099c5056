"""An invoice in another currency, converted into euros before it becomes an AEAT record.

Port of gobl ``bill/invoice_convert.go`` (``Invoice.ConvertInto``), ``bill/exchange.go`` and
``currency/exchange.go`` (``MatchExchangeRate``) (7a4ad62). The AEAT takes every amount in
euros, and the ``es-verifactu-v1`` addon accepts another currency only when the invoice carries
an exchange rate into EUR (GOBL-ES-VERIFACTU-BILL-INVOICE-16), so the record is built from the
invoice as gobl converts it:

- the rate is the first ``exchange_rates[]`` entry whose ``from`` is the invoice currency and
  whose ``to`` is EUR; gobl takes no inverse or chained rate;
- the lowest amounts are exchanged, never the totals: each line's item price (a price the item
  already states in EUR, in ``alt_prices``, wins over the rate), and the amounts of line and
  document discounts and charges. Each is first given two more decimals and then multiplied by
  the rate, keeping that exponent and rounding half away from zero
  (``Upscale(2).Multiply(rate)``; ``defaultCurrencyConversionAccuracy``); outlays and payment
  advances are brought back to their own decimals afterwards (``Downscale(2)``);
- the invoice's currency becomes EUR and the whole document is calculated again, so sums,
  tax bases, VAT and totals are gobl's own EUR figures, rounded where gobl rounds them.

Where this differs from the Go code and why: sub-lines (``breakdown``, ``substituted``) are
exchanged like lines, and a modifier's ``base`` and ``rate`` (money, unlike ``percent``) are
exchanged with its ``amount``, because the calculation derives a line's price and a
modifier's amount from them and would otherwise mix currencies. As in gobl, ``preceding[]``
is left as written: the original invoice's amounts of a substitutive corrective
(ImporteRectificacion) are read as the issuer gives them.

The document is only read: the conversion works on a copy.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from facturo.gobl import calculate
from facturo.gobl.num import Amount

EUR: Final = "EUR"
#: Decimals added to an amount before it is multiplied by the rate (gobl bill/exchange.go).
ACCURACY: Final = 2


def match_rate(doc: Mapping[str, Any], to: str = EUR) -> tuple[int, Mapping[str, Any]] | None:
    """The index and entry of the first ``exchange_rates[]`` from the invoice currency to ``to``.

    ``None`` when the invoice is already in ``to`` or no entry converts into it.
    """
    currency = doc.get("currency") or to
    if currency == to:
        return None
    rates = doc.get("exchange_rates")
    for i, rate in enumerate(rates if isinstance(rates, list) else ()):
        if isinstance(rate, Mapping) and rate.get("from") == currency and rate.get("to") == to:
            return i, rate
    return None


def _exchange(value: Any, rate: Amount, *, downscale: bool = False) -> str:
    amount = Amount.parse(value).upscale(ACCURACY).multiply(rate)
    return str(amount.downscale(ACCURACY) if downscale else amount)


def _modifiers(rows: Any, rate: Amount) -> None:
    for row in rows if isinstance(rows, list) else ():
        if isinstance(row, dict):
            for key in ("amount", "base", "rate"):
                if row.get(key) is not None:
                    row[key] = _exchange(row[key], rate)


def _line(line: Any, source: str, rate: Amount) -> None:
    if not isinstance(line, dict):
        return
    for sub in (*(line.get("breakdown") or ()), *(line.get("substituted") or ())):
        _line(sub, source, rate)
    _modifiers(line.get("discounts"), rate)
    _modifiers(line.get("charges"), rate)
    item = line.get("item")
    if not isinstance(item, dict) or item.get("price") is None:
        return
    alts = [*(item.get("alt_prices") or ()), {"currency": source, "value": item["price"]}]
    euro = next((i for i, alt in enumerate(alts) if alt.get("currency") == EUR), None)
    if euro is not None:
        item["price"] = alts.pop(euro)["value"]
    else:
        item["price"] = _exchange(item["price"], rate)
    item["alt_prices"] = alts
    if item.get("currency"):
        item["currency"] = EUR


def convert_into_eur(doc: Mapping[str, Any], rate: Amount) -> dict[str, Any]:
    """``doc`` (a calculated GOBL invoice) with its amounts in euros, calculated again.

    ``rate`` is how much one unit of the invoice currency is worth in euros. Raises
    :class:`~facturo.gobl.GoblError` when gobl cannot calculate the converted invoice, and
    ``ValueError`` (``InvalidAmount``) for an amount that is not a decimal string.
    """
    out: dict[str, Any] = copy.deepcopy(dict(doc))
    source = str(out.get("currency"))
    for line in out.get("lines") or ():
        _line(line, source, rate)
    _modifiers(out.get("discounts"), rate)
    _modifiers(out.get("charges"), rate)
    for outlay in out.get("outlays") or ():
        if isinstance(outlay, dict) and outlay.get("amount") is not None:
            outlay["amount"] = _exchange(outlay["amount"], rate, downscale=True)
    payment = out.get("payment")
    if isinstance(payment, dict):
        for advance in payment.get("advances") or ():
            if isinstance(advance, dict) and advance.get("amount") is not None:
                advance["amount"] = _exchange(advance["amount"], rate, downscale=True)
    out["currency"] = EUR
    out.pop("totals", None)
    return calculate(out)


__all__ = ["ACCURACY", "EUR", "convert_into_eur", "match_rate"]
