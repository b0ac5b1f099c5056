"""Typed, frozen VERI*FACTU records: RegistroAlta, RegistroAnulacion and their parts.

Field order and rules follow SuministroInformacion.xsd (``RegistroFacturacionAltaType``,
``RegistroFacturacionAnulacionType``) and the AEAT validation document [VAL §3.1; spec §4-§6].
Attribute names are the AEAT element names in snake case, so a reader of the XSD finds them.

Amounts are ``Decimal`` and are formatted exactly once, when a part is built (the ``*_text``
attributes). The XML writer, the huella input and the QR URL all
read those same strings ([spec §16]). There are no floats.

A record checks the rules that need nothing but itself (codes of ``errores.csv``). Rules that
need the AEAT census, VIES or the clock are the AEAT's, not ours. Breaking a rule raises
:class:`~facturo.verifactu.errors.RecordInvalid` with every fault found, each with the AEAT
code and the element path inside the record (``$.Destinatarios``).

The huella is computed when a record is built ([HASH §3]), from the very strings the XML gets,
so a record can never carry a stale huella.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, TypeVar

from facturo.errors import Fault
from facturo.verifactu import chain, formats
from facturo.verifactu.errors import RecordInvalid

ID_VERSION: Final = "1.0"  # L15
TIPO_HUELLA: Final = "01"  # L12: SHA-256
MACRODATO_THRESHOLD: Final = Decimal("100000000")  # 1138/1139
#: F2 ceiling: 3000 EUR plus the AEAT's 10 EUR tolerance (1150) [spec §4.2].
F2_LIMIT: Final = Decimal("3010")


class TipoFactura(StrEnum):
    """L2: the kind of invoice the alta registers [spec §4.2]."""

    F1 = "F1"  # full invoice (RD 1619/2012 arts. 6, 7.2, 7.3)
    F2 = "F2"  # simplified invoice, or art. 6.1.d without identified recipient
    F3 = "F3"  # full invoice that replaces simplified invoices already declared
    R1 = "R1"  # corrective: error in law and LIVA art. 80.1, 80.2, 80.6
    R2 = "R2"  # corrective: art. 80.3 (insolvency)
    R3 = "R3"  # corrective: art. 80.4 (bad debts)
    R4 = "R4"  # corrective: other cases
    R5 = "R5"  # corrective of simplified invoices

    @property
    def is_corrective(self) -> bool:
        """R1-R5."""
        return self[0] == "R"  # a StrEnum member is its value; .value costs a descriptor call

    @property
    def needs_recipient(self) -> bool:
        """F1, F3 and R1-R4 need Destinatarios (1189); F2 and R5 forbid them (1190)."""
        return self not in ("F2", "R5")


class TipoRectificativa(StrEnum):
    """L3: how a corrective invoice corrects."""

    SUSTITUCION = "S"  # replaces the original: full new amounts, originals in ImporteRectificacion
    DIFERENCIAS = "I"  # carries only the difference, which may be negative


class IDType(StrEnum):
    """L7: kind of a foreign or unregistered identifier (IDOtro/IDType) [spec §4.1]."""

    NIF_IVA = "02"  # EU VAT number (VIES)
    PASAPORTE = "03"
    DOC_OFICIAL_RESIDENCIA = "04"  # official ID document of the country of residence
    CERT_RESIDENCIA = "05"
    OTRO_DOC = "06"
    NO_CENSADO = "07"  # Spanish natural-person NIF not in the census (accepted with 2001)


class Impuesto(StrEnum):
    """L1: the tax of a breakdown line; absent in the XML means IVA."""

    IVA = "01"
    IPSI = "02"  # Ceuta and Melilla
    IGIC = "03"  # Canarias
    OTROS = "05"


#: Members the hot paths compare against, as module names: reading a member off its enum class
#: goes through the enum machinery on every access.
_F1: Final = TipoFactura.F1
_F2: Final = TipoFactura.F2
_F3: Final = TipoFactura.F3
_OTROS: Final = Impuesto.OTROS

_CONTROL_RE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CALIFICACIONES: Final = frozenset({"S1", "S2", "N1", "N2"})  # L9
EXENCIONES: Final = frozenset({"E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"})  # L10
CLAVES_REGIMEN: Final = frozenset(
    {f"{n:02d}" for n in (*range(1, 12), 14, 15, *range(17, 22))}
)  # L8A/L8B as the XSD enumerates them


_T = TypeVar("_T")


def _slot_init(cls: type[_T]) -> type[_T]:
    """Give a frozen, slotted dataclass an ``__init__`` that stores through its slots.

    The ``__init__`` that ``dataclass(frozen=True)`` writes calls ``object.__setattr__`` once
    per field, to get past the class's own ``__setattr__`` that refuses assignment. Calling
    each slot's descriptor directly does the same store for about half the cost, and a record
    has some thirty fields: this was a tenth of the time of building one. Parameters, defaults
    and ``__post_init__`` are the dataclass's own; assignment after construction still raises
    ``FrozenInstanceError``.
    """
    ns: dict[str, Any] = {}
    params: list[str] = []
    body: list[str] = []
    for f in fields(cls):  # type: ignore[arg-type]
        if not f.init:
            continue
        if f.default_factory is not MISSING:  # not used by the records; keep the generated one
            return cls
        ns[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
        if f.default is MISSING:
            params.append(f.name)
        else:
            ns[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})\n")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()\n")
    exec(f"def __init__(self, {', '.join(params)}):\n{''.join(body)}", ns)  # noqa: S102
    init = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def _assembler(cls: type[_T]) -> Callable[..., _T]:
    """A function that stores every field of ``cls`` (in field order) and checks nothing.

    Only for values already proved to keep every rule of the class: the factories
    :meth:`DetalleDesglose.s1`, :meth:`DetalleDesglose.s1_from_text`,
    :meth:`PersonaFisicaJuridica.with_nif` and :meth:`RegistroAlta.ordinary` after their own
    checks, and ``as_anterior`` with a key that was checked and a huella that
    :func:`chain.digest` wrote. Running ``__post_init__`` again would only repeat that work.
    Never exported: a record built any other way is checked.
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    ns: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    body = ["    self = _new(_cls)\n"]
    for name in names:
        ns[f"_set_{name}"] = cls.__dict__[name].__set__
        body.append(f"    _set_{name}(self, {name})\n")
    exec(f"def assemble({', '.join(names)}):\n{''.join(body)}    return self\n", ns)  # noqa: S102
    assemble: Callable[..., _T] = ns["assemble"]
    assemble.__qualname__ = f"{cls.__qualname__}._assemble"
    return assemble


