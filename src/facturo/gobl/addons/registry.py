"""Port of gobl tax/addons.go (7a4ad62): which addon code runs for which key.

Definitions (extensions, scenarios, tags) are data; the behaviour an addon adds is code and is
listed here explicitly, so what runs for ``es-verifactu-v1`` can be read in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from facturo.gobl.addons.es_facturae import rules as facturae_rules
from facturo.gobl.addons.es_sii import bill as sii_bill
from facturo.gobl.addons.es_sii import rules as sii_rules
from facturo.gobl.addons.es_sii import tax as sii_tax
from facturo.gobl.addons.es_tbai import bill as tbai_bill
from facturo.gobl.addons.es_tbai import rules as tbai_rules
from facturo.gobl.addons.es_tbai import tax as tbai_tax
from facturo.gobl.addons.es_verifactu import bill as verifactu_bill
from facturo.gobl.addons.es_verifactu import rules as verifactu_rules
from facturo.gobl.addons.es_verifactu import tax as verifactu_tax
from facturo.gobl.rules.faults import Faults

Normalizer = Callable[[dict[str, Any]], None]
InvoiceRules = Callable[[Faults, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class AddonCode:
    """Normalizers and invoice rules an addon contributes (``None`` when it has none)."""

    combo: Normalizer | None = None
    invoice: Normalizer | None = None
    invoice_rules: InvoiceRules | None = None


ADDONS: dict[str, AddonCode] = {
    "es-verifactu-v1": AddonCode(
        combo=verifactu_tax.normalize_combo,
        invoice=verifactu_bill.normalize_invoice,
        invoice_rules=verifactu_rules.check_invoice,
    ),
    "es-tbai-v1": AddonCode(
        combo=tbai_tax.normalize_combo,
        invoice=tbai_bill.normalize_invoice,
        invoice_rules=tbai_rules.check_invoice,
    ),
    "es-sii-v1": AddonCode(
        combo=sii_tax.normalize_combo,
        invoice=sii_bill.normalize_invoice,
        invoice_rules=sii_rules.check_invoice,
    ),
    "es-facturae-v3": AddonCode(invoice_rules=facturae_rules.check_invoice),
}
