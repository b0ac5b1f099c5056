"""Port of the normalizers gobl runs over a bill document (``norm`` engine, 7a4ad62).

gobl walks the object graph depth-first, children before parents, running each type's own
normalizer and then the regime/addon ones. The port does the same walk over the parts of a bill
document that have normalizers: tax combos, line discounts and charges, lines (negative prices),
tax identities (by their own country's regime), and ``ext`` maps (empty codes dropped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from facturo.gobl.codes import code_children, code_members, normalize_code, normalize_codes
from facturo.gobl.num import Amount, Percentage
from facturo.gobl.regimes.es.tax_identity import normalize_code as es_normalize_code
from facturo.gobl.regimes.identity_codes import normalize_identity
from facturo.gobl.schema.registry import Node, node_for, schema_id
from facturo.gobl.tax.combo import normalize_combo

ComboNormalizer = Callable[[dict[str, Any]], None]

_CODE_FIELDS = ("series", "code")


def _clean_ext(obj: dict[str, Any]) -> None:
    ext = obj.get("ext")
    if ext is None:
        return
    if all(ext.values()):  # nothing to drop: the decoded tree owns this dict, keep it
        if not ext:
            del obj["ext"]
        return
    clean = {k: v for k, v in ext.items() if v}
    if clean:
        obj["ext"] = clean
    else:
        del obj["ext"]


# Spanish tax codes repeat (the same supplier on every invoice); normalizing is a pure function
# of the text, so results are kept in a table emptied when full.
_ES_CODES: dict[str, str] = {}


def _es_code(code: str) -> str:
    out = _ES_CODES.get(code)
    if out is None:
        out = es_normalize_code(code)
        if len(_ES_CODES) >= 4096:
            _ES_CODES.clear()
        _ES_CODES[code] = out
    return out


def normalize_tax_identity(tid: dict[str, Any]) -> None:
    """A tax identity normalized by its own country's regime (Spain's codes remembered)."""
    code = tid.get("code")
    if tid.get("country") == "ES" and code.__class__ is str and code:
        tid["code"] = _es_code(code)
    else:
        normalize_identity(tid)
    if "scheme" in tid:
        _scheme(tid)


def _scheme(tid: dict[str, Any]) -> None:
    scheme = tid["scheme"]
    if scheme.__class__ is str:
        tid["scheme"] = normalize_code(scheme)


def normalize_party(party: dict[str, Any] | None) -> None:
    if not party:
        return
    name = party.get("name")
    if name.__class__ is str:
        party["name"] = name.strip()
    tid = party.get("tax_id")
    if tid:
        code = tid.get("code")
        if code.__class__ is str and code and tid.get("country") == "ES":
            # normalize_tax_identity's Spanish path (most parties), without the call
            out = _ES_CODES.get(code)
            tid["code"] = out if out is not None else _es_code(code)
            if "scheme" in tid:
                _scheme(tid)
        else:
            normalize_tax_identity(tid)
    for ident in party.get("identities") or ():
        _clean_ext(ident)
    if "ext" in party:
        _clean_ext(party)
    if not _rare("org/party").isdisjoint(party):  # identities, addresses, inboxes, people
        normalize_codes(party, _node("org/party"))


# A type's members that hold codes, other than those its normalizer reads itself; a value with
# none of them (most lines, items and parties) needs no walk. Per schema path, made once.
_RARE: dict[str, frozenset[str]] = {}
_HANDLED: Final = {
    "org/party": frozenset(["tax_id"]),
    "bill/line": frozenset(["item", "taxes", "discounts", "charges"]),
    "org/item": frozenset(),
}


def _node(path: str) -> Node:
    node = node_for(schema_id(path))
    assert node is not None, path
    return node


def _rare(path: str) -> frozenset[str]:
    found = _RARE.get(path)
    if found is None:
        found = _RARE[path] = code_members(_node(path)) - _HANDLED[path]
    return found


def _empty_modifier(m: dict[str, Any]) -> bool:
    """Nothing but zeros (the percent is tested first: most modifiers are a percent)."""
    pct = m.get("percent")
    if pct is not None and not pct.is_zero():
        return False
    if m.get("key") or m.get("code") or m.get("reason") or m.get("ext"):
        return False
    amount: Amount | None = m.get("amount")
    return amount is None or amount.is_zero()


def normalize_combo_chain(combo: dict[str, Any], extra: Iterable[ComboNormalizer]) -> None:
    """A combo's own normalizer, then the addons' in order, then its empty ext codes dropped."""
    normalize_combo(combo)
    for fn in extra:
        fn(combo)
    if "ext" in combo:
        _clean_ext(combo)


# Normalizing a combo is a pure function of its members and of the addons' normalizers, and
# an invoice's lines repeat the same few combos (``{"cat": "VAT", "rate": "standard"}``), so
# results are kept per normalizers (one table for each tuple of them, a document's tuple being
# looked up once) and members. Only combos whose members are all text are looked up: texts
# compare exactly, where percentages compare by value ("21%" equals "21.0%" but prints
# differently). A kept result holds texts and immutable values, with its ``ext`` map of texts
# beside it (copied on use); tables are emptied when full.
_Kept = tuple[dict[str, Any], dict[str, Any] | None]
_NORMALIZED: dict[tuple[ComboNormalizer, ...], dict[tuple[Any, ...], _Kept]] = {}


def _table(extra: tuple[ComboNormalizer, ...]) -> dict[tuple[Any, ...], _Kept]:
    table = _NORMALIZED.get(extra)
    if table is None:
        if len(_NORMALIZED) >= 64:
            _NORMALIZED.clear()
        table = _NORMALIZED[extra] = {}
    return table


def _normalized(
    combo: dict[str, Any],
    extra: tuple[ComboNormalizer, ...],
    table: dict[tuple[Any, ...], _Kept],
) -> None:
    for v in combo.values():
        if v.__class__ is not str:
            normalize_combo_chain(combo, extra)
            return
    key = (*combo.items(),)
    done = table.get(key)
    if done is None:
        normalize_combo_chain(combo, extra)
        if all(k == "ext" or v.__class__ not in (dict, list) for k, v in combo.items()):
            if len(table) >= 4096:
                table.clear()
            kept = combo.copy()
            ext = combo.get("ext")
            if ext is not None:
                kept["ext"] = ext = ext.copy()  # the combo's own map stays the combo's
            table[key] = (kept, ext)
        return
    kept, ext = done
    combo.clear()
    combo.update(kept)
    if ext is not None:
        combo["ext"] = ext.copy()


def _combos(
    holder: dict[str, Any],
    extra: tuple[ComboNormalizer, ...],
    table: dict[tuple[Any, ...], _Kept],
) -> None:
    taxes = holder.get("taxes")
    if taxes is None:
        return
    if not all(taxes):  # empty combos are dropped; the decoded tree owns the list otherwise
        taxes = holder["taxes"] = [c for c in taxes if c]
    for combo in taxes:
        _normalized(combo, extra, table)


def _modifiers(line: dict[str, Any], k: str, mods: list[dict[str, Any]]) -> None:
    kept = [m for m in mods if m and not _empty_modifier(m)] if mods else []
    line[k] = kept
    for m in kept:
        if "ext" in m:
            _clean_ext(m)
        _code(m)


def _code(holder: dict[str, Any], k: str = "code") -> None:
    """A code member normalized, when it is text."""
    v = holder.get(k)
    if v.__class__ is str:
        holder[k] = normalize_code(v)


def _plain_percents(mods: list[dict[str, Any]]) -> bool:
    """Whether every modifier is a non-zero percent without ``ext`` or code: nothing to clean.

    The usual line discount (``{"percent": "5%"}``), for which :func:`_modifiers` would make
    an equal list; anything else (an empty or zero modifier, ``ext`` codes, a member of
    another type) is left to it.
    """
    for m in mods:
        if not m or m.__class__ is not dict or "ext" in m or "code" in m:
            return False
        pct = m.get("percent")
        if pct.__class__ is not Percentage or not pct._amount._value:
            return False
    return True


def _normalize_lines(
    lines: Iterable[dict[str, Any]],
    extra: tuple[ComboNormalizer, ...],
    table: dict[tuple[Any, ...], _Kept],
) -> None:
    """Each line's normalizers, children first.

    Runs for every line, so the loop is here (one call per list of lines), members are read
    once, a list of modifiers that has nothing to drop or clean (:func:`_plain_percents`),
    or an empty one, which the decoded tree owns, is left as it is rather than replaced by an
    equal one, and a combo that :func:`_normalized` has kept is looked up here, without a
    call.
    """
    line_rare = _rare("bill/line")
    for line in lines:
        if not line_rare.isdisjoint(line):  # sub-lines, a seller, an order, identifier, notes
            normalize_codes(line, _node("bill/line"))
            breakdown = line.get("breakdown")
            substituted = line.get("substituted")
            if breakdown or substituted:
                _normalize_lines((*(breakdown or ()), *(substituted or ())), extra, table)
            if "seller" in line:
                normalize_party(line["seller"])
        mods = line.get("discounts")
        if mods is not None and (
            mods.__class__ is not list or (mods and not _plain_percents(mods))
        ):
            _modifiers(line, "discounts", mods)
        mods = line.get("charges")
        if mods is not None and (
            mods.__class__ is not list or (mods and not _plain_percents(mods))
        ):
            _modifiers(line, "charges", mods)
        taxes = line.get("taxes")
        if taxes is not None:
            dropped = False  # empty combos are dropped after the loop, as all(taxes) is rare
            for combo in taxes:
                if not combo:
                    dropped = True
                    continue
                for v in combo.values():
                    if v.__class__ is not str:
                        normalize_combo_chain(combo, extra)
                        break
                else:
                    done = table.get((*combo.items(),))
                    if done is None:
                        _normalized(combo, extra, table)
                    else:
                        kept, ext = done
                        combo.clear()
                        combo.update(kept)
                        if ext is not None:
                            combo["ext"] = ext.copy()
            if dropped:
                line["taxes"] = [c for c in taxes if c]
        item = line.get("item")
        if item:
            # an item's members with codes (``_rare("org/item")``, two: tested by name, faster
            # than a set's test of every member of the item)
            if "ref" in item or "identities" in item:
                normalize_codes(item, _node("org/item"))
            name = item.get("name")
            if name.__class__ is str:
                item["name"] = name.strip()
            price: Amount | None = item.get("price")
            if price is not None and price._value < 0:
                item["price"] = price.negate()
                q: Amount = line.get("quantity") or Amount(0, 0)
                line["quantity"] = q.negate()
            if "ext" in item:
                _clean_ext(item)
        if "ext" in line:
            _clean_ext(line)


# The document's other parties, by the member that holds them: gobl normalizes every party of
# the document (its tax ID by its own country's regime), wherever it sits.
_PARTY_HOLDERS: Final = (
    ("ordering", ("buyer", "seller", "issuer")),
    ("payment", ("payee", "payer")),
    ("delivery", ("receiver",)),
)


# the document's members with codes that the normalizer reads itself
_DOCUMENT_HANDLED: Final = frozenset(
    ["supplier", "customer", "lines", "discounts", "charges", "notes", "tax"]
)
_Others = tuple[frozenset[str], tuple[tuple[str, Node, bool], ...]]
_OTHERS: dict[str, _Others] = {}


def _document_others(schema: str) -> _Others:
    """A document type's other members that hold codes, as a set and as walk entries."""
    found = _OTHERS.get(schema)
    if found is None:
        node = node_for(schema)
        entries = tuple(
            e for e in (code_children(node) if node else ()) if e[0] not in _DOCUMENT_HANDLED
        )
        found = (frozenset(e[0] for e in entries), entries)
        if len(_OTHERS) < 64:  # document types: a handful, but the text comes from documents
            _OTHERS[schema] = found
    return found