class _Faults:
    """Collects faults so a record reports every broken rule at once, not the first."""

    def __init__(self) -> None:
        self.items: list[Fault] = []

    def add(self, code: str, message: str, path: str) -> None:
        self.items.append(Fault(code=code, message=message, paths=(path,)))

    def check_text(self, value: str, path: str, *, max_len: int, required: bool = True) -> None:
        stripped = value.strip()
        if required and not stripped:
            self.add("1100", "value is required", path)
        elif len(value) > max_len:
            self.add("1100", f"longer than {max_len} characters", path)
        elif value != stripped:
            self.add("1100", "leading or trailing blanks (the AEAT trims them)", path)
        elif _CONTROL_RE.search(value):
            self.add("1100", "control characters cannot travel in XML 1.0", path)

    def check_nif(self, value: str, path: str) -> None:
        if formats.NIF_RE.fullmatch(value) is None:
            self.add("1123", "NIF must be 9 upper-case letters or digits", path)

    def raise_if_any(self, what: str) -> None:
        if self.items:
            raise RecordInvalid(f"{what} breaks AEAT rules", faults=self.items)


_NO_CUOTA: Final = Decimal(0)
#: Taxes whose lines may leave ClaveRegimen out (1245 asks it of IVA and IGIC only).
_CLAVE_OPTIONAL: Final = frozenset({Impuesto.IPSI, Impuesto.OTROS})
#: An amount as ``str`` writes the Decimal it reads and as ``formats.amount`` keeps it: sign,
#: 1-12 integer digits without leading zeros, exactly two decimals.
_AMOUNT_FORM: Final = re.compile(r"-?(?:0|[1-9]\d{0,11})\.\d\d")
_COSTE: Final = "$.BaseImponibleACoste"
_RECARGO: Final = "$.CuotaRecargo"


def _amount(faults: _Faults, value: Decimal, path: str) -> str:
    try:
        return formats.amount(value)
    except ValueError as exc:
        faults.add("1100", str(exc), path)
        return ""


def _rate(faults: _Faults, value: Decimal | None, path: str) -> str | None:
    if value is None:
        return None
    try:
        return formats.rate(value)
    except ValueError as exc:
        faults.add("1100", str(exc), path)
        return None


@_slot_init
@dataclass(frozen=True, slots=True)
class IDFactura:
    """The key of an invoice record: issuer NIF, series + number, issue date [SWEB §3].

    The key can never be used again for another invoice, not even after an anulación [FAQ §6].
    """

    id_emisor_factura: str
    num_serie_factura: str
    fecha_expedicion_factura: date
    fecha_text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        nif, num = self.id_emisor_factura, self.num_serie_factura
        if (
            formats.NIF_RE.fullmatch(nif) is None
            or formats.NUM_SERIE_RE.fullmatch(num) is None
            or num[0] == " "
            or num[-1] == " "
        ):
            self._refuse()
        _set_id_fecha_text(self, formats.fecha(self.fecha_expedicion_factura))

    def _refuse(self) -> None:
        faults = _Faults()
        faults.check_nif(self.id_emisor_factura, "$.IDEmisorFactura")
        if formats.NUM_SERIE_RE.fullmatch(self.num_serie_factura) is None:
            faults.add(
                "1130",
                "NumSerieFactura must be 1-60 printable ASCII characters without \" ' < > =",
                "$.NumSerieFactura",
            )
        elif self.num_serie_factura != self.num_serie_factura.strip():
            faults.add(
                "1104", "NumSerieFactura has leading or trailing blanks", "$.NumSerieFactura"
            )
        faults.raise_if_any("IDFactura")


#: The slot's own setter: a record is frozen, and this stores past that for a fraction of the
#: cost of ``object.__setattr__``; the key is built for every record and every reference.
_set_id_fecha_text: Final = IDFactura.__dict__["fecha_text"].__set__


@_slot_init
@dataclass(frozen=True, slots=True)
class IDOtro:
    """A non-Spanish or unregistered identifier (``IDOtroType``) [spec §4.1]."""

    id_type: IDType
    id: str
    codigo_pais: str | None = None

    def __post_init__(self) -> None:
        faults = _Faults()
        faults.check_text(self.id, "$.IDOtro.ID", max_len=20)
        if self.codigo_pais is not None and len(self.codigo_pais) != 2:
            faults.add("1100", "CodigoPais is ISO 3166-1 alpha-2", "$.IDOtro.CodigoPais")
        if self.id_type is not IDType.NIF_IVA and self.codigo_pais is None:
            faults.add("1111", "CodigoPais is required unless IDType is 02", "$.IDOtro.CodigoPais")
        if self.codigo_pais == "ES" and self.id_type not in (IDType.PASAPORTE, IDType.NO_CENSADO):
            faults.add("1126", "CodigoPais ES only with IDType 03 or 07", "$.IDOtro.CodigoPais")
        if self.id_type is IDType.NO_CENSADO and self.codigo_pais != "ES":
            faults.add("1126", "IDType 07 needs CodigoPais ES", "$.IDOtro.CodigoPais")
        if (
            self.id_type is IDType.NIF_IVA
            and self.codigo_pais is not None
            and not self.id.startswith(self.codigo_pais)
        ):
            faults.add("1122", "CodigoPais must match the NIF-IVA prefix", "$.IDOtro.CodigoPais")
        faults.raise_if_any("IDOtro")


