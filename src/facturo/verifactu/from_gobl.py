"""Build RegistroAlta / RegistroAnulacion from a GOBL invoice envelope (a plain dict).

Rules ported from invopop/gobl.verifactu ``doc/invoice.go``, ``doc/breakdown.go`` and
``doc/party.go`` (9cc6913), reading the extensions of the ``es-verifactu-v1`` addon
(spec gobl.md §8). Where Python differs from Go and why:

- Amounts come from the calculated envelope as strings and stay ``Decimal`` (the Go code went
  through ``float64`` in older versions).
- A credit note (``type: credit-note``, TipoRectificativa I) is sent with **negative** amounts:
  GOBL writes a credit note's amounts positive and lets the type carry the sign, while the AEAT
  reads a "por diferencias" corrective as the signed difference [spec §4.2].
- ``ImporteRectificacion`` (TipoRectificativa S) takes the **original** invoice's amounts from
  ``preceding[].tax``, as [spec §4.2] asks, not the corrective's own totals.
- DescripcionOperacion falls back to the item names when there is no ``general`` note, since
  the AEAT only needs a non-empty description [spec §4 #13].
- IRPF and any other retained category are left out, as the AEAT requires.
- An invoice in another currency is first converted into euros as gobl's
  ``Invoice.ConvertInto`` does (:mod:`~facturo.verifactu.exchange`), since the AEAT takes
  euros only; without an exchange rate into EUR it is refused with the addon's
  GOBL-ES-VERIFACTU-BILL-INVOICE-16 on ``$.currency``.
- Customer ids: a Spanish tax ID goes as NIF; an identity carrying
  ``es-verifactu-identity-type`` goes as IDOtro of that type; another EU tax ID goes as IDOtro
  02 (NIF-IVA, with its country prefix); a non-EU tax ID goes as IDOtro 04.

The document is only read: no clock (``now`` is a parameter), no settings. Problems are
collected and raised together as :class:`RecordInvalid`, each fault with a code and the JSON
path in the GOBL document (``$.customer.tax_id``). Codes are the GOBL addon's rule codes
(``GOBL-ES-VERIFACTU-…``) where the rule is the addon's, the AEAT's (``1189``) where it is
the AEAT's, and ``VERIFACTU-…`` for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final

from facturo.errors import Fault
from facturo.gobl import GoblError
from facturo.gobl.num import Amount
from facturo.verifactu import exchange
from facturo.verifactu import nif as es_nif
from facturo.verifactu.errors import RecordInvalid
from facturo.verifactu.history import Attempt, alta_flags, anulacion_flags
from facturo.verifactu.records import (
    DetalleDesglose,
    IDFactura,
    IDOtro,
    IDType,
    ImporteRectificacion,
    Impuesto,
    PersonaFisicaJuridica,
    RegistroAlta,
    RegistroAnterior,
    RegistroAnulacion,
    SistemaInformatico,
    TipoFactura,
    TipoRectificativa,
)

ADDON: Final = "es-verifactu-v1"
EXT_DOC_TYPE: Final = "es-verifactu-doc-type"
EXT_CORRECTION_TYPE: Final = "es-verifactu-correction-type"
EXT_OP_CLASS: Final = "es-verifactu-op-class"
EXT_EXEMPT: Final = "es-verifactu-exempt"
EXT_REGIME: Final = "es-verifactu-regime"
EXT_IDENTITY_TYPE: Final = "es-verifactu-identity-type"
EXT_SIMPLIFIED_ART7273: Final = "es-verifactu-simplified-art7273"
EXT_ISSUER_TYPE: Final = "es-verifactu-issuer-type"

_GOBL: Final = "GOBL-ES-VERIFACTU-"
_IMPUESTO: Final = {"VAT": Impuesto.IVA, "IPSI": Impuesto.IPSI, "IGIC": Impuesto.IGIC}
#: Members read on every record, as module names: reading one off its enum class goes through
#: the enum machinery each time.
_OTROS: Final = Impuesto.OTROS
_F3: Final = TipoFactura.F3
_EUR: Final = exchange.EUR
#: The S1 line factory, looked up once: every line of every invoice calls it.
_s1_from_text: Final = DetalleDesglose.s1_from_text
#: EU member states by GOBL country code: Greece is GR, or EL (its VAT prefix), which gobl's
#: Greek regime names every Greek tax ID with.
_EU: Final = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GR", "HR", "HU"}
    | {"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}
)
_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})
_VAT_PREFIX: Final = {"GR": "EL"}
_TIPO_FACTURA: Final = {t.value: t for t in TipoFactura}
_TIPO_RECTIFICATIVA: Final = {t.value: t for t in TipoRectificativa}
_ZERO: Final = Decimal("0.00")
_FIRST_ATTEMPT: Final = alta_flags(())
#: A GOBL percentage as the calculated envelope writes it (``21.0%``, ``0%``).
_PLAIN_PERCENT: Final = re.compile(r"\d{1,30}(\.\d{1,30})?%")
#: Percentages already seen to match :data:`_PLAIN_PERCENT`. An installation writes a handful
#: of rates (``21.0%``, ``10.0%``, ``0%``…) on every line of every invoice; a set answers for
#: them in a fraction of what the expression costs. Only matching texts are kept, at most this
#: many.
_PLAIN_PERCENTS: Final[set[str]] = set()
_PLAIN_PERCENTS_MAX: Final = 256

#: NIF check digits, remembered: an issuer's NIF and its regular customers' come back on every
#: record. Bounded, so a long-running worker keeps a few thousand at most.
_nif_is_valid: Final[Callable[[str], bool]] = lru_cache(maxsize=4096)(es_nif.is_valid)


class _Collector(list[Fault]):
    """The faults found so far; a list, so that making one per record costs next to nothing."""

    @property
    def faults(self) -> list[Fault]:
        return self

    def add(self, code: str, message: str, path: str) -> None:
        self.append(Fault(code=code, message=message, paths=(path,)))


def _document(envelope: Mapping[str, Any]) -> Mapping[str, Any]:
    doc = envelope.get("doc", envelope)
    if type(doc) is not dict and not isinstance(doc, Mapping):
        raise RecordInvalid(faults=[Fault("VERIFACTU-DOC-01", "doc must be an object", ("$",))])
    schema = str(doc.get("$schema", ""))
    if not schema.endswith("/bill/invoice"):
        raise RecordInvalid(
            faults=[Fault("VERIFACTU-DOC-01", "the document must be a GOBL bill/invoice", ("$",))]
        )
    return doc


def _obj(value: Any) -> Mapping[str, Any]:
    # dict and None first: JSON gives those, and an ABC isinstance check is slow on the hot path
    if type(value) is dict:
        return value
    return _EMPTY if value is None or not isinstance(value, Mapping) else value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _decimal(c: _Collector, value: Any, path: str, field: str = "") -> Decimal:
    """A GOBL amount or percentage string (``"340.20"``, ``"21.0%"``) as Decimal; no floats.

    The fault's path is ``path + field``, joined only when there is a fault to report.
    """
    if type(value) is str:
        try:
            result = Decimal(value[:-1] if value[-1:] == "%" else value)
        except InvalidOperation:
            pass
        else:
            if result.is_finite():
                return result
    elif type(value) is int:
        return Decimal(value)
    c.add("VERIFACTU-AMOUNT-01", f"amounts are decimal strings, not {value!r}", path + field)
    return Decimal(0)


def _date(c: _Collector, value: Any, path: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        c.add("VERIFACTU-DATE-01", f"not an ISO date: {value!r}", path)
        return date(1, 1, 1)


def _number(series: Any, code: Any) -> str:
    """``series-code``, or ``code`` alone: gobl.verifactu ``invoiceNumber``."""
    return f"{series}-{code}" if series else str(code or "")


def _supplier_nif(c: _Collector, supplier: Mapping[str, Any]) -> str:
    tax_id = _obj(supplier.get("tax_id"))
    code = str(tax_id.get("code") or "")
    if tax_id.get("country") != "ES" or not code:
        c.add("VERIFACTU-SUPPLIER-01", "the supplier needs a Spanish tax ID", "$.supplier.tax_id")
    elif not _nif_is_valid(code):
        c.add("1123", f"supplier NIF {code!r} is not valid", "$.supplier.tax_id.code")
    return code


def invoice_key(envelope: Mapping[str, Any]) -> IDFactura:
    """The AEAT key of a GOBL invoice: supplier NIF, ``series-code``, issue date."""
    doc = _document(envelope)
    c = _Collector()
    nif = _supplier_nif(c, _obj(doc.get("supplier")))
    issue = _date(c, doc.get("issue_date"), "$.issue_date")
    if c.faults:
        raise RecordInvalid(faults=c.faults)
    return _key(c, nif, _number(doc.get("series"), doc.get("code")), issue, "$.code")


def _key(c: _Collector, nif: str, number: str, issue: date, path: str) -> IDFactura:
    try:
        return IDFactura(nif, number, issue)
    except RecordInvalid as exc:
        for fault in exc.faults:
            c.add(fault.code, fault.message, path)
        raise RecordInvalid(faults=c.faults) from exc


def _party(c: _Collector, party: Mapping[str, Any], path: str) -> PersonaFisicaJuridica | None:
    name = str(party.get("name") or "").strip()
    if not name:
        c.add("1100", "the party needs a name", f"{path}.name")
    tax_id = _obj(party.get("tax_id"))
    country = str(tax_id.get("country") or "")
    code = str(tax_id.get("code") or "")
    where = path
    try:
        if country == "ES" and code:
            if not _nif_is_valid(code):
                c.add("1123", f"NIF {code!r} is not valid", f"{path}.tax_id.code")
                return None
            return PersonaFisicaJuridica.with_nif(name, code)
        for i, identity in enumerate(_list(party.get("identities"))):
            id_type = _obj(_obj(identity).get("ext")).get(EXT_IDENTITY_TYPE)
            if not id_type:
                continue
            where = f"{path}.identities[{i}]"
            kind = IDType(str(id_type))
            pais = str(identity.get("country") or country or "") or None
            if kind is IDType.NO_CENSADO:
                pais = "ES"
            elif kind is IDType.NIF_IVA:
                pais = None
            return PersonaFisicaJuridica(
                name, id_otro=IDOtro(kind, str(identity.get("code") or ""), pais)
            )
        if code and country:
            if country in _EU:
                prefix = _VAT_PREFIX.get(country, country)
                vat = code if code.startswith(prefix) else prefix + code
                # CodigoPais is optional for 02 and the prefix says it (EL is no ISO code).
                return PersonaFisicaJuridica(name, id_otro=IDOtro(IDType.NIF_IVA, vat))
            return PersonaFisicaJuridica(
                name, id_otro=IDOtro(IDType.DOC_OFICIAL_RESIDENCIA, code, country)
            )
    except ValueError as exc:
        c.add("1100", str(exc), where)
        return None
    except RecordInvalid as exc:
        for fault in exc.faults:
            c.add(fault.code, fault.message, where)
        return None
    c.add(
        _GOBL + "BILL-INVOICE-07",
        "must have a tax_id or an identity with ext 'es-verifactu-identity-type'",
        path,
    )
    return None


def _desglose(
    c: _Collector, totals: Mapping[str, Any], sign: int
) -> tuple[tuple[DetalleDesglose, ...], Decimal]:
    """Breakdown lines from ``totals.taxes`` and CuotaTotal (their cuota + recargo)."""
    lines: list[DetalleDesglose] = []
    cuota = _ZERO
    taxes = totals.get("taxes")
    categories = _list((taxes if type(taxes) is dict else _obj(taxes)).get("categories"))
    for i, category in enumerate(categories):
        if type(category) is not dict:
            category = _obj(category)
        if category.get("retained") or category.get("informative"):
            continue  # IRPF and the like are not part of the AEAT record
        code = category.get("code")
        impuesto = _IMPUESTO.get(code if type(code) is str else str(code), _OTROS)
        for j, rate in enumerate(_list(category.get("rates"))):
            line = _detalle(c, impuesto, rate if type(rate) is dict else _obj(rate), sign, i, j)
            if line is not None:
                lines.append(line)
                cuota += line.cuota_total
    if not lines:
        c.add(_GOBL + "BILL-INVOICE-15", "no VAT, IGIC or IPSI in the totals", "$.totals.taxes")
    elif len(lines) > 12:
        c.add("1100", f"{len(lines)} breakdown lines; the AEAT takes 12", "$.totals.taxes")
    return tuple(lines), cuota


def _negated(text: str) -> str:
    """The decimal text of ``-Decimal(text)``: a zero loses its sign, as there."""
    if not text.strip("-0."):
        return text.lstrip("-")
    return text[1:] if text[0] == "-" else "-" + text


def _is_plain_percent(text: str) -> bool:
    """Whether ``text`` matches :data:`_PLAIN_PERCENT`; a match is kept in
    :data:`_PLAIN_PERCENTS` (while it has room) for the next line to find there."""
    if _PLAIN_PERCENT.fullmatch(text) is None:
        return False
    if len(_PLAIN_PERCENTS) < _PLAIN_PERCENTS_MAX:
        _PLAIN_PERCENTS.add(text)
    return True


def _rate_path(i: int, j: int) -> str:
    """The JSON path of ``totals.taxes.categories[i].rates[j]``, written only for a fault."""
    return f"$.totals.taxes.categories[{i}].rates[{j}]"


def _detalle(
    c: _Collector, impuesto: Impuesto, rate: Mapping[str, Any], sign: int, i: int, j: int
) -> DetalleDesglose | None:
    ext = rate.get("ext")
    if type(ext) is not dict:
        ext = _obj(ext)
    regime = ext.get(EXT_REGIME)
    exempt = ext.get(EXT_EXEMPT)
    op_class = ext.get(EXT_OP_CLASS)
    if (
        op_class == "S1"
        and not exempt
        and regime
        and not rate.get("surcharge")
        and impuesto is not _OTROS
    ):
        # The common line, its GOBL amounts in the AEAT's form: read each once, as the
        # general path below would, and leave every rule to DetalleDesglose.
        base, percent, amount = (
            rate.get("base", "0"),
            rate.get("percent", "0"),
            rate.get("amount", "0"),
        )
        if (
            type(base) is str
            and type(amount) is str
            and type(percent) is str
            and regime != "06"
            and (percent in _PLAIN_PERCENTS or _is_plain_percent(percent))
        ):
            if sign < 0:
                base, amount = _negated(base), _negated(amount)
            try:
                return _s1_from_text(
                    base,
                    amount,
                    percent[:-1],
                    impuesto,
                    regime if type(regime) is str else str(regime),
                )
            except ValueError:
                pass  # an amount in another form: the general path below reads it
            except RecordInvalid as exc:
                path = _rate_path(i, j)
                for fault in exc.faults:
                    c.add(fault.code, fault.message, path)
                return None
    path = _rate_path(i, j)
    base = _decimal(c, rate.get("base", "0"), path, ".base")
    if sign < 0:
        base = -base
    if not regime and (impuesto is Impuesto.IVA or impuesto is Impuesto.IGIC):
        c.add(_GOBL + "TAX-COMBO-01", "extension 'es-verifactu-regime' is required", f"{path}.ext")
        return None
    if exempt and op_class:
        c.add(_GOBL + "TAX-COMBO-03", "both op-class and exempt are set", f"{path}.ext")
        return None
    clave = str(regime) if regime and impuesto is not Impuesto.OTROS else None
    base_coste = base if clave == "06" else None
    try:
        if exempt:
            return DetalleDesglose(
                base,
                impuesto,
                clave,
                operacion_exenta=str(exempt),
                base_imponible_a_coste=base_coste,
            )
        if not op_class:
            c.add(
                _GOBL + "TAX-COMBO-04",
                "extension 'es-verifactu-op-class' is required",
                f"{path}.ext",
            )
            return None
        op = str(op_class)
        if op == "S1":
            percent = _decimal(c, rate.get("percent", "0"), path, ".percent")
            cuota = _decimal(c, rate.get("amount", "0"), path, ".amount")
            surcharge = rate.get("surcharge")
            tipo_re = cuota_re = None
            if surcharge:
                surcharge = _obj(surcharge)
                tipo_re = _decimal(c, surcharge.get("percent"), path, ".surcharge.percent")
                cuota_re = _decimal(c, surcharge.get("amount", "0"), path, ".surcharge.amount")
                if sign < 0:
                    cuota_re = -cuota_re
            return DetalleDesglose.s1(
                base,
                -cuota if sign < 0 else cuota,
                percent,
                impuesto=impuesto,
                clave=clave,
                base_a_coste=base_coste,
                tipo_recargo=tipo_re,
                cuota_recargo=cuota_re,
            )
        if op == "S2":  # reverse charge: rate and cuota present and zero (1198)
            return DetalleDesglose(
                base,
                impuesto,
                clave,
                op,
                tipo_impositivo=Decimal(0),
                base_imponible_a_coste=base_coste,
                cuota_repercutida=_ZERO,
            )
        return DetalleDesglose(  # N1/N2: no rate, cuota or recargo (1237)
            base,
            impuesto,
            clave,
            op,
            base_imponible_a_coste=base_coste,
        )
    except RecordInvalid as exc:
        for fault in exc.faults:
            c.add(fault.code, fault.message, path)
        return None


def _description(doc: Mapping[str, Any]) -> str:
    for note in _list(doc.get("notes")):
        if type(note) is not dict:
            note = _obj(note)
        if note.get("key") == "general":
            text = note.get("text")
            text = (text if type(text) is str else str(text or "")).strip()
            if text:
                return text
    names = [
        str(_obj(_obj(line).get("item")).get("name") or "").strip()
        for line in _list(doc.get("lines"))
    ]
    return ", ".join(n for n in names if n)


def _preceding_keys(c: _Collector, doc: Mapping[str, Any], nif: str) -> tuple[IDFactura, ...]:
    keys: list[IDFactura] = []
    for i, ref in enumerate(_list(doc.get("preceding"))):
        ref = _obj(ref)
        path = f"$.preceding[{i}]"
        if not ref.get("issue_date"):
            c.add(_GOBL + "BILL-INVOICE-02", "issue date is required", f"{path}.issue_date")
            continue
        issue = _date(c, ref["issue_date"], f"{path}.issue_date")
        try:
            keys.append(IDFactura(nif, _number(ref.get("series"), ref.get("code")), issue))
        except RecordInvalid as exc:
            for fault in exc.faults:
                c.add(fault.code, fault.message, f"{path}.code")
    return tuple(keys)


def _importe_rectificacion(c: _Collector, doc: Mapping[str, Any]) -> ImporteRectificacion | None:
    """The replaced invoices' amounts, from ``preceding[].tax`` (TipoRectificativa S)."""
    preceding = _list(doc.get("preceding"))
    if not preceding:
        c.add(_GOBL + "BILL-INVOICE-01", "preceding documents are required", "$.preceding")
        return None
    base = cuota = recargo = Decimal("0.00")
    for i, ref in enumerate(preceding):
        tax = _obj(_obj(ref).get("tax"))
        if not tax:
            c.add(
                _GOBL + "BILL-INVOICE-03",
                "preceding invoice tax data is required",
                f"$.preceding[{i}].tax",
            )
            continue
        for k, category in enumerate(_list(tax.get("categories"))):
            category = _obj(category)
            if category.get("retained") or category.get("informative"):
                continue
            path = f"$.preceding[{i}].tax.categories[{k}]"
            cuota += _decimal(c, category.get("amount", "0"), f"{path}.amount")
            if category.get("surcharge") is not None:
                recargo += _decimal(c, category["surcharge"], f"{path}.surcharge")
            for j, rate in enumerate(_list(category.get("rates"))):
                base += _decimal(c, _obj(rate).get("base", "0"), f"{path}.rates[{j}].base")
    try:
        return ImporteRectificacion(base, cuota, recargo if recargo else None)
    except RecordInvalid as exc:
        for fault in exc.faults:
            c.add(fault.code, fault.message, "$.preceding")
        return None


