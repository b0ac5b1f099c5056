"""``facturo verifactu …``: huella, record XML and QR from the command line.

A thin edge over :mod:`facturo.verifactu`: this is where the clock is read (``--now`` overrides
it) and where the SistemaInformatico defaults for Facturo live. The main CLI mounts ``app``.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

import facturo
from facturo.errors import FacturoError
from facturo.verifactu import chain, formats, qr, xml
from facturo.verifactu.from_gobl import alta_from_gobl, anulacion_from_gobl, invoice_key
from facturo.verifactu.messages import Cabecera, Persona
from facturo.verifactu.records import (
    IDFactura,
    RegistroAlta,
    RegistroAnterior,
    SistemaInformatico,
)

app = typer.Typer(
    name="verifactu",
    help="AEAT VERI*FACTU records: huella, XML and QR.",
    no_args_is_help=True,
)

DEFAULT_TZ = "Europe/Madrid"


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=1)


def _report(exc: FacturoError) -> typer.Exit:
    typer.echo(f"error: {exc.detail}", err=True)
    for fault in exc.faults:
        typer.echo(f"  {fault.code} {', '.join(fault.paths) or '$'}: {fault.message}", err=True)
    return typer.Exit(code=1)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _fail(f"cannot read {path}: {exc}") from exc


def _parse_previous(value: str | None) -> RegistroAnterior | None:
    """``NIF:NUMSERIE:DD-MM-YYYY:HUELLA``; the series number may itself contain colons."""
    if not value:
        return None
    try:
        head, fecha, huella = value.rsplit(":", 2)
        nif, numserie = head.split(":", 1)
        return RegistroAnterior(IDFactura(nif, numserie, formats.parse_fecha(fecha)), huella)
    except ValueError as exc:
        raise _fail("--previous must be NIF:NUMSERIE:DD-MM-YYYY:HUELLA") from exc
    except FacturoError as exc:
        raise _report(exc) from exc


def _now(value: str | None, tz: str) -> datetime:
    zone = ZoneInfo(tz)
    if value is None:
        return datetime.now(zone).replace(microsecond=0)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def _sistema(
    envelope: Any,
    name: str,
    nif: str | None,
    product: str,
    product_id: str,
    version: str,
    installation: str,
) -> SistemaInformatico:
    # A self-hosted installation is, by default, software the taxpayer runs for itself, so the
    # issuer's NIF stands for the producer unless one is given.
    producer = nif or invoice_key(envelope).id_emisor_factura
    return SistemaInformatico(
        nombre_razon=name,
        nif=producer,
        nombre_sistema_informatico=product,
        id_sistema_informatico=product_id,
        version=version,
        numero_instalacion=installation,
        tipo_uso_posible_solo_verifactu=True,
        tipo_uso_posible_multi_ot=True,
        indicador_multiples_ot=False,
    )


SifName = Annotated[str, typer.Option("--sif-name", help="SIF producer name.")]
SifNif = Annotated[
    str | None, typer.Option("--sif-nif", help="SIF producer NIF (default: the issuer's).")
]
SifProduct = Annotated[str, typer.Option("--sif-product", help="NombreSistemaInformatico.")]
SifId = Annotated[str, typer.Option("--sif-id", help="IdSistemaInformatico (2 chars).")]
SifVersion = Annotated[str, typer.Option("--sif-version", help="SIF version.")]
SifInstall = Annotated[str, typer.Option("--installation", help="NumeroInstalacion.")]
Now = Annotated[
    str | None,
    typer.Option("--now", help="FechaHoraHusoGenRegistro as ISO 8601 (default: the clock)."),
]
Tz = Annotated[str, typer.Option("--tz", help="Zone for the clock and naive --now values.")]


@app.command()
def huella(
    file: Annotated[Path, typer.Argument(help='JSON {"kind": "alta"|"anulacion", "fields": {…}}')],
) -> None:
    """Print the huella (upper-case SHA-256 hex) of a record's hash fields."""
    data = _load_json(file)
    if not isinstance(data, dict) or data.get("kind") not in ("alta", "anulacion"):
        raise _fail('expected {"kind": "alta"|"anulacion", "fields": {...}}')
    fields = data.get("fields")
    if not isinstance(fields, dict):
        raise _fail('"fields" must be an object')
    typer.echo(chain.huella_of_fields(data["kind"], {k: str(v) for k, v in fields.items()}))