@_slot_init
@dataclass(frozen=True, slots=True)
class PersonaFisicaJuridica:
    """A party: name plus either a Spanish NIF or an :class:`IDOtro` (never both)."""

    nombre_razon: str
    nif: str | None = None
    id_otro: IDOtro | None = None

    def __post_init__(self) -> None:
        faults = _Faults()
        faults.check_text(self.nombre_razon, "$.NombreRazon", max_len=120)
        if (self.nif is None) == (self.id_otro is None):
            faults.add("1100", "exactly one of NIF or IDOtro is required", "$.NIF")
        if self.nif is not None:
            faults.check_nif(self.nif, "$.NIF")
        faults.raise_if_any("PersonaFisicaJuridica")

    @classmethod
    def with_nif(cls, nombre_razon: str, nif: str) -> PersonaFisicaJuridica:
        """A party with a Spanish NIF: the same party, and the same faults, as
        ``PersonaFisicaJuridica(nombre_razon, nif=nif)``, for less.

        A NIF and no IDOtro is the shape the one-identifier rule asks for, so only the name
        (1-120 characters, no outer blanks, no control characters) and the NIF's form are
        checked; if either fails, the constructor reports every fault. Most recipients have a
        NIF, and the GOBL mapper builds one per invoice.
        """
        if (
            0 < len(nombre_razon) <= 120
            and nombre_razon == nombre_razon.strip()
            and _CONTROL_RE.search(nombre_razon) is None
            and formats.NIF_RE.fullmatch(nif) is not None
        ):
            return _assemble_persona(nombre_razon, nif, None)
        return cls(nombre_razon, nif=nif)


_assemble_persona: Final = _assembler(PersonaFisicaJuridica)


