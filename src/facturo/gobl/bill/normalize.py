"""Port of the normalizers gobl runs over a bill document (``norm`` engine, 7a4ad62).

gobl walks the object graph depth-first, children before parents, running each type's own
normalizer and then the regime/addon ones. The port does the same walk over the parts of a bill
document that have normalizers: tax combos, line discounts and charges, lines (negative prices),
tax identities (by their own country's regime), and ``ext`` maps (empty codes dropped).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from facturo.gobl.num import Amount
from facturo.gobl.regimes.es.tax_identity import normalize_code as es_normalize_code
from facturo.gobl.tax.combo import normalize_combo

ComboNormalizer = Callable[[dict[str, Any]], None]

_CODE_FIELDS = ("series", "code")


def normalize_code(text: str) -> str:
    """``cbc.Code`` normalization: NFC, printable characters only, trimmed."""
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch.isprintable()).strip()


def _clean_ext(obj: dict[str, Any]) -> None:
    ext = obj.get("ext")
    if ext is None:
        return
    clean = {k: v for k, v in ext.items() if v}
    if clean:
        obj["ext"] = clean
    else:
        del obj["ext"]


def normalize_tax_identity(tid: dict[str, Any]) -> None:
    code = tid.get("code")
    if tid.get("country") == "ES" and isinstance(code, str) and code:
        tid["code"] = es_normalize_code(code)
    elif isinstance(code, str):
        tid["code"] = "".join(ch for ch in code.upper() if ch.isalnum())


def normalize_party(party: dict[str, Any] | None) -> None:
    if not party:
        return
    if isinstance(party.get("name"), str):
        party["name"] = party["name"].strip()
    tid = party.get("tax_id")
    if tid:
        normalize_tax_identity(tid)
    for ident in party.get("identities") or ():
        _clean_ext(ident)
    _clean_ext(party)


def _empty_modifier(m: dict[str, Any]) -> bool:
    if m.get("key") or m.get("code") or m.get("reason") or m.get("ext"):
        return False
    pct = m.get("percent")
    if pct is not None and not pct.is_zero():
        return False
    amount: Amount | None = m.get("amount")
    return amount is None or amount.is_zero()


def _combos(holder: dict[str, Any], extra: Iterable[ComboNormalizer]) -> None:
    taxes = holder.get("taxes")
    if taxes is None:
        return
    taxes = [c for c in taxes if c]
    for combo in taxes:
        normalize_combo(combo)
        for fn in extra:
            fn(combo)
        _clean_ext(combo)
    holder["taxes"] = taxes


def _normalize_line(line: dict[str, Any], extra: list[ComboNormalizer]) -> None:
    for sub in (*(line.get("breakdown") or ()), *(line.get("substituted") or ())):
        _normalize_line(sub, extra)
    for k in ("discounts", "charges"):
        mods = line.get(k)
        if mods is not None:
            line[k] = [m for m in mods if m and not _empty_modifier(m)]
            for m in line[k]:
                _clean_ext(m)
    _combos(line, extra)
    item = line.get("item")
    if item:
        if isinstance(item.get("name"), str):
            item["name"] = item["name"].strip()
        price: Amount | None = item.get("price")
        if price is not None and price.is_negative():
            item["price"] = price.negate()
            q: Amount = line.get("quantity") or Amount(0, 0)
            line["quantity"] = q.negate()
        _clean_ext(item)
    _clean_ext(line)


def normalize_document(doc: dict[str, Any], *, combo_normalizers: list[ComboNormalizer]) -> None:
    for k in _CODE_FIELDS:
        if isinstance(doc.get(k), str):
            doc[k] = normalize_code(doc[k])
    normalize_party(doc.get("supplier"))
    normalize_party(doc.get("customer"))
    for ref in doc.get("preceding") or ():
        for k in _CODE_FIELDS:
            if isinstance(ref.get(k), str):
                ref[k] = normalize_code(ref[k])
        _clean_ext(ref)
    lines = doc.get("lines")
    if lines is not None:
        doc["lines"] = [ln for ln in lines if ln]
        for line in doc["lines"]:
            _normalize_line(line, combo_normalizers)
    for k in ("discounts", "charges"):
        for m in doc.get(k) or ():
            _combos(m, combo_normalizers)
            _clean_ext(m)
    for n in doc.get("notes") or ():
        if isinstance(n.get("text"), str):
            n["text"] = n["text"].strip()
    tax = doc.get("tax")
    if tax is not None:
        _clean_ext(tax)
