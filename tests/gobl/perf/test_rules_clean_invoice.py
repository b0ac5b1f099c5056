"""An invoice answered in one pass gets the general path's answer: no fault.

:func:`facturo.gobl.validate.document_faults` returns no fault for an invoice that
:func:`facturo.gobl.rules.clean_invoice.is_clean` sees through, and runs every rule set
(:func:`facturo.gobl.validate.rule_faults`) for any other. Invoices are drawn as input (regimes,
add-ons, currencies of 0, 2 and 3 decimals with exchange rates, prices with taxes included,
rounding models, discounts and charges in percent and amount and with a base, surcharges,
retained taxes, exemptions, simplified and corrective documents, parties with and without tax
IDs, identities and emails), calculated, and then damaged (members removed, blanked, given
values of other classes, unknown members added). For each, both entry points must give the
same faults in the same order, or the same error; and whenever the one-pass answer is "clean",
the general path must find nothing.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facturo.errors import Fault
from facturo.gobl import build, parse
from facturo.gobl.calculate import calculate_typed
from facturo.gobl.errors import GoblError
from facturo.gobl.num import Amount, Percentage
from facturo.gobl.rules import clean_invoice, clean_plan
from facturo.gobl.rules.clean_invoice import is_clean
from facturo.gobl.rules.registry import CORE_TYPE_CHECKS
from facturo.gobl.rules.walk import AllOf
from facturo.gobl.schema.codec import decode_document, encode_document_full
from facturo.gobl.validate import document_faults, rule_faults, typed_faults

EXAMPLES = (
    Path(__file__).resolve().parents[3].parent / "shared" / "data" / "gobl" / "examples" / "es"
)
U = "0190f3a0-0000-7000-8000-000000000000"

_NUMBERS = st.sampled_from(
    ["1", "2", "0", "-1", "10.95", "3.5", "0.333", "12.3456", "1000000", "-0.01", "7.125", "99.995"]
)
_PERCENTS = st.sampled_from(["5%", "10%", "12.5%", "0%", "100%", "33.333%"])
_MOD = st.one_of(
    st.fixed_dictionaries({"percent": _PERCENTS}),
    st.fixed_dictionaries({"percent": _PERCENTS, "base": _NUMBERS}),
    st.fixed_dictionaries({"amount": _NUMBERS}),
    st.fixed_dictionaries({"amount": _NUMBERS, "reason": st.just("promo")}),
)
_VAT = st.sampled_from(
    [
        {"cat": "VAT", "rate": "general"},
        {"cat": "VAT", "rate": "reduced"},
        {"cat": "VAT", "rate": "super-reduced"},
        {"cat": "VAT", "rate": "zero"},
        {"cat": "VAT", "key": "exempt", "ext": {"es-verifactu-exempt": "E1"}},
        {"cat": "VAT", "key": "exempt"},
        {"cat": "VAT", "rate": "general+eqs"},
        {"cat": "VAT", "percent": "21%"},
        {"cat": "VAT", "rate": "standard"},
        {"cat": "IGIC", "rate": "general"},
        {"cat": "VAT", "key": "reverse-charge"},
        {"cat": "VAT", "rate": "general", "ext": {"es-verifactu-regime": "01"}},
    ]
)
_RETAINED = st.sampled_from([{"cat": "IRPF", "percent": "15%"}, {"cat": "IRPF", "rate": "pro"}])
_PRICES = st.sampled_from(["10.95", "0", "1000000", "0.333", "12.3456", "7.125", "99.995"])
_ITEM = st.fixed_dictionaries(
    {"name": st.sampled_from(["Item", "Servicio ñ"]), "price": _PRICES | _NUMBERS},
    optional={
        "unit": st.sampled_from(["h", "kg", "service", "XYZ"]),
        "identities": st.sampled_from(
            [[{"type": "EAN", "code": "8412345678905"}], [{"type": "SKU"}]]
        ),
    },
)
_LINE = st.fixed_dictionaries(
    {
        "quantity": _NUMBERS,
        "item": _ITEM,
        "taxes": st.tuples(_VAT, st.lists(_RETAINED, max_size=1)).map(lambda t: [t[0], *t[1]]),
    },
    optional={
        "discounts": st.lists(_MOD, max_size=2),
        "charges": st.lists(_MOD, max_size=2),
        "period": st.sampled_from(
            [
                {"start": "2024-11-01", "end": "2024-11-30"},
                {"start": "2024-11-30", "end": "2024-11-01"},
                {"start": "2024-11-01"},
                {"start": "2024-11-01", "end": "2024-11-31"},
            ]
        ),
        "identifier": st.sampled_from([{"type": "REF", "code": "L1"}, {"type": "REF"}]),
        "notes": st.sampled_from([[{"key": "goods", "text": "Fragile"}], [{"key": "goods"}]]),
    },
)
_SUPPLIERS = st.sampled_from(
    [
        {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}},
        {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}},
        {
            "name": "Provide One S.L.",
            "tax_id": {"country": "ES", "code": "B98602642"},
            "emails": [{"addr": "billing@example.com"}],
            "addresses": [{"street": "Calle Mayor", "locality": "Madrid"}],
        },
        {"name": "Bad Code S.L.", "tax_id": {"country": "ES", "code": "B98602643"}},
        {
            "name": "Contacts S.L.",
            "tax_id": {"country": "ES", "code": "B98602642"},
            "telephones": [{"num": "+34 91 000 00 00"}],
            "websites": [{"url": "https://example.com"}],
            "inboxes": [{"email": "in@example.com"}, {"code": "0088:1"}],
            "endpoints": [{"uri": "https://api.example.com"}],
            "registration": {"entry": "1", "currency": "EUR"},
            "people": [
                {
                    "name": {"given": "Ana", "surname": "Pérez"},
                    "telephones": [{"num": "600"}],
                    "identities": [{"type": "DNI", "code": "1"}],
                }
            ],
        },
        {
            "name": "Bad Contacts S.L.",
            "tax_id": {"country": "ES", "code": "B98602642"},
            "telephones": [{"label": "no number"}],
            "websites": [{"url": "not a url"}],
            "inboxes": [{"email": "in@example.com", "code": "1"}, {"url": "nope"}],
            "endpoints": [{}],
            "registration": {"currency": "XXX"},
            "people": [{"name": {}}, {"name": {"given": "Ana"}, "telephones": [{}]}],
        },
        {"name": "Fournisseur", "tax_id": {"country": "FR", "code": "44732829320"}},
        {"name": "Portugal Lda", "tax_id": {"country": "PT", "code": "545259045"}},
    ]
)
_CUSTOMERS = st.sampled_from(
    [
        {"name": "Sample", "tax_id": {"country": "ES", "code": "54387763P"}},
        None,
        {"name": "Sample", "tax_id": {"country": "NL", "code": "000099995B57"}},
        {"name": "Walk-in"},
        {"name": "Mail", "emails": [{"addr": "a@b.es"}, {"addr": "not-an-email"}]},
        {"name": "Pass", "identities": [{"key": "passport", "code": "X123"}]},
        {"name": "Pass", "identities": [{"key": "passport", "country": "GB", "code": "X123"}]},
        {
            "name": "Foreign",
            "tax_id": {"country": "GB"},
            "identities": [{"key": "foreign", "country": "GB", "code": "GB123", "scope": "tax"}],
        },
        {"name": "Odd", "identities": [{"key": "a", "type": "b", "code": "1"}, {"code": ""}]},
        {"name": "Odd", "identities": [{"code": "1", "scope": "nope"}]},
        {"tax_id": {"country": "ES", "code": "54387763P"}},
    ]
)
_CURRENCY = st.sampled_from(
    [
        {},
        {},
        {},
        {"currency": "EUR"},
        {"currency": "USD", "exchange_rates": [{"from": "USD", "to": "EUR", "amount": "0.875"}]},
        {"currency": "JPY", "exchange_rates": [{"from": "JPY", "to": "EUR", "amount": "0.0061"}]},
        {"currency": "KWD", "exchange_rates": [{"from": "KWD", "to": "EUR", "amount": "2.98"}]},
        {"currency": "USD"},
    ]
)
_TAX = st.fixed_dictionaries(
    {},
    optional={
        "prices_include": st.just("VAT"),
        "rounding": st.sampled_from(["currency", "precise"]),
        "notes": st.sampled_from([[{"cat": "VAT", "text": "Exento"}], [{"cat": "VAT"}]]),
        "ext": st.sampled_from(
            [
                {"es-verifactu-doc-type": "F2"},
                {"es-verifactu-doc-type": "F3"},
                {"es-verifactu-doc-type": "R1", "es-verifactu-correction-type": "I"},
            ]
        ),
    },
)
_NOTES = st.sampled_from(
    [
        {"key": "general", "text": "Thanks"},
        {"key": "general", "text": "x" * 501},
        {"key": "legal", "text": "x" * 501},
        {"text": "plain"},
        {"key": "nope", "text": "x"},
        {"key": "general"},
    ]
)
_PAYMENT = st.fixed_dictionaries(
    {},
    optional={
        "terms": st.sampled_from(
            [
                {"key": "instant"},
                {"key": "due-date", "due_dates": [{"date": "2025-01-04", "percent": "100%"}]},
                {"key": "due-date", "due_dates": [{"date": "2025-01-04", "amount": "0"}]},
                {"key": "nope"},
                {"due_dates": [{"date": "2025-02-30", "amount": "10"}]},
            ]
        ),
        "instructions": st.sampled_from(
            [
                {"key": "credit-transfer", "credit_transfer": [{"iban": "ES25 0081 5"}]},
                {"key": "credit-transfer+sepa"},
                {"key": "card+nope"},
                {"key": "online", "online": [{"url": "https://pay.example.com"}]},
                {"detail": "no key"},
            ]
        ),
        "payee": st.just({"name": "Payee", "tax_id": {"country": "ES", "code": "B98602642"}}),
    },
)
_PRECEDING = st.sampled_from(
    [
        {"series": "A", "code": "1", "issue_date": "2024-11-01"},
        {
            "type": "invoice",
            "code": "2",
            "issue_date": "2024-11-02",
            "tax": {"categories": [{"code": "VAT", "rates": []}], "sum": "0.00"},
        },
        {"code": "3"},
        {"code": "4", "issue_date": "2024-11-31"},
        {"code": "5", "issue_date": "2024-11-01", "url": "not a url"},
        {"code": "6", "issue_date": "2024-11-01", "url": "https://example.com/6"},
        {"code": "7", "issue_date": "2024-11-01", "identities": [{"code": "X"}]},
        {"code": "8", "issue_date": "2024-11-01", "period": {"start": "2024-10-01"}},
    ]
)
_SOMETIMES = st.integers(0, 3).map(lambda n: n == 3)  # the simplest draw is False
_ADDONS = st.sampled_from(
    [["es-verifactu-v1"], [], ["es-sii-v1"], ["es-tbai-v1"], ["es-facturae-v3"], ["nope-v1"]]
)


@st.composite
def _inputs(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "uuid": U,
        "series": "B",
        "code": "42",
        "issue_date": draw(st.sampled_from(["2024-12-04", "2024-02-29"])),
        "supplier": draw(_SUPPLIERS),
        "lines": draw(st.lists(_LINE, min_size=1, max_size=4)),
    }
    addons = draw(_ADDONS)
    if addons:
        doc["$addons"] = addons
    customer = draw(_CUSTOMERS)
    if customer is not None:
        doc["customer"] = customer
    doc.update(draw(_CURRENCY))
    tax = draw(_TAX)
    if tax:
        doc["tax"] = tax
    typ = draw(st.sampled_from(["standard"] * 4 + ["credit-note", "corrective"]))
    if typ != "standard":
        doc["type"] = typ
        if draw(st.booleans()):
            doc["preceding"] = draw(st.lists(_PRECEDING, min_size=1, max_size=2))
    for k in ("discounts", "charges"):
        if draw(_SOMETIMES):
            doc[k] = [draw(_MOD) | {"taxes": [draw(_VAT)]}]
    if draw(_SOMETIMES):
        doc["$tags"] = [draw(st.sampled_from(["simplified", "self-billed", "reverse-charge"]))]
    if draw(_SOMETIMES):
        doc["notes"] = draw(st.lists(_NOTES, min_size=1, max_size=2))
    if draw(_SOMETIMES):
        doc["payment"] = draw(_PAYMENT)
    return doc


def _calculated(data: dict[str, Any]) -> dict[str, Any] | None:
    """The calculated typed document as validation reads it, or None when it does not calculate."""
    try:
        typed = decode_document(copy.deepcopy(data))
        calculate_typed(typed)
        enc = encode_document_full(typed)
    except GoblError:
        return None
    return decode_document(enc.out)


_ODD_VALUES = (
    st.sampled_from(
        [None, "", "x", 0, 7, True, [], {}, [None], [{}], {"zz": 1}, "2024-02-30", "-1"]
    ).map(copy.deepcopy)  # fresh containers: a value is never put inside itself
    | st.builds(lambda: Amount(-1, 0))
    | st.builds(lambda: Percentage.parse("21%"))
)


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every object and array in ``value`` (``value`` itself included)."""
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                out += _places(v, (*path, k))
    else:
        for i, v in enumerate(value):
            if isinstance(v, (dict, list)):
                out += _places(v, (*path, i))
    return out


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        value = value[p]
    return value