@_slot_init
@dataclass(frozen=True, slots=True)
class DetalleDesglose:
    """One line of the tax breakdown (``DetalleType``) [spec §4.3].

    One line per tax, regime, rate and operation class. Exactly one of
    ``calificacion_operacion`` (S1/S2/N1/N2) or ``operacion_exenta`` (E1-E8) is set.
    """

    base_imponible_o_importe_no_sujeto: Decimal
    impuesto: Impuesto = Impuesto.IVA
    clave_regimen: str | None = None
    calificacion_operacion: str | None = None
    operacion_exenta: str | None = None
    tipo_impositivo: Decimal | None = None
    base_imponible_a_coste: Decimal | None = None
    cuota_repercutida: Decimal | None = None
    tipo_recargo_equivalencia: Decimal | None = None
    cuota_recargo_equivalencia: Decimal | None = None
    base_text: str = field(init=False, repr=False, compare=False)
    tipo_impositivo_text: str | None = field(init=False, repr=False, compare=False)
    base_a_coste_text: str | None = field(init=False, repr=False, compare=False)
    cuota_text: str | None = field(init=False, repr=False, compare=False)
    tipo_recargo_text: str | None = field(init=False, repr=False, compare=False)
    cuota_recargo_text: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        f = _Faults()
        set_ = object.__setattr__
        set_(self, "base_text", _amount(f, self.base_imponible_o_importe_no_sujeto, "$.Base"))
        set_(self, "tipo_impositivo_text", _rate(f, self.tipo_impositivo, "$.TipoImpositivo"))
        set_(self, "tipo_recargo_text", _rate(f, self.tipo_recargo_equivalencia, "$.TipoRE"))
        value = self.base_imponible_a_coste
        set_(self, "base_a_coste_text", None if value is None else _amount(f, value, _COSTE))
        value = self.cuota_repercutida
        set_(self, "cuota_text", None if value is None else _amount(f, value, "$.CuotaRepercutida"))
        value = self.cuota_recargo_equivalencia
        set_(self, "cuota_recargo_text", None if value is None else _amount(f, value, _RECARGO))
        self._check(f)
        if f.items:
            f.raise_if_any("DetalleDesglose")

    def _check(self, f: _Faults) -> None:
        calif, exenta = self.calificacion_operacion, self.operacion_exenta
        impuesto, clave, cuota = self.impuesto, self.clave_regimen, self.cuota_repercutida
        tipo_re, cuota_re = self.tipo_recargo_equivalencia, self.cuota_recargo_equivalencia
        if (calif is None) == (exenta is None):
            f.add("1195", "exactly one of CalificacionOperacion or OperacionExenta", "$.Calif")
        if calif is not None and calif not in CALIFICACIONES:
            f.add("1100", f"CalificacionOperacion {calif!r} is not S1/S2/N1/N2", "$.Calif")
        if exenta is not None and exenta not in EXENCIONES:
            f.add("1100", f"OperacionExenta {exenta!r} is not E1-E8", "$.OperacionExenta")
        if clave is not None and clave not in CLAVES_REGIMEN:
            f.add("1100", f"ClaveRegimen {clave!r} unknown", "$.ClaveRegimen")
        if clave is None and impuesto in (Impuesto.IVA, Impuesto.IGIC):
            f.add("1245", "ClaveRegimen is required for IVA and IGIC", "$.ClaveRegimen")
        if clave is not None and impuesto is Impuesto.OTROS:
            f.add("1260", "ClaveRegimen is not allowed for tax 05", "$.ClaveRegimen")
        has_rate_fields = not (
            self.tipo_impositivo is None and cuota is None and tipo_re is None and cuota_re is None
        )
        if exenta is not None and has_rate_fields:
            f.add("1238", "an exempt line carries no rate, cuota or recargo", "$.TipoImpositivo")
        if calif == "S1":
            if cuota is None:
                f.add("1100", "CuotaRepercutida is required with S1", "$.CuotaRepercutida")
        elif calif == "S2":
            if self.tipo_impositivo != 0 or cuota != 0:
                f.add("1198", "S2 needs TipoImpositivo and CuotaRepercutida equal to 0", "$.Calif")
        elif calif in ("N1", "N2") and impuesto is Impuesto.IVA and has_rate_fields:
            f.add("1237", "an N1/N2 line carries no rate, cuota or recargo", "$.TipoImpositivo")
        if (tipo_re is None) != (cuota_re is None):
            f.add("1284", "TipoRecargo and CuotaRecargo go together", "$.CuotaRecargo")
        if cuota_re is not None and calif != "S1":
            f.add("1281", "equivalence surcharge only with S1", "$.CuotaRecargo")
        base = self.base_imponible_o_importe_no_sujeto
        if calif == "S1" and cuota is not None and base * cuota < 0:
            f.add("1143", "CuotaRepercutida has the opposite sign of the base", "$.Cuota")

    @classmethod
    def s1(
        cls,
        base: Decimal,
        cuota: Decimal,
        tipo: Decimal | None,
        *,
        impuesto: Impuesto = Impuesto.IVA,
        clave: str | None = None,
        base_a_coste: Decimal | None = None,
        tipo_recargo: Decimal | None = None,
        cuota_recargo: Decimal | None = None,
    ) -> DetalleDesglose:
        """A taxed line (``CalificacionOperacion`` S1): the same line, and the same faults, as
        ``DetalleDesglose(base, impuesto, clave, "S1", None, tipo, base_a_coste, cuota,
        tipo_recargo, cuota_recargo)``, for about three quarters of the cost.

        S1 fixes the shape of the line, so the rules about which fields go together (1195,
        1238, 1237, 1198, 1281, the cuota S1 needs) hold by construction. What is left is
        checked here: every amount and rate fits its XSD type, ClaveRegimen is in L8 and fits
        the tax (1100, 1245, 1260), the surcharge comes as a pair (1284) and the cuota has the
        base's sign (1143). When any of these fails, the general constructor builds the line
        instead and reports every fault, as it always has. The GOBL mapper builds one such
        line per tax rate of every invoice, which is why it has its own path.
        """
        try:
            base_text = formats.amount(base)
            cuota_text = formats.amount(cuota)
            tipo_text = None if tipo is None else formats.rate(tipo)
            coste_text = None if base_a_coste is None else formats.amount(base_a_coste)
            if tipo_recargo is None and cuota_recargo is None:
                re_text = re_cuota_text = None
            elif tipo_recargo is not None and cuota_recargo is not None:
                re_text = formats.rate(tipo_recargo)
                re_cuota_text = formats.amount(cuota_recargo)
            else:
                raise ValueError("TipoRecargo and CuotaRecargo go together")
        except ValueError:
            pass  # the general constructor below names every fault
        else:
            if (
                (impuesto in _CLAVE_OPTIONAL if clave is None else clave in CLAVES_REGIMEN)
                and (clave is None or impuesto is not _OTROS)
                and not base * cuota < 0
            ):
                return _assemble_detalle(
                    base, impuesto, clave, "S1", None, tipo, base_a_coste, cuota,
                    tipo_recargo, cuota_recargo, base_text, tipo_text, coste_text,
                    cuota_text, re_text, re_cuota_text,
                )  # fmt: skip
        return cls(base, impuesto, clave, "S1", None, tipo, base_a_coste, cuota, tipo_recargo,
                   cuota_recargo)  # fmt: skip

    @classmethod
    def s1_from_text(
        cls, base: str, cuota: str, tipo: str, impuesto: Impuesto, clave: str | None
    ) -> DetalleDesglose:
        """A taxed line from the texts of its base and cuota, already in the AEAT's amount form
        (``"1620.00"``, ``"-340.20"``: 1-12 digits without leading zeros, two decimals, as GOBL
        writes calculated totals), and of its rate (``"21.0"``, any text ``Decimal`` reads):
        the same line, and the same faults, as ``s1(Decimal(base), Decimal(cuota),
        Decimal(tipo), impuesto=impuesto, clave=clave)``.

        ``Decimal`` reads such an amount and ``str`` would give it back unchanged, so the texts
        are the line's texts as they are. An amount in any other form raises ``ValueError``
        before anything is built, for the caller to take its general path.
        """
        if _AMOUNT_FORM.fullmatch(base) is None or _AMOUNT_FORM.fullmatch(cuota) is None:
            raise ValueError("amount texts must have 1-12 digits and two decimals")
        base_value, cuota_value, tipo_value = Decimal(base), Decimal(cuota), Decimal(tipo)
        if (impuesto in _CLAVE_OPTIONAL if clave is None else clave in CLAVES_REGIMEN) and (
            clave is None or impuesto is not _OTROS
        ):
            try:
                tipo_text = formats.rate(tipo_value)
            except ValueError:
                pass  # s1 below names the fault
            else:
                if not base_value * cuota_value < 0:
                    return _assemble_detalle(
                        base_value, impuesto, clave, "S1", None, tipo_value, None, cuota_value,
                        None, None, "0.00" if base == "-0.00" else base, tipo_text, None,
                        "0.00" if cuota == "-0.00" else cuota, None, None,
                    )  # fmt: skip
        return cls.s1(base_value, cuota_value, tipo_value, impuesto=impuesto, clave=clave)

    @property
    def cuota_total(self) -> Decimal:
        """Cuota plus surcharge: this line's share of CuotaTotal [VAL 16]."""
        return (self.cuota_repercutida or _NO_CUOTA) + (
            self.cuota_recargo_equivalencia or _NO_CUOTA
        )


_assemble_detalle: Final = _assembler(DetalleDesglose)


@_slot_init
@dataclass(frozen=True, slots=True)
class ImporteRectificacion:
    """The original amounts a substitutive corrective (TipoRectificativa=S) replaces."""

    base_rectificada: Decimal
    cuota_rectificada: Decimal
    cuota_recargo_rectificado: Decimal | None = None
    base_text: str = field(init=False, repr=False, compare=False)
    cuota_text: str = field(init=False, repr=False, compare=False)
    cuota_recargo_text: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        f = _Faults()
        object.__setattr__(
            self, "base_text", _amount(f, self.base_rectificada, "$.BaseRectificada")
        )
        object.__setattr__(
            self, "cuota_text", _amount(f, self.cuota_rectificada, "$.CuotaRectificada")
        )
        recargo = self.cuota_recargo_rectificado
        object.__setattr__(
            self,
            "cuota_recargo_text",
            None if recargo is None else _amount(f, recargo, "$.CuotaRecargoRectificado"),
        )
        f.raise_if_any("ImporteRectificacion")