def _build_alta(
    envelope: Any,
    previous: str | None,
    now: str | None,
    tz: str,
    sif: SistemaInformatico,
) -> RegistroAlta:
    return alta_from_gobl(
        envelope, sistema=sif, previous=_parse_previous(previous), now=_now(now, tz)
    )


@app.command()
def record(
    envelope_file: Annotated[Path, typer.Argument(metavar="ENVELOPE", help="GOBL envelope JSON")],
    previous: Annotated[
        str | None,
        typer.Option(
            "--previous", help="Previous record as NIF:NUMSERIE:DD-MM-YYYY:HUELLA (none: first)."
        ),
    ] = None,
    anulacion: Annotated[
        bool, typer.Option("--anulacion", help="Make the RegistroAnulacion instead.")
    ] = False,
    soap: Annotated[bool, typer.Option("--soap/--no-soap", help="Wrap in soapenv:Envelope.")] = (
        True
    ),
    now: Now = None,
    tz: Tz = DEFAULT_TZ,
    sif_name: SifName = "Facturo",
    sif_nif: SifNif = None,
    sif_product: SifProduct = "Facturo",
    sif_id: SifId = "FC",
    sif_version: SifVersion = facturo.__version__,
    installation: SifInstall = "1",
) -> None:
    """Print the RegFactuSistemaFacturacion XML for a GOBL envelope (validated against the XSD)."""
    envelope = _load_json(envelope_file)
    try:
        sif = _sistema(envelope, sif_name, sif_nif, sif_product, sif_id, sif_version, installation)
        if anulacion:
            rec: Any = anulacion_from_gobl(
                envelope, sistema=sif, previous=_parse_previous(previous), now=_now(now, tz)
            )
            issuer = str(envelope.get("doc", envelope).get("supplier", {}).get("name", ""))
        else:
            rec = _build_alta(envelope, previous, now, tz, sif)
            issuer = rec.nombre_razon_emisor
        cabecera = Cabecera(Persona(issuer, rec.id_factura.id_emisor_factura))
        data = xml.reg_factu_xml(cabecera, [rec], envelope=soap)
        xml.validate(data)
    except FacturoError as exc:
        raise _report(exc) from exc
    sys.stdout.write(data.decode("utf-8") + "\n")


@app.command(name="qr")
def qr_command(
    envelope_file: Annotated[Path, typer.Argument(metavar="ENVELOPE", help="GOBL envelope JSON")],
    out: Annotated[Path, typer.Option("--out", help="Image file: .png or .svg")],
    environment: Annotated[
        qr.Environment, typer.Option("--env", help="AEAT host the URL points at.")
    ] = qr.Environment.PRODUCTION,
    size_mm: Annotated[float, typer.Option("--size-mm", help="Printed size, 30-40 mm.")] = (
        qr.DEFAULT_SIZE_MM
    ),
) -> None:
    """Write the invoice's QR code image and print its URL."""
    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise _fail("--out must end in .png or .svg")
    envelope = _load_json(envelope_file)
    try:
        sif = _sistema(envelope, "Facturo", None, "Facturo", "FC", facturo.__version__, "1")
        alta = _build_alta(envelope, None, None, DEFAULT_TZ, sif)
    except FacturoError as exc:
        raise _report(exc) from exc
    link = qr.url_for(alta, environment=environment)
    try:
        image = qr.png(link, size_mm=size_mm) if suffix == ".png" else qr.svg(link, size_mm=size_mm)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    out.write_bytes(image)
    typer.echo(link)