_KEYS = st.sampled_from(
    [
        "i", "item", "name", "price", "sum", "total", "taxes", "cat", "key", "rate", "percent",
        "ext", "es-verifactu-regime", "es-verifactu-op-class", "es-verifactu-exempt",
        "es-verifactu-doc-type", "surcharge", "country", "code", "tax_id", "supplier",
        "customer", "lines", "tax", "type", "currency", "issue_date", "value_date", "op_date",
        "totals", "$regime", "$addons", "unit", "discounts", "charges", "base", "quantity",
        "emails", "addr", "scheme", "point", "rounding", "notes", "identities", "zz-unknown",
    ]
)  # fmt: skip


@st.composite
def _damaged(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with up to three members removed, replaced or added, anywhere in it."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(0, 3))):
        target = _at(doc, draw(st.sampled_from(_places(doc))))
        action = draw(st.sampled_from(["remove", "set", "add"]))
        if isinstance(target, dict):
            keys = list(target)
            if action == "remove" and keys:
                del target[draw(st.sampled_from(keys))]
            elif action == "set" and keys:
                target[draw(st.sampled_from(keys))] = draw(_ODD_VALUES)
            else:
                target[draw(_KEYS)] = draw(_ODD_VALUES)
        elif target:
            i = draw(st.integers(0, len(target) - 1))
            if action == "remove":
                del target[i]
            else:
                target[i] = draw(_ODD_VALUES)
        else:
            target.append(draw(_ODD_VALUES))
    return doc


def _outcome(fn: Any, doc: dict[str, Any]) -> tuple[str, Any]:
    try:
        faults: list[Fault] = fn(doc)
    except Exception as e:  # the same error from both is the answer
        return ("error", (type(e), str(e)))
    return ("faults", [(f.code, f.paths, f.message) for f in faults])


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.data())
def test_one_pass_answer_is_the_general_paths(data: st.DataObject) -> None:
    calculated = _calculated(data.draw(_inputs()))
    if calculated is None:
        return
    doc = data.draw(_damaged(calculated))
    expected = _outcome(lambda d: rule_faults(d, "$.doc"), doc)
    assert _outcome(lambda d: typed_faults(d, "$.doc"), doc) == expected
    if is_clean(doc):
        assert expected == ("faults", [])