@_slot_init
@dataclass(frozen=True, slots=True)
class SistemaInformatico:
    """Identity of the invoicing software (SIF) and of this installation [spec §6].

    ``nombre_razon`` and ``nif``/``id_otro`` name the software **producer**, not the taxpayer.
    ``indicador_multiples_ot`` is whether the installation holds more than one taxpayer at the
    moment the record is generated, which is why it is a value given per record.
    """

    nombre_razon: str
    nombre_sistema_informatico: str
    id_sistema_informatico: str
    version: str
    numero_instalacion: str
    nif: str | None = None
    id_otro: IDOtro | None = None
    tipo_uso_posible_solo_verifactu: bool = True
    tipo_uso_posible_multi_ot: bool = True
    indicador_multiples_ot: bool = False

    def __post_init__(self) -> None:
        f = _Faults()
        f.check_text(self.nombre_razon, "$.SistemaInformatico.NombreRazon", max_len=120)
        if (self.nif is None) == (self.id_otro is None):
            f.add("1100", "exactly one of NIF or IDOtro is required", "$.SistemaInformatico.NIF")
        if self.nif is not None:
            f.check_nif(self.nif, "$.SistemaInformatico.NIF")
        if self.id_otro is not None and self.id_otro.id_type is IDType.NO_CENSADO:
            f.add("1223", "IDType 07 is not allowed for the SIF", "$.SistemaInformatico.IDOtro")
        f.check_text(
            self.nombre_sistema_informatico,
            "$.SistemaInformatico.NombreSistemaInformatico",
            max_len=30,
        )
        if len(self.id_sistema_informatico) != 2 or not all(
            c.isascii() and (c.isdigit() or c.isupper()) for c in self.id_sistema_informatico
        ):
            f.add(
                "1177",
                "IdSistemaInformatico is 2 characters in [A-Z0-9]",
                "$.SistemaInformatico.IdSistemaInformatico",
            )
        f.check_text(self.version, "$.SistemaInformatico.Version", max_len=50)
        f.check_text(self.numero_instalacion, "$.SistemaInformatico.NumeroInstalacion", max_len=100)
        f.raise_if_any("SistemaInformatico")


@_slot_init
@dataclass(frozen=True, slots=True)
class RegistroAnterior:
    """The previous record of the chain: its invoice key and its huella [ORDEN art. 7.c].

    For an anulación, the key is the cancelled invoice's key (``IDFactura`` of that record).
    """

    id_factura: IDFactura
    huella: str

    def __post_init__(self) -> None:
        if not chain.is_huella(self.huella):
            raise RecordInvalid(
                "RegistroAnterior breaks AEAT rules",
                faults=[
                    Fault(
                        "2002",
                        "the previous huella must be 64 upper-case hex characters",
                        ("$.Encadenamiento.RegistroAnterior.Huella",),
                    )
                ],
            )


