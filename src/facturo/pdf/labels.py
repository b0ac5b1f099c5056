"""The words printed on an invoice, per locale, and the locale's number and date defaults.

Spanish and English are written out; any other locale (the Invopop templates also name ``de``,
``fr``, ``it``, ``pt``) prints in English rather than failing, so those workflows still run.
A locale may carry a region (``es-ES``, ``en_GB``); only the language part selects the table.

Tax categories, rate keys and exemption codes use gobl's keys (``VAT``, ``IRPF``, ``exempt``,
``outside-scope``) and the VERI*FACTU addon's codes (``E1``…``E6``, ``N1``/``N2``; AEAT lists
L9 and L10, spec verifactu.md §4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from facturo.pdf.numbers import NumberFormat


@dataclass(frozen=True, slots=True)
class Words:
    """One locale's labels (``text``) and its printing defaults."""

    language: str
    text: Mapping[str, str]
    numbers: NumberFormat
    date_format: str
    categories: Mapping[str, str] = field(default_factory=dict)
    rate_keys: Mapping[str, str] = field(default_factory=dict)
    exemptions: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        return self.text[key]

    def category(self, code: str) -> str:
        return self.categories.get(code, code)

    def rate_key(self, key: str) -> str:
        return self.rate_keys.get(key, key.replace("-", " "))


_ES_TEXT: Final = {
    "standard": "Factura",
    "corrective": "Factura rectificativa",
    "credit-note": "Factura rectificativa (abono)",
    "debit-note": "Factura rectificativa (cargo)",
    "proforma": "Factura proforma",
    "simplified": "Factura simplificada",
    "simplified-corrective": "Factura simplificada rectificativa",
    "number": "Número",
    "issue_date": "Fecha de expedición",
    "issue_time": "Hora",
    "operation_date": "Fecha de operación",
    "value_date": "Fecha valor",
    "supplier": "Emisor",
    "customer": "Cliente",
    "tax_id": "NIF",
    "no_customer": "Sin destinatario identificado",
    "preceding": "Factura rectificada",
    "preceding_many": "Facturas rectificadas",
    "correction_reason": "Motivo",
    "description": "Descripción",
    "quantity": "Cantidad",
    "unit_price": "Precio unitario",
    "discount": "Descuento",
    "line_total": "Importe",
    "taxes": "Impuestos",
    "tax_breakdown": "Desglose de impuestos",
    "tax": "Impuesto",
    "base": "Base imponible",
    "rate": "Tipo",
    "amount": "Cuota",
    "surcharge": "Recargo de equivalencia",
    "exemption": "Exención / no sujeción",
    "retained": "Retención",
    "discounts": "Descuentos",
    "charges": "Cargos",
    "sum": "Suma de líneas",
    "total": "Total sin impuestos",
    "tax_total": "Impuestos",
    "total_with_tax": "Total con impuestos",
    "retained_tax": "Retenciones",
    "rounding": "Redondeo",
    "payable": "Total a pagar",
    "advance": "Anticipos",
    "due": "Pendiente de pago",
    "payment": "Pago",
    "terms": "Condiciones",
    "due_dates": "Vencimientos",
    "means": "Forma de pago",
    "iban": "IBAN",
    "bic": "BIC",
    "notes": "Notas",
    "page": "Página {page} de {pages}",
    "duplicate": "Duplicado",
    "ordering": "Referencia del pedido",
    "currency": "Moneda",
    "continued": "(continúa)",
}

_EN_TEXT: Final = {
    "standard": "Invoice",
    "corrective": "Corrective invoice",
    "credit-note": "Credit note",
    "debit-note": "Debit note",
    "proforma": "Proforma invoice",
    "simplified": "Simplified invoice",
    "simplified-corrective": "Simplified corrective invoice",
    "number": "Number",
    "issue_date": "Issue date",
    "issue_time": "Time",
    "operation_date": "Operation date",
    "value_date": "Value date",
    "supplier": "From",
    "customer": "Bill to",
    "tax_id": "Tax ID",
    "no_customer": "No identified customer",
    "preceding": "Corrected invoice",
    "preceding_many": "Corrected invoices",
    "correction_reason": "Reason",
    "description": "Description",
    "quantity": "Qty",
    "unit_price": "Unit price",
    "discount": "Discount",
    "line_total": "Amount",
    "taxes": "Taxes",
    "tax_breakdown": "Tax breakdown",
    "tax": "Tax",
    "base": "Base",
    "rate": "Rate",
    "amount": "Amount",
    "surcharge": "Equivalence surcharge",
    "exemption": "Exemption / not subject",
    "retained": "Withholding",
    "discounts": "Discounts",
    "charges": "Charges",
    "sum": "Sum of lines",
    "total": "Total before tax",
    "tax_total": "Taxes",
    "total_with_tax": "Total with tax",
    "retained_tax": "Withheld",
    "rounding": "Rounding",
    "payable": "Total payable",
    "advance": "Advances",
    "due": "Amount due",
    "payment": "Payment",
    "terms": "Terms",
    "due_dates": "Due dates",
    "means": "Payment method",
    "iban": "IBAN",
    "bic": "BIC",
    "notes": "Notes",
    "page": "Page {page} of {pages}",
    "duplicate": "Duplicate",
    "ordering": "Order reference",
    "currency": "Currency",
    "continued": "(continued)",
}