def _valid_invoice(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$addons": ["es-verifactu-v1"],
        "uuid": U,
        "series": "B",
        "code": "42",
        "issue_date": "2024-12-04",
        "supplier": {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}},
        "customer": {"name": "Sample", "tax_id": {"country": "ES", "code": "54387763P"}},
        "lines": [
            {
                "quantity": "3",
                "item": {"name": "Item", "price": "10.95", "unit": "h"},
                "discounts": [{"percent": "5%"}],
                "charges": [{"percent": "2%", "base": "10"}],
                "taxes": [{"cat": "VAT", "rate": "general"}, {"cat": "IRPF", "percent": "15%"}],
            },
            {
                "quantity": "1",
                "item": {"name": "Exento", "price": "100"},
                "taxes": [{"cat": "VAT", "key": "exempt", "ext": {"es-verifactu-exempt": "E1"}}],
            },
        ],
    }
    doc.update(extra)
    return doc


CLEAN = {
    "verifactu": _valid_invoice(),
    "no add-on": _valid_invoice(
        **{
            "$addons": [],
            "lines": [
                {
                    "quantity": "2.5",
                    "item": {"name": "Item", "price": "-3.333"},
                    "taxes": [{"cat": "VAT", "key": "exempt"}],
                }
            ],
        }
    ),
    "a regime of its own": _valid_invoice(
        **{
            "$addons": [],
            "supplier": {"name": "Portugal Lda", "tax_id": {"country": "PT", "code": "545259045"}},
            "lines": [{"quantity": "1", "item": {"name": "x", "price": "1"}, "taxes": []}],
        }
    ),
    "rounding and prices with tax": _valid_invoice(
        tax={"prices_include": "VAT", "rounding": "currency"}
    ),
    "simplified, no customer": _valid_invoice(customer=None, **{"$tags": ["simplified"]}),
    "notes, payment, discounts, charges": _valid_invoice(
        notes=[{"key": "general", "text": "Thanks"}],
        payment={
            "terms": {"key": "due-date", "due_dates": [{"date": "2025-01-04", "percent": "100%"}]},
            "instructions": {"key": "credit-transfer", "credit_transfer": [{"iban": "ES25"}]},
        },
        discounts=[{"percent": "10%", "taxes": [{"cat": "VAT", "rate": "general"}]}],
        charges=[{"amount": "5", "taxes": [{"cat": "VAT", "rate": "general"}]}],
    ),
    "dollars with a rate to euros": _valid_invoice(
        currency="USD", exchange_rates=[{"from": "USD", "to": "EUR", "amount": "0.875"}]
    ),
    "a foreign customer with identities": _valid_invoice(
        customer={
            "name": "Visitor",
            "identities": [{"key": "passport", "country": "GB", "code": "X123"}],
        },
        lines=[
            {
                "quantity": "1",
                "item": {
                    "name": "Item",
                    "price": "10",
                    "identities": [{"type": "EAN", "code": "8412345678905"}],
                },
                "taxes": [{"cat": "VAT", "rate": "general"}],
            }
        ],
    ),
    "emails": _valid_invoice(
        supplier={
            "name": "Provide One S.L.",
            "tax_id": {"country": "ES", "code": "B98602642"},
            "emails": [{"addr": "billing@example.com"}],
        }
    ),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_valid_invoices_are_answered_in_one_pass(name: str) -> None:
    """Not a vacuous proof: the usual valid invoices do take the one-pass answer."""
    data = {k: v for k, v in CLEAN[name].items() if v is not None}
    doc = _calculated(data)
    assert doc is not None
    assert rule_faults(doc) == []
    assert is_clean(doc)


def _examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("invoice-*.*") if p.suffix in (".json", ".yaml"))


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_examples_get_the_general_paths_faults(path: Path) -> None:
    """The example as given (not calculated) and as built, through both entry points."""
    data = parse(path.read_text("utf-8"))
    doc = data.get("doc", data)
    try:
        built: dict[str, Any] | None = build(data, uuid_factory=lambda: U).doc
    except GoblError:
        built = None
    for d in (doc, built):
        if d is None:
            continue
        typed = decode_document(d)
        assert document_faults(d) == rule_faults(typed)
        if is_clean(typed):
            assert rule_faults(typed) == []