@_slot_init
@dataclass(frozen=True, slots=True)
class RegistroAlta:
    """A registration record: an invoice was issued, or an earlier alta is corrected [spec §4].

    ``registro_anterior`` is ``None`` for the first record of the chain (PrimerRegistro=S).
    ``huella`` is computed when the record is built.
    """

    id_factura: IDFactura
    nombre_razon_emisor: str
    tipo_factura: TipoFactura
    descripcion_operacion: str
    desglose: tuple[DetalleDesglose, ...]
    cuota_total: Decimal
    importe_total: Decimal
    sistema_informatico: SistemaInformatico
    fecha_hora_huso_gen_registro: datetime
    registro_anterior: RegistroAnterior | None = None
    ref_externa: str | None = None
    subsanacion: bool = False
    rechazo_previo: str | None = None  # L17: "N", "S" or "X"
    tipo_rectificativa: TipoRectificativa | None = None
    facturas_rectificadas: tuple[IDFactura, ...] = ()
    facturas_sustituidas: tuple[IDFactura, ...] = ()
    importe_rectificacion: ImporteRectificacion | None = None
    fecha_operacion: date | None = None
    factura_simplificada_art7273: bool = False
    factura_sin_identif_destinatario_art61d: bool = False
    emitida_por_tercero_o_destinatario: str | None = None  # L6: "T" or "D"
    tercero: PersonaFisicaJuridica | None = None
    destinatarios: tuple[PersonaFisicaJuridica, ...] = ()
    cupon: bool = False
    num_registro_acuerdo_facturacion: str | None = None
    id_acuerdo_sistema_informatico: str | None = None
    cuota_total_text: str = field(init=False, repr=False, compare=False)
    importe_total_text: str = field(init=False, repr=False, compare=False)
    fecha_hora_text: str = field(init=False, repr=False, compare=False)
    huella: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        f = _Faults()
        try:
            cuota_text = formats.amount(self.cuota_total)
        except ValueError as exc:
            cuota_text = ""
            f.add("1100", str(exc), "$.CuotaTotal")
        try:
            importe_text = formats.amount(self.importe_total)
        except ValueError as exc:
            importe_text = ""
            f.add("1100", str(exc), "$.ImporteTotal")
        try:
            fecha_hora = formats.fecha_hora_huso(self.fecha_hora_huso_gen_registro)
        except ValueError as exc:
            fecha_hora = ""
            f.add("1100", str(exc), "$.FechaHoraHusoGenRegistro")
        self._check(f)
        if f.items:
            f.raise_if_any("RegistroAlta")
        _set_alta_cuota_text(self, cuota_text)
        _set_alta_importe_text(self, importe_text)
        _set_alta_fecha_hora_text(self, fecha_hora)
        _set_alta_huella(
            self,
            _alta_huella(
                self.id_factura,
                self.tipo_factura,
                cuota_text,
                importe_text,
                self.registro_anterior,
                fecha_hora,
            ),
        )

    def _check(self, f: _Faults) -> None:
        tipo = self.tipo_factura
        needs_recipient = tipo.needs_recipient
        f.check_text(self.nombre_razon_emisor, "$.NombreRazonEmisor", max_len=120)
        f.check_text(self.descripcion_operacion, "$.DescripcionOperacion", max_len=500)
        if self.ref_externa is not None:
            f.check_text(self.ref_externa, "$.RefExterna", max_len=60)
        if self.rechazo_previo is not None:
            self._check_rechazo(f, self.rechazo_previo)
        if (
            tipo[0] == "R"  # TipoFactura.is_corrective, without the property call
            or tipo is _F3
            or self.tipo_rectificativa is not None
            or self.facturas_rectificadas
            or self.facturas_sustituidas
            or self.importe_rectificacion is not None
        ):
            self._check_correction(f, tipo)
        if self.factura_simplificada_art7273 and not needs_recipient:
            f.add("1183", "FacturaSimplificadaArt7273 only with F1, F3, R1-R4", "$.Art7273")
        if self.factura_sin_identif_destinatario_art61d and needs_recipient:
            f.add("1185", "FacturaSinIdentifDestinatarioArt61d only with F2, R5", "$.Art61d")
        destinatarios = self.destinatarios
        if needs_recipient and not destinatarios:
            f.add("1189", f"{tipo} needs Destinatarios", "$.Destinatarios")
        if not needs_recipient and destinatarios:
            f.add("1190", f"{tipo} must not have Destinatarios", "$.Destinatarios")
        if len(destinatarios) > 1000:
            f.add("1100", "at most 1000 Destinatarios", "$.Destinatarios")
        emitida, tercero = self.emitida_por_tercero_o_destinatario, self.tercero
        if emitida is not None or tercero is not None:
            self._check_tercero(f, emitida, tercero)
        issuer = self.id_factura.id_emisor_factura
        for i, dest in enumerate(destinatarios):
            if dest.nif is not None and dest.nif == issuer:
                f.add("1193", "recipient NIF equals the issuer's", f"$.Destinatarios[{i}]")
            if dest.id_otro and dest.id_otro.id_type is IDType.NIF_IVA and not needs_recipient:
                f.add("1156", "IDType 02 only with F1, F3, R1-R4", f"$.Destinatarios[{i}]")
        if (
            tipo is _F2
            and not self.factura_sin_identif_destinatario_art61d
            and self.num_registro_acuerdo_facturacion is None
            and abs(self.importe_total) > F2_LIMIT
        ):
            f.add("1150", "F2 above 3000 EUR needs an agreement or art. 61d", "$.ImporteTotal")
        if self.cupon and tipo not in (TipoFactura.R1, TipoFactura.R5):
            f.add("1157", "Cupon only with R1 or R5", "$.Cupon")
        if not 1 <= len(self.desglose) <= 12:
            f.add("1100", "Desglose has 1 to 12 DetalleDesglose", "$.Desglose")
        if not needs_recipient:
            for i, line in enumerate(self.desglose):
                if line.calificacion_operacion == "S2":
                    f.add("1197", "S2 only with F1, F3, R1-R4", f"$.Desglose[{i}]")
        if self.num_registro_acuerdo_facturacion is not None:
            f.check_text(
                self.num_registro_acuerdo_facturacion, "$.NumRegistroAcuerdoFacturacion", max_len=15
            )
        if self.id_acuerdo_sistema_informatico is not None:
            f.check_text(
                self.id_acuerdo_sistema_informatico, "$.IdAcuerdoSistemaInformatico", max_len=16
            )

    def _check_rechazo(self, f: _Faults, rechazo: str) -> None:
        if rechazo not in ("N", "S", "X"):
            f.add("1100", "RechazoPrevio is N, S or X", "$.RechazoPrevio")
        if rechazo == "X" and not self.subsanacion:
            f.add("1153", "RechazoPrevio=X needs Subsanacion=S", "$.RechazoPrevio")
        if rechazo == "S" and not self.subsanacion:
            f.add("1161", "RechazoPrevio=S needs Subsanacion=S", "$.RechazoPrevio")

    def _check_correction(self, f: _Faults, tipo: TipoFactura) -> None:
        """Rules of correctives (R1-R5) and replacements (F3); most invoices are neither."""
        corrective = tipo.is_corrective
        rectificativa = self.tipo_rectificativa
        if corrective and rectificativa is None:
            f.add("1114", "a corrective invoice needs TipoRectificativa", "$.TipoRectificativa")
        if not corrective and rectificativa is not None:
            f.add("1115", "TipoRectificativa only for R1-R5", "$.TipoRectificativa")
        if self.facturas_rectificadas and not corrective:
            f.add("1117", "FacturasRectificadas only for R1-R5", "$.FacturasRectificadas")
        if self.facturas_sustituidas and tipo is not TipoFactura.F3:
            f.add("1116", "FacturasSustituidas only for F3", "$.FacturasSustituidas")
        for name, items in (
            ("FacturasRectificadas", self.facturas_rectificadas),
            ("FacturasSustituidas", self.facturas_sustituidas),
        ):
            if len(items) > 1000:
                f.add("1100", f"at most 1000 {name}", f"$.{name}")
        sustitucion = rectificativa is TipoRectificativa.SUSTITUCION
        if sustitucion and self.importe_rectificacion is None:
            f.add("1118", "TipoRectificativa=S needs ImporteRectificacion", "$.ImporteRectif")
        if not sustitucion and self.importe_rectificacion is not None:
            f.add("1119", "ImporteRectificacion only with TipoRectificativa=S", "$.ImporteRectif")

    def _check_tercero(
        self, f: _Faults, emitida: str | None, tercero: PersonaFisicaJuridica | None
    ) -> None:
        if emitida not in (None, "T", "D"):
            f.add("1100", "EmitidaPorTerceroODestinatario is T or D", "$.EmitidaPor")
        if emitida == "T" and tercero is None:
            f.add("1186", "EmitidaPorTerceroODestinatario=T needs Tercero", "$.Tercero")
        if emitida != "T" and tercero is not None:
            f.add("1187", "Tercero only with EmitidaPorTerceroODestinatario=T", "$.Tercero")
        if tercero is not None:
            if tercero.nif == self.id_factura.id_emisor_factura:
                f.add("1188", "Tercero must differ from the issuer", "$.Tercero")
            if tercero.id_otro and tercero.id_otro.id_type is IDType.NO_CENSADO:
                f.add("1211", "Tercero may not use IDType 07", "$.Tercero")

    @property
    def macrodato(self) -> bool:
        """``Macrodato=S`` exactly when |ImporteTotal| ≥ 100,000,000 € (1138/1139)."""
        return abs(self.importe_total) >= MACRODATO_THRESHOLD

    @property
    def primer_registro(self) -> bool:
        """Whether this record opens its chain (``Encadenamiento/PrimerRegistro=S``)."""
        return self.registro_anterior is None

    def hash_pairs(self) -> tuple[tuple[str, str], ...]:
        """The huella input, in [HASH §3] order, from the strings the XML gets."""
        return (
            ("IDEmisorFactura", self.id_factura.id_emisor_factura),
            ("NumSerieFactura", self.id_factura.num_serie_factura),
            ("FechaExpedicionFactura", self.id_factura.fecha_text),
            ("TipoFactura", self.tipo_factura.value),
            ("CuotaTotal", self.cuota_total_text),
            ("ImporteTotal", self.importe_total_text),
            ("Huella", self.registro_anterior.huella if self.registro_anterior else ""),
            ("FechaHoraHusoGenRegistro", self.fecha_hora_text),
        )

    @classmethod
    def ordinary(
        cls,
        id_factura: IDFactura,
        nombre_razon_emisor: str,
        tipo_factura: TipoFactura,
        descripcion_operacion: str,
        desglose: tuple[DetalleDesglose, ...],
        cuota_total: Decimal,
        importe_total: Decimal,
        sistema_informatico: SistemaInformatico,
        fecha_hora_huso_gen_registro: datetime,
        registro_anterior: RegistroAnterior | None = None,
        ref_externa: str | None = None,
        subsanacion: bool = False,
        rechazo_previo: str | None = None,
        fecha_operacion: date | None = None,
        factura_simplificada_art7273: bool = False,
        destinatarios: tuple[PersonaFisicaJuridica, ...] = (),
    ) -> RegistroAlta:
        """An alta of an invoice that corrects, replaces and delegates nothing: the same
        record, and the same faults, as the constructor given these fields, for less.

        An invoice that is no corrective (R1-R5) nor F3, with no Tercero, no
        EmitidaPorTerceroODestinatario, no art. 61d flag, no Cupon and no agreement numbers,
        keeps by its shape every rule about corrections (1114-1119), third parties (1186-1188,
        1211), Cupon (1157) and those numbers. What is left is checked here: the texts
        (1100), RechazoPrevio with Subsanacion (1100, 1153, 1161), art. 72/73 (1183), the
        recipients (1189, 1190, 1193, at most 1000), the F2 ceiling (1150), 1 to 12 breakdown
        lines and S2 only with recipients (1197), and that both totals and the timestamp have
        their AEAT form. When any of these fails, or the type is not F1 or F2, the constructor
        builds the record instead and reports every fault. The GOBL mapper builds almost every
        record of an installation this way.
        """
        needs_recipient = tipo_factura is _F1
        if (
            (needs_recipient or tipo_factura is _F2)
            and _plain_text(nombre_razon_emisor, 120)
            and _plain_text(descripcion_operacion, 500)
            and (ref_externa is None or _plain_text(ref_externa, 60))
            and (
                rechazo_previo is None
                or rechazo_previo == "N"
                or (subsanacion and (rechazo_previo == "S" or rechazo_previo == "X"))
            )
            and (needs_recipient or not factura_simplificada_art7273)
            and (
                0 < len(destinatarios) <= 1000
                if needs_recipient
                else not destinatarios and abs(importe_total) <= F2_LIMIT
            )
            and 1 <= len(desglose) <= 12
        ):
            issuer = id_factura.id_emisor_factura
            try:
                cuota_text = formats.amount(cuota_total)
                importe_text = formats.amount(importe_total)
                fecha_hora = formats.fecha_hora_huso(fecha_hora_huso_gen_registro)
            except ValueError:
                pass  # the constructor below names every fault
            else:
                ok = True  # 1193: no recipient has the issuer's NIF; 1197: S2 needs one
                for dest in destinatarios:
                    if dest.nif == issuer:
                        ok = False
                if not needs_recipient:
                    for line in desglose:
                        if line.calificacion_operacion == "S2":
                            ok = False
                if ok:
                    return _assemble_alta(
                        id_factura, nombre_razon_emisor, tipo_factura, descripcion_operacion,
                        desglose, cuota_total, importe_total, sistema_informatico,
                        fecha_hora_huso_gen_registro, registro_anterior, ref_externa,
                        subsanacion, rechazo_previo, None, (), (), None, fecha_operacion,
                        factura_simplificada_art7273, False, None, None, destinatarios, False,
                        None, None, cuota_text, importe_text, fecha_hora,
                        _alta_huella(
                            id_factura, tipo_factura, cuota_text, importe_text,
                            registro_anterior, fecha_hora,
                        ),
                    )  # fmt: skip
        return cls(
            id_factura=id_factura,
            nombre_razon_emisor=nombre_razon_emisor,
            tipo_factura=tipo_factura,
            descripcion_operacion=descripcion_operacion,
            desglose=desglose,
            cuota_total=cuota_total,
            importe_total=importe_total,
            sistema_informatico=sistema_informatico,
            fecha_hora_huso_gen_registro=fecha_hora_huso_gen_registro,
            registro_anterior=registro_anterior,
            ref_externa=ref_externa,
            subsanacion=subsanacion,
            rechazo_previo=rechazo_previo,
            fecha_operacion=fecha_operacion,
            factura_simplificada_art7273=factura_simplificada_art7273,
            destinatarios=destinatarios,
        )

    def as_anterior(self) -> RegistroAnterior:
        """This record as the ``RegistroAnterior`` of the next record in the chain.

        The huella came from :func:`chain.digest`, so it has the form RegistroAnterior checks.
        """
        return _assemble_anterior(self.id_factura, self.huella)


