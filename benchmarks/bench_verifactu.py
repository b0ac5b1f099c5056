"""Records per second: GOBL envelope → record → huella → XML → XSD validation.

Run: ``.venv/bin/python benchmarks/bench_verifactu.py [--seconds N] [--sizes 1,1000]``.

Each contender does the same work per record, on the same calculated GOBL envelope (the
``es-verifactu-v1`` F1 example): read the envelope dict into its record model, chain it to the
previous record, compute the huella, build the RegFactuSistemaFacturacion in a SOAP envelope as
bytes, and validate the message against the AEAT XSD. Each contender puts ``size`` chained
records in one message, through its own API for a list of records, for every size in
``--sizes``. One record per message is the quiet case: a record goes out as soon as the
previous send's ``TiempoEsperaEnvio`` has passed. A full message (1,000 records, the AEAT's
limit) is what flow control sends whenever records arrive faster than one per wait, which is
when throughput matters; the per-message work (parsing and validating the message, the SOAP
frame) is then shared by the records in it. The peers take no GOBL input, so each gets
the smallest adapter that maps this envelope (S1 lines, NIF customer) onto its own models;
Facturo's builder does its full mapping and rule checks. pyverifactu writes XML with
ElementTree and ships no validator, so its bytes are parsed by lxml and validated with the
same AEAT schema, loaded once.

Peers (the ``bench`` extra): ``verifactu-sdk`` (module ``verifactu_sdk``) and ``pyverifactu``
(module ``verifactu``).

The contenders take turns (``--rounds``, ten by default), so that on a shared machine a burst
of other work slows them alike; "records/s" is over all rounds, "best round" the fastest turn.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from facturo.verifactu import records as fr
from facturo.verifactu import xml as fxml
from facturo.verifactu.from_gobl import alta_from_gobl
from facturo.verifactu.messages import MAX_RECORDS_PER_MESSAGE, Cabecera, Persona

ENVELOPE_PATH = (
    Path(__file__).resolve().parents[1] / "tests/verifactu/data/gobl/invoice-es-es-verifactu.json"
)
CET = timezone(timedelta(hours=1))
NOW = datetime(2025, 1, 2, 10, 0, 0, tzinfo=CET)


def _rates(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [rate for cat in doc["totals"]["taxes"]["categories"] for rate in cat["rates"]]


def _general_note(doc: dict[str, Any]) -> str:
    return next(n["text"] for n in doc["notes"] if n.get("key") == "general")


# --- Facturo ---------------------------------------------------------------------------------


def facturo_runner(envelope: dict[str, Any], size: int) -> Callable[[], bytes]:
    sif = fr.SistemaInformatico(
        nombre_razon="Facturo",
        nif="B12345674",
        nombre_sistema_informatico="Facturo",
        id_sistema_informatico="FC",
        version="0.1.0",
        numero_instalacion="1",
    )
    state: dict[str, fr.RegistroAnterior | None] = {"previous": None}

    def run() -> bytes:
        altas = []
        for _ in range(size):
            alta = alta_from_gobl(envelope, sistema=sif, previous=state["previous"], now=NOW)
            state["previous"] = alta.as_anterior()
            altas.append(alta)
        cab = Cabecera(Persona(alta.nombre_razon_emisor, alta.id_factura.id_emisor_factura))
        return fxml.reg_factu_xml(cab, altas)  # validated against SuministroLR.xsd

    return run


# --- verifactu-sdk ---------------------------------------------------------------------------


def sdk_runner(envelope: dict[str, Any], size: int) -> Callable[[], bytes]:
    import verifactu_sdk as sdk

    sistema = sdk.SistemaInformatico(
        nombre_razon="Facturo",
        nif="B12345674",
        nombre_sistema="Facturo",
        id_sistema="FC",
        version="0.1.0",
        numero_instalacion="1",
    )
    state: dict[str, Any] = {"previous": None}

    def one() -> Any:
        doc = envelope["doc"]
        supplier = sdk.Persona(doc["supplier"]["name"], nif=doc["supplier"]["tax_id"]["code"])
        customer = doc["customer"]
        alta = sdk.RegistroAlta(
            emisor=supplier,
            num_serie=f"{doc['series']}-{doc['code']}",
            fecha_expedicion=date.fromisoformat(doc["issue_date"]),
            descripcion=_general_note(doc),
            desglose=[
                sdk.LineaDesglose(
                    base_imponible=Decimal(rate["base"]),
                    tipo_impositivo=Decimal(rate["percent"].rstrip("%")),
                    cuota_repercutida=Decimal(rate["amount"]),
                    clave_regimen=rate["ext"]["es-verifactu-regime"],
                    calificacion=rate["ext"]["es-verifactu-op-class"],
                )
                for rate in _rates(doc)
            ],
            sistema=sistema,
            tipo_factura=doc["tax"]["ext"]["es-verifactu-doc-type"],
            destinatarios=[sdk.Persona(customer["name"], nif=customer["tax_id"]["code"])],
            anterior=state["previous"],
            fecha_hora_huso_gen=NOW,
        )
        state["previous"] = alta.como_anterior()
        return alta

    def run() -> bytes:
        altas = [one() for _ in range(size)]
        obligado = altas[0].emisor
        peticion = sdk.construir_peticion(sdk.Cabecera(obligado=obligado), altas)
        sdk.validar(peticion)
        return sdk.sobre_soap(peticion)

    return run


# --- pyverifactu -----------------------------------------------------------------------------


def pyverifactu_runner(envelope: dict[str, Any], size: int) -> Callable[[], bytes]:
    from verifactu.models.computer_system import ComputerSystem
    from verifactu.models.records import (
        BreakdownDetails,
        FiscalIdentifier,
        InvoiceIdentifier,
        InvoiceType,
        OperationType,
        RegimeType,
        RegistrationRecord,
        TaxType,
    )
    from verifactu.services.aeat_client import AeatClient

    schema = fxml.schema("SuministroLR.xsd")
    system = ComputerSystem(
        vendor_name="Facturo",
        vendor_nif="B12345674",
        name="Facturo",
        id="FC",
        version="0.1.0",
        installation_number="1",
        only_supports_verifactu=True,
        supports_multiple_taxpayers=True,
        has_multiple_taxpayers=False,
    )
    state: dict[str, Any] = {"previous": None}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)

    def one() -> Any:
        doc = envelope["doc"]
        supplier = doc["supplier"]
        lines = _rates(doc)
        cuota = sum((Decimal(rate["amount"]) for rate in lines), Decimal("0.00"))
        record = RegistrationRecord(
            invoice_id=InvoiceIdentifier(
                issuer_id=supplier["tax_id"]["code"],
                invoice_number=f"{doc['series']}-{doc['code']}",
                issue_date=datetime.fromisoformat(doc["issue_date"]),
            ),
            issuer_name=supplier["name"],
            invoice_type=InvoiceType(doc["tax"]["ext"]["es-verifactu-doc-type"]),
            description=_general_note(doc),
            recipients=[
                FiscalIdentifier(
                    name=doc["customer"]["name"], nif=doc["customer"]["tax_id"]["code"]
                )
            ],
            breakdown=[
                BreakdownDetails(
                    tax_type=TaxType.IVA,
                    regime_type=RegimeType(rate["ext"]["es-verifactu-regime"]),
                    operation_type=OperationType(rate["ext"]["es-verifactu-op-class"]),
                    tax_rate=f"{Decimal(rate['percent'].rstrip('%')):.2f}",
                    base_amount=rate["base"],
                    tax_amount=rate["amount"],
                )
                for rate in lines
            ],
            total_tax_amount=f"{cuota:.2f}",
            total_amount=f"{Decimal(doc['totals']['total']) + cuota:.2f}",
            hashed_at=NOW,
            previous_invoice_id=state["previous"][0] if state["previous"] else None,
            previous_hash=state["previous"][1] if state["previous"] else None,
        )
        record.hash = record.calculate_hash()
        record.validate()
        state["previous"] = (record.invoice_id, record.hash)
        return record

    def run() -> bytes:
        records = [one() for _ in range(size)]
        supplier = envelope["doc"]["supplier"]
        taxpayer = FiscalIdentifier(name=supplier["name"], nif=supplier["tax_id"]["code"])
        text = AeatClient(system, taxpayer)._build_xml_request(records)
        data = text.encode("utf-8")
        root = etree.fromstring(data, parser)
        body = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
        if body is None or not schema.validate(body[0]):
            raise RuntimeError(f"pyverifactu XML does not validate: {schema.error_log}")
        return data

    return run


# ---------------------------------------------------------------------------------------------


def _batch(run: Callable[[], bytes], size: int, until: float) -> tuple[int, float]:
    """Messages of ``size`` records until ``until`` (at least one); returns (records, seconds)."""
    count = 0
    start = time.perf_counter()
    while True:
        run()
        count += size
        now = time.perf_counter()
        if now >= until:
            return count, now - start


def measure(
    runs: list[Callable[[], bytes]], size: int, seconds: float, rounds: int
) -> list[tuple[float, float, int]]:
    """(records/s over all rounds, records/s of the best round, records) per contender.

    The contenders take turns: each round gives every contender ``seconds / rounds`` of its
    own, in the same order. On a shared machine the load then falls on all of them alike,
    instead of on whichever happened to run while something else was busy.
    """
    for run in runs:
        for _ in range(max(1, 20 // size)):  # warm-up: schema loading, imports, caches
            run()
    totals = [[0, 0.0, 0.0] for _ in runs]
    for _ in range(rounds):
        for run, total in zip(runs, totals, strict=True):
            count, elapsed = _batch(run, size, time.perf_counter() + seconds / rounds)
            total[0] += count
            total[1] += elapsed
            total[2] = max(total[2], count / elapsed)
    return [(count / elapsed, best, int(count)) for count, elapsed, best in totals]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per contender and size")
    parser.add_argument("--rounds", type=int, default=10, help="turns the contenders take")
    parser.add_argument(
        "--sizes",
        default=f"1,{MAX_RECORDS_PER_MESSAGE}",
        help="records per message, comma-separated (1 to 1000)",
    )
    args = parser.parse_args()
    envelope = json.loads(ENVELOPE_PATH.read_text(encoding="utf-8"))
    contenders: list[tuple[str, Callable[[dict[str, Any], int], Callable[[], bytes]]]] = [
        ("facturo.verifactu", facturo_runner),
        ("verifactu-sdk 0.1.0", sdk_runner),
        ("pyverifactu 0.3.8", pyverifactu_runner),
    ]
    print(
        f"\n{'contender':<22}{'per message':>12}{'records/s':>12}{'best round':>12}"
        f"{'records':>10}{'vs fastest peer':>18}"
    )
    for size in (int(n) for n in args.sizes.split(",")):
        names: list[str] = []
        runs: list[Callable[[], bytes]] = []
        for name, factory in contenders:
            try:
                runs.append(factory(envelope, size))
            except ImportError as exc:
                print(f"{name}: not installed ({exc})")
                continue
            names.append(name)
        results = measure(runs, size, args.seconds, max(args.rounds, 1))
        peers = [
            rate for name, (rate, _, _) in zip(names, results, strict=True) if name != names[0]
        ]
        fastest_peer = max(peers, default=0.0)
        for name, (rate, best, count) in zip(names, results, strict=True):
            ratio = f"{rate / fastest_peer:.2f}x" if fastest_peer else "-"
            print(f"{name:<22}{size:>12}{rate:>12,.0f}{best:>12,.0f}{count:>10}{ratio:>18}")


if __name__ == "__main__":
    main()