def test_a_rule_set_registered_beside_the_mirrored_ones_turns_the_one_pass_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new rule on lines is one the one-pass answer does not know: it must not answer."""
    doc = _calculated(_valid_invoice())
    assert doc is not None
    assert is_clean(doc)
    checks = dict(CORE_TYPE_CHECKS)
    checks["bill.Line"] = AllOf((checks["bill.Line"], lambda f, obj, path, ctx: None))
    monkeypatch.setattr(clean_plan, "CORE_TYPE_CHECKS", checks)
    monkeypatch.setattr(clean_plan, "_plans", [])
    assert not is_clean(doc)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("lines", 0, "item", "price"), "10.95"),  # text where an amount belongs
        (("lines", 0, "taxes", 0, "cat"), ["VAT"]),
        (("supplier", "tax_id", "code"), 42),
        (("$addons",), "es-verifactu-v1"),
        (("lines", 0), None),
        (("tax", "ext"), "F1"),
    ],
)
def test_values_of_other_classes_get_the_general_paths_answer(
    where: tuple[Any, ...], value: Any
) -> None:
    doc = _calculated(_valid_invoice())
    assert doc is not None
    _at(doc, where[:-1])[where[-1]] = value
    assert not is_clean(doc)
    assert _outcome(typed_faults, doc) == _outcome(rule_faults, doc)


def test_a_type_checked_inside_a_followed_member_sends_its_holders_to_the_general_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Which members need the general path comes from the walk: checked addresses, say."""
    supplier = {
        "name": "Provide One S.L.",
        "tax_id": {"country": "ES", "code": "B98602642"},
        "addresses": [{"street": "Calle Mayor", "locality": "Madrid"}],
    }
    with_address = _calculated(_valid_invoice(supplier=supplier))
    without = _calculated(_valid_invoice())
    assert with_address is not None
    assert without is not None
    assert is_clean(with_address)
    checks = dict(CORE_TYPE_CHECKS)
    checks["org.Address"] = lambda f, obj, path, ctx: None
    monkeypatch.setattr(clean_plan, "CORE_TYPE_CHECKS", checks)
    monkeypatch.setattr(clean_plan, "_plans", [])
    assert not is_clean(with_address)
    assert is_clean(without)