_CATEGORIES_ES: Final = {"VAT": "IVA", "IRPF": "IRPF", "IGIC": "IGIC", "IPSI": "IPSI"}
_CATEGORIES_EN: Final = {"VAT": "VAT", "IRPF": "IRPF", "IGIC": "IGIC", "IPSI": "IPSI"}

_RATE_KEYS_ES: Final = {
    "standard": "general",
    "zero": "tipo cero",
    "exempt": "exenta",
    "outside-scope": "no sujeta",
    "reverse-charge": "inversión del sujeto pasivo",
    "intra-community": "entrega intracomunitaria",
    "export": "exportación",
    "pro": "profesional",
}
_RATE_KEYS_EN: Final = {
    "standard": "standard",
    "zero": "zero rate",
    "exempt": "exempt",
    "outside-scope": "not subject",
    "reverse-charge": "reverse charge",
    "intra-community": "intra-community supply",
    "export": "export",
    "pro": "professional",
}

# es-verifactu-exempt and es-verifactu-op-class codes (AEAT lists L10 and L9).
_EXEMPTIONS_ES: Final = {
    "E1": "Exenta por el artículo 20 de la Ley del IVA",
    "E2": "Exenta por el artículo 21 de la Ley del IVA",
    "E3": "Exenta por el artículo 22 de la Ley del IVA",
    "E4": "Exenta por los artículos 23 y 24 de la Ley del IVA",
    "E5": "Exenta por el artículo 25 de la Ley del IVA",
    "E6": "Exenta por otros motivos",
    "N1": "No sujeta por los artículos 7, 14 y otros",
    "N2": "No sujeta por reglas de localización",
    "S2": "Sujeta y no exenta, con inversión del sujeto pasivo",
}
_EXEMPTIONS_EN: Final = {
    "E1": "Exempt under article 20 of the Spanish VAT Act",
    "E2": "Exempt under article 21 of the Spanish VAT Act",
    "E3": "Exempt under article 22 of the Spanish VAT Act",
    "E4": "Exempt under articles 23 and 24 of the Spanish VAT Act",
    "E5": "Exempt under article 25 of the Spanish VAT Act",
    "E6": "Exempt for other reasons",
    "N1": "Not subject under articles 7, 14 and others",
    "N2": "Not subject under the place-of-supply rules",
    "S2": "Subject and not exempt, reverse charge",
}

SPANISH: Final = Words(
    language="es",
    text=MappingProxyType(_ES_TEXT),
    numbers=NumberFormat(",", ".", "%n %u", "-%n %u"),
    date_format="%d/%m/%Y",
    categories=MappingProxyType(_CATEGORIES_ES),
    rate_keys=MappingProxyType(_RATE_KEYS_ES),
    exemptions=MappingProxyType(_EXEMPTIONS_ES),
)
ENGLISH: Final = Words(
    language="en",
    text=MappingProxyType(_EN_TEXT),
    numbers=NumberFormat(".", ",", "%u%n", "-%u%n"),
    date_format="%Y-%m-%d",
    categories=MappingProxyType(_CATEGORIES_EN),
    rate_keys=MappingProxyType(_RATE_KEYS_EN),
    exemptions=MappingProxyType(_EXEMPTIONS_EN),
)

_BY_LANGUAGE: Final = {"es": SPANISH, "en": ENGLISH}


def words_for(locale: str) -> Words:
    """The table for a locale's language; English for languages without one."""
    language = locale.replace("_", "-").split("-", 1)[0].strip().lower()
    return _BY_LANGUAGE.get(language, ENGLISH)


__all__ = ["ENGLISH", "SPANISH", "Words", "words_for"]