_assemble_anterior: Final = _assembler(RegistroAnterior)
_assemble_alta: Final = _assembler(RegistroAlta)


def _plain_text(value: str, max_len: int) -> bool:
    """Whether :meth:`_Faults.check_text` finds nothing wrong with a required ``value``."""
    return (
        0 < len(value) <= max_len and value == value.strip() and _CONTROL_RE.search(value) is None
    )


def _alta_huella(
    key: IDFactura,
    tipo: TipoFactura,
    cuota_text: str,
    importe_text: str,
    anterior: RegistroAnterior | None,
    fecha_hora: str,
) -> str:
    """The huella of an alta: :meth:`RegistroAlta.hash_pairs` joined by
    :func:`chain.concatenate`, written out. Every value has passed the record's checks, so
    none has the blanks ``concatenate`` would trim.
    """
    return chain.digest(
        f"IDEmisorFactura={key.id_emisor_factura}"
        f"&NumSerieFactura={key.num_serie_factura}"
        f"&FechaExpedicionFactura={key.fecha_text}"
        f"&TipoFactura={tipo}"
        f"&CuotaTotal={cuota_text}"
        f"&ImporteTotal={importe_text}"
        f"&Huella={'' if anterior is None else anterior.huella}"
        f"&FechaHoraHusoGenRegistro={fecha_hora}"
    )


