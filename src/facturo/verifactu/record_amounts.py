"""The amounts of an alta: its tax breakdown lines and the amounts a corrective replaces.

Amounts are ``Decimal`` and are formatted exactly once, when a part is built, into the
``*_text`` attributes the XML writer, the huella input and the QR URL all read [spec §16].
An amount or rate that does not fit its XSD type is a fault (1100) at its own path, reported
with every other broken rule of the part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from facturo.verifactu import formats
from facturo.verifactu.record_checks import Faults
from facturo.verifactu.record_codes import CALIFICACIONES, CLAVES_REGIMEN, EXENCIONES, Impuesto
from facturo.verifactu.record_slots import assembler, slot_init

#: A member the hot paths compare against, as a module name: reading a member off its enum
#: class goes through the enum machinery on every access.
_OTROS: Final = Impuesto.OTROS

_NO_CUOTA: Final = Decimal(0)
#: Taxes whose lines may leave ClaveRegimen out (1245 asks it of IVA and IGIC only).
_CLAVE_OPTIONAL: Final = frozenset({Impuesto.IPSI, Impuesto.OTROS})
#: An amount as ``str`` writes the Decimal it reads and as ``formats.amount`` keeps it: sign,
#: 1-12 integer digits without leading zeros, exactly two decimals.
_AMOUNT_FORM: Final = re.compile(r"-?(?:0|[1-9]\d{0,11})\.\d\d")
#: Rates read by :meth:`DetalleDesglose.s1_from_text`, by their text (``"21.0"``): the value
#: and its XML text. An installation uses a handful of rates on every line of every invoice,
#: and reading one costs a Decimal and a formatting; a Decimal is immutable, so records can
#: share it. Only rates that have their AEAT form are kept, and at most this many.
_TIPOS: Final[dict[str, tuple[Decimal, str]]] = {}
_TIPOS_MAX: Final = 256
_COSTE: Final = "$.BaseImponibleACoste"
_RECARGO: Final = "$.CuotaRecargo"


def _amount(faults: Faults, value: Decimal, path: str) -> str:
    try:
        return formats.amount(value)
    except ValueError as exc:
        faults.add("1100", str(exc), path)
        return ""


def _rate(faults: Faults, value: Decimal | None, path: str) -> str | None:
    if value is None:
        return None
    try:
        return formats.rate(value)
    except ValueError as exc:
        faults.add("1100", str(exc), path)
        return None


@slot_init
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
        f = Faults()
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

    def _check(self, f: Faults) -> None:
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
        before anything is built, for the caller to take its general path. A rate text read
        before is not read again (:data:`_TIPOS`).
        """
        if _AMOUNT_FORM.fullmatch(base) is None or _AMOUNT_FORM.fullmatch(cuota) is None:
            raise ValueError("amount texts must have 1-12 digits and two decimals")
        base_value, cuota_value = Decimal(base), Decimal(cuota)
        tipo_text: str | None
        seen = _TIPOS.get(tipo)
        if seen is not None:
            tipo_value, tipo_text = seen
        else:
            tipo_value, tipo_text = Decimal(tipo), None
        if (impuesto in _CLAVE_OPTIONAL if clave is None else clave in CLAVES_REGIMEN) and (
            clave is None or impuesto is not _OTROS
        ):
            if tipo_text is None:
                try:
                    tipo_text = formats.rate(tipo_value)
                except ValueError:
                    pass  # s1 below names the fault
                else:
                    if len(_TIPOS) < _TIPOS_MAX:
                        _TIPOS[tipo] = (tipo_value, tipo_text)
            if tipo_text is not None and not base_value * cuota_value < 0:
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


_assemble_detalle: Final = assembler(DetalleDesglose)


@slot_init
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
        f = Faults()
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


__all__ = ["DetalleDesglose", "ImporteRectificacion"]