def test_every_type_the_one_pass_reaches_has_its_rule_sets_mirrored() -> None:
    """A followed type or leaf without its expected rule sets would go unchecked by the plan."""
    reached = set(clean_plan.FOLLOWED) | set(clean_plan.LEAVES)
    assert reached == set(clean_plan.mirrored())
    assert {name for _, _, _, name in clean_plan.SHAPES} <= reached
    assert {owner for owner, _, _, _ in clean_plan.SHAPES} <= set(clean_plan.FOLLOWED)
    assert clean_plan.plan() is not None


def _with_supplier_code(country: str, code: str) -> dict[str, Any]:
    doc = _calculated(_valid_invoice())
    assert doc is not None
    doc["supplier"]["tax_id"] = {"country": country, "code": code}
    return doc


@pytest.mark.parametrize("order", ["ES first", "FR first"])
def test_a_remembered_tax_code_is_judged_for_each_country(order: str) -> None:
    """One table holds both checks of a code: its checksum only counts for a Spanish ID."""
    es = _with_supplier_code("ES", "B98602643")  # the format holds, the checksum does not
    fr = _with_supplier_code("FR", "B98602643")
    for doc in (es, fr) if order == "ES first" else (fr, es):
        assert is_clean(doc) == (rule_faults(doc) == [])
    assert not is_clean(es)