_set_alta_cuota_text: Final = RegistroAlta.__dict__["cuota_total_text"].__set__
_set_alta_importe_text: Final = RegistroAlta.__dict__["importe_total_text"].__set__
_set_alta_fecha_hora_text: Final = RegistroAlta.__dict__["fecha_hora_text"].__set__
_set_alta_huella: Final = RegistroAlta.__dict__["huella"].__set__


@_slot_init
@dataclass(frozen=True, slots=True)
class RegistroAnulacion:
    """A cancellation record: an issued invoice is voided [spec §5].

    ``sin_registro_previo`` says the alta being cancelled never reached the AEAT;
    ``rechazo_previo`` says an earlier anulación of the same key was rejected (§8).
    """

    id_factura: IDFactura
    sistema_informatico: SistemaInformatico
    fecha_hora_huso_gen_registro: datetime
    registro_anterior: RegistroAnterior | None = None
    ref_externa: str | None = None
    sin_registro_previo: bool = False
    rechazo_previo: bool = False
    generado_por: str | None = None  # L16: "E" issuer, "D" recipient, "T" third party
    generador: PersonaFisicaJuridica | None = None
    fecha_hora_text: str = field(init=False, repr=False, compare=False)
    huella: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        f = _Faults()
        try:
            object.__setattr__(
                self, "fecha_hora_text", formats.fecha_hora_huso(self.fecha_hora_huso_gen_registro)
            )
        except ValueError as exc:
            f.add("1100", str(exc), "$.FechaHoraHusoGenRegistro")
        if self.ref_externa is not None:
            f.check_text(self.ref_externa, "$.RefExterna", max_len=60)
        if self.generado_por not in (None, "E", "D", "T"):
            f.add("1100", "GeneradoPor is E, D or T", "$.GeneradoPor")
        if (self.generado_por is None) != (self.generador is None):
            f.add("1224", "GeneradoPor and Generador go together", "$.Generador")
        if self.generado_por == "E" and self.generador is not None and self.generador.nif is None:
            f.add("1227", "GeneradoPor=E needs a Generador with NIF", "$.Generador")
        if (
            self.generado_por == "T"
            and self.generador is not None
            and self.generador.id_otro is not None
            and self.generador.id_otro.id_type is IDType.NO_CENSADO
        ):
            f.add("1229", "GeneradoPor=T may not use IDType 07", "$.Generador")
        f.raise_if_any("RegistroAnulacion")
        object.__setattr__(self, "huella", chain.digest(chain.concatenate(self.hash_pairs())))

    @property
    def primer_registro(self) -> bool:
        """Whether this record opens its chain (``Encadenamiento/PrimerRegistro=S``)."""
        return self.registro_anterior is None

    def hash_pairs(self) -> tuple[tuple[str, str], ...]:
        """The huella input, in [HASH §3] order."""
        return (
            ("IDEmisorFacturaAnulada", self.id_factura.id_emisor_factura),
            ("NumSerieFacturaAnulada", self.id_factura.num_serie_factura),
            ("FechaExpedicionFacturaAnulada", self.id_factura.fecha_text),
            ("Huella", self.registro_anterior.huella if self.registro_anterior else ""),
            ("FechaHoraHusoGenRegistro", self.fecha_hora_text),
        )

    def as_anterior(self) -> RegistroAnterior:
        """This record as the ``RegistroAnterior`` of the next record in the chain.

        The huella came from :func:`chain.digest`, so it has the form RegistroAnterior checks.
        """
        return _assemble_anterior(self.id_factura, self.huella)


Registro = RegistroAlta | RegistroAnulacion


def check_chain(records: list[Registro] | tuple[Registro, ...]) -> list[Fault]:
    """Faults in a run of records that should form one chain, in generation order.

    The first record may open the chain or continue an earlier one; every later record must
    carry the key and huella of the one just before it [ORDEN art. 7.c-d]. Returns an empty
    list when the run is well chained. The AEAT flags the same faults as 2000 (hash), 2007
    (PrimerRegistro misused) and 2008 (previous huella equals its own) [VAL 18, 23].
    """
    faults: list[Fault] = []
    for i, record in enumerate(records):
        path = f"$[{i}].Encadenamiento"
        anterior = record.registro_anterior
        if anterior is not None and anterior.huella == record.huella:
            faults.append(Fault("2008", "previous huella equals the record's own", (path,)))
        if i == 0:
            continue
        previous = records[i - 1]
        if anterior is None:
            faults.append(Fault("2007", "PrimerRegistro=S in the middle of a chain", (path,)))
        elif anterior != previous.as_anterior():
            faults.append(Fault("2000", "RegistroAnterior is not the previous record", (path,)))
    return faults


__all__ = [
    "CALIFICACIONES",
    "CLAVES_REGIMEN",
    "EXENCIONES",
    "F2_LIMIT",
    "ID_VERSION",
    "MACRODATO_THRESHOLD",
    "TIPO_HUELLA",
    "DetalleDesglose",
    "IDFactura",
    "IDOtro",
    "IDType",
    "ImporteRectificacion",
    "Impuesto",
    "PersonaFisicaJuridica",
    "Registro",
    "RegistroAlta",
    "RegistroAnterior",
    "RegistroAnulacion",
    "SistemaInformatico",
    "TipoFactura",
    "TipoRectificativa",
    "check_chain",
]
