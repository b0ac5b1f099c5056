"""The checked shortcuts build what the general constructors build, and fail as they fail.

``RegistroAlta.ordinary``, ``DetalleDesglose.s1_from_text`` and the mapper's path for plain S1
lines skip only the checks whose outcome their inputs already settle. Each is compared here with
the general path on inputs drawn around every rule it still checks (mutated GOBL examples
included): the same record (with the same repr, texts and huella) or the same faults, codes,
messages and paths alike.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import fields
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facturo.verifactu import record_amounts
from facturo.verifactu import records as r
from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.from_gobl import alta_from_gobl

from .conftest import CET, SAMPLE_SIF, gobl_examples

D = Decimal
NOW = datetime(2025, 7, 10, 12, 0, 0, tzinfo=CET)
PREVIOUS = r.RegistroAnterior(r.IDFactura("B87654323", "FP/0", date(2025, 1, 1)), "A" * 64)
EXAMPLES = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in gobl_examples()}
CHECKS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(build: Any) -> Any:
    """A record with its repr (which tells ``0.00`` from ``-0.00``) and every text it writes,
    or its faults: what equivalence compares."""
    try:
        record = build()
    except RecordInvalid as exc:
        return ("faults", [(f.code, f.message, f.paths) for f in exc.faults])
    texts: list[Any] = [record, repr(record), record.huella]
    texts += [record.cuota_total_text, record.importe_total_text]
    texts.append(record.fecha_hora_text)
    for line in record.desglose:
        texts.append(
            (line.base_text, line.tipo_impositivo_text, line.base_a_coste_text, line.cuota_text)
        )
        texts.append((line.tipo_recargo_text, line.cuota_recargo_text))
    return ("record", texts)


def line(calificacion: str, base: str, cuota: str, sign: int) -> r.DetalleDesglose:
    if calificacion == "S2":
        return r.DetalleDesglose(sign * D(base), r.Impuesto.IVA, "01", "S2", None, D(0), None, D(0))
    return r.DetalleDesglose.s1(sign * D(base), sign * D(cuota), D("21"), clave="01")


texts = st.sampled_from(
    ["EMPRESA SL", "", " EMPRESA", "EMPRESA ", "bell\x07", "x" * 60, "x" * 61, "x" * 121]
) | st.text(max_size=8)
recipients = st.lists(
    st.sampled_from(
        [
            r.PersonaFisicaJuridica("CLIENTE", nif="12345678Z"),
            r.PersonaFisicaJuridica("MISMO", nif="B87654323"),
            r.PersonaFisicaJuridica("EU", id_otro=r.IDOtro(r.IDType.NIF_IVA, "FR12345678901")),
        ]
    ),
    max_size=3,
).map(tuple) | st.just(tuple([r.PersonaFisicaJuridica("CLIENTE", nif="12345678Z")] * 1001))
breakdowns = st.lists(
    st.builds(
        line,
        st.sampled_from(["S1", "S2"]),
        st.sampled_from(["100.00", "3000.00"]),
        st.sampled_from(["21.00", "0.00"]),
        st.sampled_from([1, -1]),
    ),
    max_size=13,
).map(tuple) | st.sampled_from(
    [(), (line("S1", "1.00", "0.00", 1),) * 12, (line("S1", "1.00", "0.00", 1),) * 13]
)
totals = st.sampled_from(
    ["0", "21.00", "-21.00", "121.00", "3010.00", "3010.01", "-3010.01", "0.001", "1E+12"]
).map(D) | st.decimals(allow_nan=False, allow_infinity=False, places=2)
moments = st.sampled_from(
    [
        NOW,
        NOW.replace(microsecond=5),
        NOW.replace(tzinfo=None),
        NOW.replace(tzinfo=timezone(timedelta(seconds=30))),
        NOW.replace(tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ]
)
#: One change to an otherwise valid alta: each field with values around the rules on it.
alta_changes = st.one_of(
    st.tuples(st.just("id_factura"), st.just(PREVIOUS.id_factura)),
    st.tuples(st.just("nombre_razon_emisor"), texts),
    st.tuples(st.just("descripcion_operacion"), texts | st.just("d" * 501)),
    st.tuples(st.just("desglose"), breakdowns),
    st.tuples(st.just("cuota_total"), totals),
    st.tuples(st.just("importe_total"), totals),
    st.tuples(st.just("fecha_hora_huso_gen_registro"), moments),
    st.tuples(st.just("registro_anterior"), st.sampled_from([None, PREVIOUS])),
    st.tuples(st.just("ref_externa"), st.none() | texts),
    st.tuples(st.just("subsanacion"), st.booleans()),
    st.tuples(st.just("rechazo_previo"), st.sampled_from([None, "N", "S", "X", "Y"])),
    st.tuples(st.just("fecha_operacion"), st.sampled_from([None, date(2025, 3, 1)])),
    st.tuples(st.just("factura_simplificada_art7273"), st.booleans()),
    st.tuples(st.just("destinatarios"), recipients),
)


@CHECKS
@given(tipo=st.sampled_from(list(r.TipoFactura)), changes=st.lists(alta_changes, max_size=3))
def test_ordinary_builds_what_the_constructor_builds(
    tipo: r.TipoFactura, changes: list[tuple[str, Any]]
) -> None:
    given_fields: dict[str, Any] = {
        "id_factura": r.IDFactura("B87654323", "FP2025/0001", date(2025, 3, 10)),
        "nombre_razon_emisor": "EMPRESA EMISORA SL",
        "tipo_factura": tipo,
        "descripcion_operacion": "Servicios",
        "desglose": (line("S1", "100.00", "21.00", 1),),
        "cuota_total": D("21.00"),
        "importe_total": D("121.00"),
        "sistema_informatico": SAMPLE_SIF,
        "fecha_hora_huso_gen_registro": NOW,
        "destinatarios": (r.PersonaFisicaJuridica("CLIENTE", nif="12345678Z"),)
        if tipo.needs_recipient
        else (),
    }
    given_fields.update(changes)
    general = outcome(lambda: r.RegistroAlta(**given_fields))
    assert outcome(lambda: r.RegistroAlta.ordinary(**given_fields)) == general


def rebuilt(alta: r.RegistroAlta) -> r.RegistroAlta:
    """``alta`` built again by the general constructors, line by line."""
    desglose = tuple(
        r.DetalleDesglose(**{f.name: getattr(line, f.name) for f in fields(line) if f.init})
        for line in alta.desglose
    )
    values = {f.name: getattr(alta, f.name) for f in fields(alta) if f.init}
    return r.RegistroAlta(**{**values, "desglose": desglose})


def without_percent_signs(env: dict[str, Any]) -> dict[str, Any]:
    """The same invoice with its rates written ``21.0`` instead of ``21.0%``.

    The mapper reads both alike, but only the second form takes the path for plain S1 lines,
    so the pair compares that path with the general one.
    """
    env = copy.deepcopy(env)
    for category in _categories(env):
        for rate in category.get("rates") or []:
            percent = rate.get("percent") if isinstance(rate, dict) else None
            if isinstance(percent, str) and percent[-1:] == "%" and percent[-2:] != "%%":
                rate["percent"] = percent[:-1]
    return env


def _categories(env: dict[str, Any]) -> list[Any]:
    totals = env.get("doc", env).get("totals")
    taxes = totals.get("taxes") if isinstance(totals, dict) else None
    categories = taxes.get("categories") if isinstance(taxes, dict) else None
    return [c for c in categories or [] if isinstance(c, dict)]


amount_texts = st.sampled_from(
    ["1620.00", "0.00", "-0.00", "10.5", "340.205", "-340.20", "007.00", "1", "0"]
) | st.sampled_from(["9999999999999.00", "1E+3", "abc", "", "NaN", "12,00"])
amount_values = amount_texts | st.sampled_from([None, 12, 1.5])
percent_texts = st.sampled_from(["21.0%", "0%", "5.2%", "1000%", "0.001%", "-4%", "21%%"])
#: One change to a tax rate of the totals.
rate_changes = st.one_of(
    st.tuples(st.just("base"), amount_values),
    st.tuples(st.just("amount"), amount_values),
    st.tuples(st.just("percent"), percent_texts | st.sampled_from([None, "21.0", 21])),
    st.tuples(st.just("es-verifactu-op-class"), st.sampled_from(["S1", "S2", "N1", "X9", None])),
    st.tuples(st.just("es-verifactu-regime"), st.sampled_from(["01", "06", "20", "99", None, 1])),
    st.tuples(st.just("es-verifactu-exempt"), st.sampled_from(["E1", "E9", None])),
    st.tuples(
        st.just("surcharge"),
        st.none()
        | st.fixed_dictionaries(
            {"percent": st.sampled_from(["5.2%", "1.75%"]), "amount": amount_texts}
        ),
    ),
)
#: One change to the invoice or its customer.
doc_changes = st.one_of(
    st.tuples(st.just("type"), st.sampled_from(["standard", "credit-note"])),
    st.tuples(st.just("issue_date"), st.sampled_from(["2024-02-29", "2023-02-29", ""])),
    st.tuples(
        st.just("notes"),
        st.sampled_from(
            [[], [{"key": "general", "text": "n" * 501}], [{"key": "general", "text": " x "}]]
        ),
    ),
    st.tuples(st.just("code"), st.sampled_from(["004", "", "a<b", "x" * 70])),
    st.tuples(st.just("operation_date"), st.sampled_from(["2024-12-01", "2024-13-01"])),
    st.tuples(st.just("customer.name"), st.sampled_from(["", " Cliente ", "x" * 121, "b\x07"])),
    st.tuples(
        st.just("customer.tax_id"),
        st.sampled_from(
            [
                {"country": "ES", "code": "54387763X"},
                {"country": "ES", "code": "B98602642"},
                {"country": "FR", "code": "44732829320"},
                {},
            ]
        ),
    ),
)


@CHECKS
@given(
    name=st.sampled_from(sorted(EXAMPLES)),
    doc_change=st.lists(doc_changes, max_size=2),
    rate_change=st.lists(rate_changes, max_size=2),
    rate_index=st.integers(0, 3),
    extra_rates=st.integers(0, 12),
    category_code=st.sampled_from([None, None, None, "VAT", "IGIC", "IPSI", "OTHER"]),
)
def test_mutated_gobl_examples_map_alike_on_both_paths(
    name: str,
    doc_change: list[tuple[str, Any]],
    rate_change: list[tuple[str, Any]],
    rate_index: int,
    extra_rates: int,
    category_code: str | None,
) -> None:
    env = copy.deepcopy(EXAMPLES[name])
    doc = env.get("doc", env)
    for key, value in doc_change:
        if key.startswith("customer."):
            if isinstance(doc.get("customer"), dict):
                doc["customer"][key.removeprefix("customer.")] = value
        else:
            doc[key] = value
    categories = _categories(env)
    if categories:
        if category_code is not None:
            categories[0]["code"] = category_code
        rates = categories[0].setdefault("rates", [])
        if rates:
            rates.extend(copy.deepcopy(rates[-1]) for _ in range(extra_rates))
            rate = rates[rate_index % len(rates)]
            for key, value in rate_change:
                if key.startswith("es-verifactu-"):
                    rate.setdefault("ext", {})[key] = value
                else:
                    rate[key] = value

    def build(envelope: dict[str, Any]) -> r.RegistroAlta:
        return alta_from_gobl(envelope, sistema=SAMPLE_SIF, previous=PREVIOUS, now=NOW)

    mapped = outcome(lambda: build(env))
    assert mapped == outcome(lambda: build(without_percent_signs(env)))
    if mapped[0] == "record":
        assert outcome(lambda: rebuilt(mapped[1][0])) == mapped


def test_every_example_maps_alike_on_both_paths() -> None:
    for env in EXAMPLES.values():
        alta = alta_from_gobl(env, sistema=SAMPLE_SIF, previous=PREVIOUS, now=NOW)
        again = alta_from_gobl(
            without_percent_signs(env), sistema=SAMPLE_SIF, previous=None, now=NOW
        )
        assert outcome(lambda a=alta: a) == outcome(lambda a=alta: rebuilt(a))
        assert again.desglose == alta.desglose


#: The AEAT's amount form as SuministroInformacion.xsd and ``str(Decimal)`` both write it.
AMOUNT_FORM = re.compile(r"-?(0|[1-9]\d{0,11})\.\d\d")
decimal_texts = st.sampled_from(
    ["0.00", "-0.00", "0", "100.00", "-100.00", "21.00", "007.00", "0.005", "12.345"]
) | st.sampled_from(["999999999999.99", "1000000000000.00", "-21", "1E+3", "5.20"])


@CHECKS
@given(
    base=decimal_texts,
    cuota=decimal_texts,
    tipo=st.sampled_from(["21.0", "21", "0", "5.2", "1000", "0.001", "-4", "010"]),
    impuesto=st.sampled_from(list(r.Impuesto)),
    clave=st.sampled_from([None, "01", "06", "20", "99"]),
)
def test_s1_from_text_builds_what_s1_builds(
    base: str, cuota: str, tipo: str, impuesto: r.Impuesto, clave: str | None
) -> None:
    def line_outcome(build: Any) -> Any:
        try:
            built = build()
        except RecordInvalid as exc:
            return [(f.code, f.message, f.paths) for f in exc.faults]
        return built, repr(built), built.base_text, built.cuota_text, built.tipo_impositivo_text

    general = line_outcome(
        lambda: r.DetalleDesglose.s1(D(base), D(cuota), D(tipo), impuesto=impuesto, clave=clave)
    )
    if AMOUNT_FORM.fullmatch(base) and AMOUNT_FORM.fullmatch(cuota):
        text = line_outcome(
            lambda: r.DetalleDesglose.s1_from_text(base, cuota, tipo, impuesto, clave)
        )
        assert text == general
    else:
        with pytest.raises(ValueError, match="two decimals"):
            r.DetalleDesglose.s1_from_text(base, cuota, tipo, impuesto, clave)


@pytest.mark.parametrize("tipo", ["21.0", "21", "21.00", "0", "5.2", "1000", "0.001", "-4", "010"])
@pytest.mark.parametrize("clave", [None, "01", "99"])
def test_s1_from_text_reads_a_known_rate_as_it_read_it_first(tipo: str, clave: str | None) -> None:
    """The first line with a rate text reads it; later lines take what it read, unless the
    rate had no AEAT form, which is never kept. Both build what ``s1`` builds."""

    def line_outcome(build: Any) -> Any:
        try:
            built = build()
        except RecordInvalid as exc:
            return [(f.code, f.message, f.paths) for f in exc.faults]
        return built, repr(built), built.tipo_impositivo_text

    def from_text() -> r.DetalleDesglose:
        return r.DetalleDesglose.s1_from_text("100.00", "21.00", tipo, r.Impuesto.IVA, clave)

    record_amounts._TIPOS.clear()
    first = line_outcome(from_text)
    kept = tipo in record_amounts._TIPOS
    second = line_outcome(from_text)
    general = line_outcome(
        lambda: r.DetalleDesglose.s1(D("100.00"), D("21.00"), D(tipo), clave=clave)
    )
    assert first == general
    assert second == general
    assert kept == (clave == "01" and tipo not in ("1000", "0.001", "-4"))
