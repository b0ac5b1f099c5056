"""The HTML page the sandbox's cotejo service shows to someone who scans an invoice's QR.

AEAT documents its pages only as screenshots [QR §9], so the wording here is the sandbox's own:
a headline with the verdict, the four values as received, and, for errors, AEAT's error texts
(which exist only in Spanish [QR §10]). ``idioma`` picks the language of the page's own texts
[QR §7.1]; ``va`` (valenciano) shares the Catalan texts. Every page says it comes from the
sandbox, so a screenshot is never mistaken for an AEAT answer.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from facturo.aeat_sandbox.cotejo import Cotejo

_CATALAN: Final = {
    "title": "Cotejo de la factura",
    "00": "Factura trobada",
    "01": "Factura no trobada",
    "02": "No contrastable",
    "KO": "Error en la petició",
    "01_detail": "La factura no consta com a rebuda per l'AEAT o està anul·lada.",
    "amount": "L'import no coincideix amb el de la factura rebuda.",
    "02_detail": "La factura l'ha emès un sistema que no remet els registres a l'AEAT.",
    "nif": "NIF de l'emissor",
    "numserie": "Número de sèrie",
    "fecha": "Data d'expedició",
    "importe": "Import total",
}

#: The page's own texts per ``idioma``; Spanish when the parameter is missing or unknown.
TEXTS: Final[dict[str, dict[str, str]]] = {
    "es": {
        "title": "Cotejo de la factura",
        "00": "Factura encontrada",
        "01": "Factura no encontrada",
        "02": "No contrastable",
        "KO": "Error en la petición",
        "01_detail": "La factura no consta como recibida en la AEAT o se encuentra anulada.",
        "amount": "El importe no coincide con el de la factura recibida.",
        "02_detail": "La factura la ha expedido un sistema que no remite los registros a la AEAT.",
        "nif": "NIF del emisor",
        "numserie": "Número de serie",
        "fecha": "Fecha de expedición",
        "importe": "Importe total",
    },
    "en": {
        "title": "Invoice check",
        "00": "Invoice found",
        "01": "Invoice not found",
        "02": "Cannot be checked",
        "KO": "Request error",
        "01_detail": "The AEAT has not received this invoice, or it has been cancelled.",
        "amount": "The amount does not match the invoice received.",
        "02_detail": "The invoice was issued by a system that does not send its records to AEAT.",
        "nif": "Issuer's NIF",
        "numserie": "Series and number",
        "fecha": "Issue date",
        "importe": "Total amount",
    },
    "ca": _CATALAN,
    "va": _CATALAN,
    "gl": {
        "title": "Cotexo da factura",
        "00": "Factura atopada",
        "01": "Factura non atopada",
        "02": "Non contrastable",
        "KO": "Erro na petición",
        "01_detail": "A factura non consta como recibida na AEAT ou está anulada.",
        "amount": "O importe non coincide co da factura recibida.",
        "02_detail": "A factura expediuna un sistema que non remite os rexistros á AEAT.",
        "nif": "NIF do emisor",
        "numserie": "Número de serie",
        "fecha": "Data de expedición",
        "importe": "Importe total",
    },
    "eu": {
        "title": "Fakturaren egiaztapena",
        "00": "Faktura aurkitu da",
        "01": "Ez da faktura aurkitu",
        "02": "Ezin da egiaztatu",
        "KO": "Errorea eskaeran",
        "01_detail": "AEATek ez du faktura jaso, edo baliogabetuta dago.",
        "amount": "Zenbatekoa ez dator bat jasotako fakturarekin.",
        "02_detail": "Erregistroak AEATera bidaltzen ez dituen sistema batek egin du faktura.",
        "nif": "Igorlearen IFZ",
        "numserie": "Serie-zenbakia",
        "fecha": "Egunpena",
        "importe": "Zenbateko osoa",
    },
}

_SANDBOX_NOTE: Final = "AEAT sandbox (Facturo): not an answer of the Agencia Tributaria."


def render_page(cotejo: Cotejo, *, idioma: str) -> str:
    """The whole HTML document for one answered request."""
    lang = idioma.lower() if idioma.lower() in TEXTS else "es"
    texts = TEXTS[lang]
    verdict = cotejo.resultado or "KO"
    details: list[str] = []
    if cotejo.resultado is None:
        details = [
            f"{code}: {escape(text)}"
            for code, text in zip(cotejo.errors, cotejo.messages, strict=True)
        ]
    elif cotejo.resultado == "01":
        details = [escape(texts["amount" if cotejo.amount_differs else "01_detail"])]
    elif cotejo.resultado == "02":
        details = [escape(texts["02_detail"])]
    rows = ""
    if cotejo.resultado is not None:
        values = {**cotejo.params, "importe": cotejo.importe}
        rows = "".join(
            f"<tr><th>{escape(texts[name])}</th><td>{escape(values[name])}</td></tr>"
            for name in ("nif", "numserie", "fecha", "importe")
        )
    items = "".join(f"<li>{line}</li>" for line in details)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(texts['title'])}</title></head><body>"
        f"<h1>{escape(texts['title'])}</h1>"
        f'<p class="resultado" data-resultado="{verdict}"><strong>{escape(texts[verdict])}'
        f"</strong></p>"
        + (f"<ul>{items}</ul>" if items else "")
        + (f"<table>{rows}</table>" if rows else "")
        + f"<footer><small>{escape(_SANDBOX_NOTE)}</small></footer></body></html>\n"
    )


__all__ = ["TEXTS", "render_page"]