@pytest.mark.parametrize("rate", ["general", "nope"])
def test_remembered_combo_verdicts_are_those_of_the_combo_asked(rate: str) -> None:
    """Verdicts kept per category, key and rate answer for that combo only, full or cleared."""
    good = _calculated(_valid_invoice())
    assert good is not None
    other = copy.deepcopy(good)
    other["lines"][0]["taxes"][0]["rate"] = rate
    want = rule_faults(other) == []
    assert is_clean(good)
    assert is_clean(other) == want
    clean_invoice._SIZE[0] = 4096  # the next new verdict clears every table first
    other["lines"][0]["taxes"][0]["key"] = "zero" if rate == "nope" else "standard"
    assert is_clean(other) == (rule_faults(other) == [])
    assert is_clean(good)


def test_a_remembered_regime_and_add_ons_are_those_of_the_invoice_asked() -> None:
    """What ``$addons`` decides is kept per list: another add-on is judged afresh."""
    doc = _calculated(_valid_invoice())
    assert doc is not None
    assert is_clean(doc)
    for addons in (["es-sii-v1"], ["es-verifactu-v1", "nope-v1"], [], ["es-verifactu-v1"]):
        other = copy.deepcopy(doc)
        other["$addons"] = addons
        assert _outcome(document_faults, other) == _outcome(rule_faults, other)
        if is_clean(other):
            assert rule_faults(other) == []
    other = copy.deepcopy(doc)
    other["$addons"] = ["es-sii-v1"]
    assert not is_clean(other)  # an add-on with rules of its own is left to the general path


