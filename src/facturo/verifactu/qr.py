"""The invoice QR code: the AEAT cotejo URL, its image, and the texts printed around it.

Sources: Orden HAC/1177/2024 arts. 20-21 [ORDEN] and AEAT "Detalle de las especificaciones
técnicas del código QR de la factura" v0.5.0 §2-§8 [QR] (spec §11).

- URL: ``BASE?nif=…&numserie=…&fecha=…&importe=…``, always these four in this order, each value
  encoded like Java's ``URLEncoder.encode(v, "UTF-8")`` (the AEAT reference code): letters,
  digits and ``.-*_`` stay, a space becomes ``+``, anything else is ``%XX`` upper case.
  ``formato`` and ``idioma`` exist on the service but never go in a printed QR.
- Image: ISO/IEC 18004, error correction M, printed 30×30 to 40×40 mm with a quiet zone of at
  least 2 mm. Above it "QR tributario:"; for VERI*FACTU, below it "VERI*FACTU" (or the long
  legend), in a font no smaller than the invoice's.
"""

from __future__ import annotations

import io
import math
from enum import StrEnum
from typing import Final
from urllib.parse import quote_plus

import segno

from facturo.verifactu.records import RegistroAlta


class Environment(StrEnum):
    """Which AEAT host the URL points at. Never print a test QR on a real invoice."""

    TEST = "test"
    PRODUCTION = "production"


_HOSTS: Final = {
    Environment.TEST: "https://prewww2.aeat.es/wlpl/TIKE-CONT/",
    Environment.PRODUCTION: "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/",
}

#: Text above the code [ORDEN art. 21.1].
CAPTION: Final = "QR tributario:"
#: Legend below the code on VERI*FACTU invoices [ORDEN art. 20.2; spec §11].
LEGEND: Final = "VERI*FACTU"
#: The long form of the legend, which the Orden also allows.
LEGEND_LONG: Final = "Factura verificable en la sede electrónica de la AEAT"

#: Printed size bounds of the symbol, and the minimum quiet zone, in millimetres [ORDEN 21].
MIN_SIZE_MM: Final = 30.0
MAX_SIZE_MM: Final = 40.0
MIN_QUIET_ZONE_MM: Final = 2.0
DEFAULT_SIZE_MM: Final = 35.0
#: Error correction level M, as ISO/IEC 18004 names it [ORDEN art. 21].
ERROR_CORRECTION: Final = "M"


def base_url(
    environment: Environment, *, verifactu: bool = True, service_root: str | None = None
) -> str:
    """The cotejo service: ``ValidarQR`` (VERI*FACTU) or ``ValidarQRNoVerifactu``.

    ``service_root`` replaces AEAT's ``https://…/wlpl/TIKE-CONT/`` with another server that
    serves the same paths (the local AEAT sandbox, so a QR made in development can be checked
    without AEAT); it must end with ``/``. Without it the URL is AEAT's, byte for byte.
    """
    if service_root is not None and not service_root.endswith("/"):
        raise ValueError("service_root must end with '/'")
    root = service_root if service_root is not None else _HOSTS[environment]
    return root + ("ValidarQR" if verifactu else "ValidarQRNoVerifactu")


def encode(value: str) -> str:
    """Percent-encode like ``java.net.URLEncoder.encode(value, "UTF-8")`` [QR §4]."""
    return quote_plus(value, safe="*", encoding="utf-8").replace("~", "%7E")


def url(
    nif: str,
    numserie: str,
    fecha: str,
    importe: str,
    *,
    environment: Environment = Environment.PRODUCTION,
    verifactu: bool = True,
    service_root: str | None = None,
) -> str:
    """The QR URL from the four values exactly as the record writes them."""
    query = "&".join(
        f"{name}={encode(value)}"
        for name, value in (
            ("nif", nif),
            ("numserie", numserie),
            ("fecha", fecha),
            ("importe", importe),
        )
    )
    base = base_url(environment, verifactu=verifactu, service_root=service_root)
    return f"{base}?{query}"


def url_for(
    record: RegistroAlta,
    *,
    environment: Environment = Environment.PRODUCTION,
    verifactu: bool = True,
    service_root: str | None = None,
) -> str:
    """The QR URL of an alta: its key and the ImporteTotal string the XML carries."""
    key = record.id_factura
    return url(
        key.id_emisor_factura,
        key.num_serie_factura,
        key.fecha_text,
        record.importe_total_text,
        environment=environment,
        verifactu=verifactu,
        service_root=service_root,
    )


def _symbol(data: str) -> segno.QRCode:
    # boost_error=False keeps level M exactly as the Orden asks.
    return segno.make_qr(data, error=ERROR_CORRECTION.lower(), boost_error=False)


def _check_size(size_mm: float) -> None:
    if not MIN_SIZE_MM <= size_mm <= MAX_SIZE_MM:
        raise ValueError(f"the QR must print between {MIN_SIZE_MM} and {MAX_SIZE_MM} mm")


def svg(data: str, *, size_mm: float = DEFAULT_SIZE_MM) -> bytes:
    """An SVG whose symbol measures ``size_mm`` (millimetre units), with a ≥2 mm quiet zone."""
    _check_size(size_mm)
    qr = _symbol(data)
    modules = qr.symbol_size(scale=1, border=0)[0]
    module_mm = size_mm / modules
    border = math.ceil(MIN_QUIET_ZONE_MM / module_mm)
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=module_mm, border=border, unit="mm", xmldecl=True)
    return out.getvalue()


def png(data: str, *, size_mm: float = DEFAULT_SIZE_MM, dpi: int = 300) -> bytes:
    """A PNG that prints the symbol at about ``size_mm`` at ``dpi`` (written in the file).

    A module is a whole number of pixels, so the printed size is the whole-pixel module size
    nearest to ``size_mm`` that stays inside 30-40 mm.
    """
    _check_size(size_mm)
    qr = _symbol(data)
    modules = qr.symbol_size(scale=1, border=0)[0]
    px_per_mm = dpi / 25.4
    exact = size_mm / modules * px_per_mm
    fitting = [
        s
        for s in (math.floor(exact), math.ceil(exact))
        if s >= 1 and MIN_SIZE_MM <= modules * s / px_per_mm <= MAX_SIZE_MM
    ]
    if not fitting:
        raise ValueError(f"{dpi} dpi cannot print this symbol between 30 and 40 mm")
    scale = min(fitting, key=lambda s: abs(s - exact))
    border = math.ceil(MIN_QUIET_ZONE_MM * px_per_mm / scale)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=border, dpi=dpi)
    return out.getvalue()


__all__ = [
    "CAPTION",
    "DEFAULT_SIZE_MM",
    "ERROR_CORRECTION",
    "LEGEND",
    "LEGEND_LONG",
    "MAX_SIZE_MM",
    "MIN_QUIET_ZONE_MM",
    "MIN_SIZE_MM",
    "Environment",
    "base_url",
    "encode",
    "png",
    "svg",
    "url",
    "url_for",
]