def normalize_document(
    doc: dict[str, Any], *, combo_normalizers: Iterable[ComboNormalizer]
) -> None:
    extra = tuple(combo_normalizers)
    table = _table(extra)
    for k in _CODE_FIELDS:
        v = doc.get(k)
        if v.__class__ is str:  # normalize_code's own fast test, without the call
            doc[k] = v.strip() if v.isascii() and v.isprintable() else normalize_code(v)
    normalize_party(doc.get("supplier"))
    normalize_party(doc.get("customer"))
    keys, others = _document_others(str(doc.get("$schema", "")))
    if not keys.isdisjoint(doc):  # ordering, payment, delivery, preceding, attachments: walked
        for k, sub, many in others:
            v = doc.get(k)
            if v:
                for x in v if many and v.__class__ is list else (v,):
                    normalize_codes(x, sub)
    for k, parties in _PARTY_HOLDERS:
        holder = doc.get(k)
        if holder:
            for who in parties:
                normalize_party(holder.get(who))
    refs = doc.get("preceding")
    if refs:
        for ref in refs:
            _clean_ext(ref)
    lines = doc.get("lines")
    if lines is not None:
        if not all(lines):  # empty lines are dropped; the decoded tree owns the list otherwise
            lines = doc["lines"] = [ln for ln in lines if ln]
        _normalize_lines(lines, extra, table)
    for k in ("discounts", "charges"):
        mods = doc.get(k)
        if mods:
            for m in mods:
                _combos(m, extra, table)
                _clean_ext(m)
                _code(m)
    notes = doc.get("notes")
    if notes:
        for n in notes:
            if isinstance(n.get("text"), str):
                n["text"] = n["text"].strip()
            _code(n)
    tax = doc.get("tax")
    if tax is not None:
        if "ext" in tax:
            _clean_ext(tax)
        if "prices_include" in tax:
            _code(tax, "prices_include")
        for n in tax.get("notes") or ():
            _code(n, "cat")