@pytest.mark.parametrize(
    "extra",
    [
        {"zz-unknown": "x"},
        {"es-tbai-product": "services"},  # another add-on's key
        {"es-verifactu-exempt": None},
        {"es-verifactu-exempt": "E1"},
        {"es-verifactu-op-class": None, "zz-unknown": "x"},
        {"es-verifactu-exempt": ""},
        {"es-verifactu-regime": ""},
        {},
    ],
    ids=repr,
)
def test_a_verifactu_combos_other_extension_keys_get_the_general_paths_answer(
    extra: dict[str, Any],
) -> None:
    """A VAT combo's ext is searched for keys it may not use unless it holds only its own."""
    doc = _calculated(_valid_invoice())
    assert doc is not None
    doc["lines"][0]["taxes"][0]["ext"].update(extra)
    assert _outcome(document_faults, doc) == _outcome(rule_faults, doc)
    assert not is_clean(doc) or rule_faults(doc) == []
    written = decode_document(encode_document_full(doc).out)
    assert not is_clean(doc) or rule_faults(written) == []


@pytest.mark.parametrize("value", ["", None, "02", "03"])
@pytest.mark.parametrize("doc_type", ["F1", "F2"])
def test_a_blank_identity_type_gets_the_general_paths_answer(value: Any, doc_type: str) -> None:
    """Rule 05 fails on the identity type's key, rule 07 passes on its value only."""
    doc = _calculated(_valid_invoice())
    assert doc is not None
    doc["tax"]["ext"]["es-verifactu-doc-type"] = doc_type
    doc["customer"] = {
        "name": "Visitor",
        "identities": [{"code": "X1", "ext": {"es-verifactu-identity-type": value}}],
    }
    assert _outcome(document_faults, doc) == _outcome(rule_faults, doc)
    assert not is_clean(doc) or rule_faults(doc) == []
    written = decode_document(encode_document_full(doc).out)
    assert not is_clean(doc) or rule_faults(written) == []


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_a_remembered_profile_is_that_of_the_type_and_currency_asked(order: str) -> None:
    """What the type and the currency decide is kept with the regime's: each pair judged afresh.

    Each document is asked twice, so the second answer comes from the remembered profile, and
    the pairs are asked in both orders, so a profile made for one pair never answers another.
    """
    base = _calculated(_valid_invoice())
    assert base is not None
    rates = [{"from": "USD", "to": "EUR", "amount": Amount(9, 1)}]
    docs = []
    for typ in ("standard", "corrective", "credit-note", "proforma", "nope", "", None, 1):
        for currency in ("EUR", "USD", "JPY", "XYZ", "eur", "", None, 978):
            for with_rates in (False, True):
                doc = copy.deepcopy(base)
                doc["type"], doc["currency"] = typ, currency
                if with_rates:
                    doc["exchange_rates"] = copy.deepcopy(rates)
                docs.append(doc)
    if order == "backward":
        docs.reverse()
    seen = 0
    for doc in docs:
        want = _outcome(rule_faults, doc) == ("faults", [])
        assert is_clean(doc) == want
        assert is_clean(doc) == want
        seen += want
    assert seen  # some of them are clean
    clean_invoice._PROFILES.clear()
    other = copy.deepcopy(base)
    other["$addons"] = []
    assert is_clean(other) == (rule_faults(other) == [])
    assert list(clean_invoice._PROFILES["ES"]["standard"]["EUR"]) == [()]
    clean_invoice._PROFILE_COUNT[0] = 256  # the next new profile clears the table first
    assert is_clean(base)
    assert list(clean_invoice._PROFILES["ES"]["standard"]["EUR"]) == ["es-verifactu-v1"]
    assert is_clean(other) == (rule_faults(other) == [])