def _in_euros(c: _Collector, doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """``doc`` converted into euros as gobl converts it (:mod:`~facturo.verifactu.exchange`).

    Without an exchange rate into EUR the AEAT cannot take the invoice: a fault on
    ``$.currency`` (the addon's BILL-INVOICE-16), and ``doc`` unchanged so every other problem
    is still reported.
    """
    match = exchange.match_rate(doc)
    if match is None:
        c.add(
            _GOBL + "BILL-INVOICE-16",
            "invoice must be in EUR or provide exchange rate for conversion",
            "$.currency",
        )
        return doc
    i, entry = match
    try:
        rate = Amount.parse(entry.get("amount"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        rate = Amount(0)
    if rate.is_zero() or rate.is_negative():
        c.add(
            "VERIFACTU-AMOUNT-01",
            f"an exchange rate is a positive decimal string, not {entry.get('amount')!r}",
            f"$.exchange_rates[{i}].amount",
        )
        return doc
    try:
        return exchange.convert_into_eur(doc, rate)
    except (GoblError, TypeError, ValueError) as exc:
        c.add("VERIFACTU-CURRENCY-01", f"cannot convert the invoice into EUR: {exc}", "$")
        return doc


def alta_from_gobl(
    envelope: Mapping[str, Any],
    *,
    sistema: SistemaInformatico,
    previous: RegistroAnterior | None,
    now: datetime,
    previous_attempts: Sequence[Attempt] = (),
    ref_externa: str | None = None,
) -> RegistroAlta:
    """The RegistroAlta of a calculated GOBL invoice.

    ``previous`` is the last record of this issuer's chain (``None`` for the first record);
    ``now`` is FechaHoraHusoGenRegistro, timezone-aware, in the issuer's zone;
    ``previous_attempts`` are earlier submissions of records of this same invoice key, oldest
    first, from which Subsanacion and RechazoPrevio follow (:mod:`~facturo.verifactu.history`).
    """
    doc = _document(envelope)
    c = _Collector()
    if ADDON not in _list(doc.get("$addons")):
        c.add("VERIFACTU-DOC-02", f"the invoice must use the {ADDON} addon", "$.$addons")
    if doc.get("currency", _EUR) != _EUR:
        doc = _in_euros(c, doc)
    supplier = doc.get("supplier")
    if type(supplier) is not dict:
        supplier = _obj(supplier)
    nif = _supplier_nif(c, supplier)
    nombre = str(supplier.get("name") or "").strip()
    if not nombre:
        c.add("1100", "the supplier needs a name", "$.supplier.name")
    issue = _date(c, doc.get("issue_date"), "$.issue_date")
    number = _number(doc.get("series"), doc.get("code"))
    tax = doc.get("tax")
    tax_ext = (tax if type(tax) is dict else _obj(tax)).get("ext")
    if type(tax_ext) is not dict:
        tax_ext = _obj(tax_ext)

    tipo = _TIPO_FACTURA.get(str(tax_ext.get(EXT_DOC_TYPE)))
    if tipo is None:
        c.add(_GOBL + "BILL-INVOICE-10", "doc type is required", "$.tax.ext")

    corrective = tipo is not None and tipo[0] == "R"  # is_corrective, without the property
    rectificativa: TipoRectificativa | None = None
    if corrective:
        rectificativa = _TIPO_RECTIFICATIVA.get(str(tax_ext.get(EXT_CORRECTION_TYPE)))
        if rectificativa is None:
            c.add(_GOBL + "BILL-INVOICE-13", "correction type extension is required", "$.tax.ext")
    sign = -1 if doc.get("type") == "credit-note" else 1

    destinatarios: tuple[PersonaFisicaJuridica, ...] = ()
    if tipo is not None and tipo.needs_recipient:
        customer = doc.get("customer")
        if type(customer) is not dict and not isinstance(customer, Mapping):
            c.add("1189", f"{tipo} needs a customer", "$.customer")
        else:
            party = _party(c, customer, "$.customer")
            if party is not None:
                destinatarios = (party,)

    tercero = None
    emitida = tax_ext.get(EXT_ISSUER_TYPE)
    if emitida == "T":
        issuer = _obj(_obj(doc.get("ordering")).get("issuer"))
        if not issuer:
            c.add("1186", "issuer-type T needs ordering.issuer", "$.ordering.issuer")
        else:
            tercero = _party(c, issuer, "$.ordering.issuer")

    totals = doc.get("totals")
    if type(totals) is not dict:
        totals = _obj(totals)
    desglose, cuota_total = _desglose(c, totals, sign)
    total = _decimal(c, totals.get("total", "0"), "$.totals.total", "")
    importe_total = (total if sign > 0 else -total) + cuota_total

    descripcion = _description(doc)
    if not descripcion:
        c.add("VERIFACTU-DESC-01", "a general note or a named line is required", "$.notes")
    elif len(descripcion) > 500:
        c.add(
            _GOBL + "BILL-INVOICE-14", "general note text must be 500 characters or less", "$.notes"
        )

    rectificadas: tuple[IDFactura, ...] = ()
    sustituidas: tuple[IDFactura, ...] = ()
    importe_rect = None
    if corrective:
        rectificadas = _preceding_keys(c, doc, nif)
        if rectificativa is TipoRectificativa.SUSTITUCION:
            importe_rect = _importe_rectificacion(c, doc)
    elif tipo is _F3:
        sustituidas = _preceding_keys(c, doc, nif)

    fecha_operacion = None
    if doc.get("operation_date"):
        op_date = _date(c, doc["operation_date"], "$.operation_date")
        fecha_operacion = op_date if op_date != issue else None

    if c or tipo is None:  # c is the list of faults
        raise RecordInvalid(faults=c.faults)
    key = _key(c, nif, number, issue, "$.code")
    flags = alta_flags(previous_attempts) if previous_attempts else _FIRST_ATTEMPT
    if not corrective and tipo is not _F3 and emitida not in ("T", "D"):
        return RegistroAlta.ordinary(
            key,
            nombre,
            tipo,
            descripcion,
            desglose,
            cuota_total,
            importe_total,
            sistema,
            now,
            previous,
            ref_externa,
            flags.subsanacion,
            flags.rechazo_previo,
            fecha_operacion,
            tax_ext.get(EXT_SIMPLIFIED_ART7273) == "S",
            destinatarios,
        )
    return RegistroAlta(
        id_factura=key,
        ref_externa=ref_externa,
        nombre_razon_emisor=nombre,
        subsanacion=flags.subsanacion,
        rechazo_previo=flags.rechazo_previo,
        tipo_factura=tipo,
        tipo_rectificativa=rectificativa,
        facturas_rectificadas=rectificadas,
        facturas_sustituidas=sustituidas,
        importe_rectificacion=importe_rect,
        fecha_operacion=fecha_operacion,
        descripcion_operacion=descripcion,
        factura_simplificada_art7273=tax_ext.get(EXT_SIMPLIFIED_ART7273) == "S",
        emitida_por_tercero_o_destinatario=str(emitida) if emitida in ("T", "D") else None,
        tercero=tercero,
        destinatarios=destinatarios,
        desglose=desglose,
        cuota_total=cuota_total,
        importe_total=importe_total,
        registro_anterior=previous,
        sistema_informatico=sistema,
        fecha_hora_huso_gen_registro=now,
    )


def anulacion_from_gobl(
    envelope: Mapping[str, Any],
    *,
    sistema: SistemaInformatico,
    previous: RegistroAnterior | None,
    now: datetime,
    previous_attempts: Sequence[Attempt] = (),
    ref_externa: str | None = None,
) -> RegistroAnulacion:
    """The RegistroAnulacion that voids the invoice in ``envelope``.

    ``previous_attempts`` are earlier submissions of this invoice key (altas and anulaciones),
    oldest first; SinRegistroPrevio and RechazoPrevio follow from them.
    """
    key = invoice_key(envelope)
    flags = anulacion_flags(previous_attempts)
    return RegistroAnulacion(
        id_factura=key,
        ref_externa=ref_externa,
        sin_registro_previo=flags.sin_registro_previo,
        rechazo_previo=flags.rechazo_previo,
        registro_anterior=previous,
        sistema_informatico=sistema,
        fecha_hora_huso_gen_registro=now,
    )


__all__ = ["ADDON", "alta_from_gobl", "anulacion_from_gobl", "invoice_key"]