@pytest.mark.parametrize(
    "extra",
    [
        {"rounding": "precise"},
        {"rounding": "currency"},
        {"rounding": "nope"},
        {"rounding": ""},
        {"rounding": 1},
        {"point": "issue"},
        {"point": "payment"},
        {"point": "nope"},
        {"point": ""},
        {"notes": [{"key": "x", "text": "note"}]},
        {"notes": [{"key": "x"}]},
        {"notes": []},
        {"notes": None},
    ],
    ids=repr,
)
@pytest.mark.parametrize("value_date", [None, "2024-12-01"])
def test_the_invoice_taxs_own_members_get_the_general_paths_answer(
    extra: dict[str, Any], value_date: str | None
) -> None:
    """The rules on a tax's rounding, tax point and notes, read only when one is there."""
    doc = _calculated(_valid_invoice())
    assert doc is not None
    doc["tax"].update(copy.deepcopy(extra))
    if value_date is not None:
        doc["value_date"] = value_date
    want = _outcome(rule_faults, doc) == ("faults", [])
    assert is_clean(doc) == want
    if want:
        assert rule_faults(decode_document(encode_document_full(doc).out)) == []


_TAX_IDS: list[Any] = [
    None,
    {},
    "",
    "B98602642",
    {"country": "ES", "code": "B98602642"},
    {"country": "ES", "code": "B98602643"},  # the checksum fails
    {"country": "FR", "code": "B98602643"},
    {"country": "ES"},
    {"country": "ES", "code": ""},
    {"country": "ES", "code": 5},
    {"code": "B98602642"},
    {"country": "", "code": "B98602642"},
    {"country": "PT", "code": "545259045", "scheme": "VAT"},
    {"country": "ES", "code": "B98602642", "scheme": "v a t"},
]


@pytest.mark.parametrize("regime", ["ES", "PT"])
@pytest.mark.parametrize("doc_type", ["F1", "F2", None])
@pytest.mark.parametrize("party", ["supplier", "customer"])
@pytest.mark.parametrize("tax_id", _TAX_IDS, ids=repr)
def test_a_partys_tax_id_gets_the_general_paths_answer(
    tax_id: Any, party: str, doc_type: str | None, regime: str
) -> None:
    """The tax ID rules read on each party, and the codes kept for the rules that ask for one
    (ES's on the supplier, es-verifactu-v1's on the customer), give the general path's answer,
    with and without the customer's name and es-verifactu-v1, on the tree and as written."""
    base = _calculated(_valid_invoice())
    assert base is not None
    for named in (True, False):
        doc = copy.deepcopy(base)
        doc["$regime"] = regime
        doc[party]["tax_id"] = copy.deepcopy(tax_id)
        if not named and party == "customer":
            del doc["customer"]["name"]
        if doc_type is None:
            doc["$addons"] = []
        else:
            doc["tax"]["ext"]["es-verifactu-doc-type"] = doc_type
        want = _outcome(rule_faults, doc) == ("faults", [])
        if isinstance(tax_id, dict) and not isinstance(tax_id.get("code", ""), str):
            assert not is_clean(doc)  # the general path refuses such a tree: it is no answer
            continue
        assert is_clean(doc) == want
        if want:
            assert rule_faults(decode_document(encode_document_full(doc).out)) == []
