"""Fixtures of the AEAT sandbox tests: a running sandbox, record builders, and a SOAP caller.

Every reply goes through :func:`send`, which checks it against the AEAT XSDs and parses it with
the client's own :func:`facturo.verifactu.replies.parse_reply`, so every test also proves the
reply is one the platform can read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from facturo.aeat_sandbox.testing import ManualClock, SandboxHandle, running_sandbox
from facturo.verifactu import records as r
from facturo.verifactu import xml
from facturo.verifactu.messages import Cabecera, ConsultaFactu, Persona
from facturo.verifactu.replies import Reply, parse_reply

CET = timezone(timedelta(hours=1))
ISSUER = "B87654323"
ISSUER_NAME = "EMPRESA EMISORA DE PRUEBAS SL"
OTHER_ISSUER = "89890001K"
#: The sandbox clock of the tests: ten days after the invoices' issue date.
NOW = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)
ISSUED = date(2025, 3, 10)
SOAP_HEADERS = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'}


@dataclass
class Sent:
    """An HTTP answer of the sandbox, checked and parsed."""

    response: httpx.Response
    reply: Reply


def send(url: str, body: bytes, **kwargs: Any) -> Sent:
    """POST a SOAP message; the answer must validate against the XSDs and parse."""
    response = httpx.post(url, content=body, headers=SOAP_HEADERS, timeout=30, **kwargs)
    assert response.headers["content-type"].startswith("text/xml")
    xml.validate(response.content)
    return Sent(response, parse_reply(response.content))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def aeat(clock: ManualClock) -> Iterator[SandboxHandle]:
    """A sandbox with flow control off (wait 0) and a manual clock."""
    with running_sandbox(wait_seconds=0, clock=clock) as handle:
        yield handle


SIF = r.SistemaInformatico(
    nombre_razon="PRODUCTOR SOFTWARE DE PRUEBAS SL",
    nif="B12345674",
    nombre_sistema_informatico="Facturo",
    id_sistema_informatico="FC",
    version="1.0.0",
    numero_instalacion="INST-0001",
    tipo_uso_posible_solo_verifactu=True,
    tipo_uso_posible_multi_ot=True,
    indicador_multiples_ot=False,
)


def alta(
    number: str,
    previous: r.Registro | None = None,
    *,
    issuer: str = ISSUER,
    base: str = "100.00",
    cuota: str = "21.00",
    **overrides: Any,
) -> r.RegistroAlta:
    """An F1 alta at 21 %, chained to ``previous`` (PrimerRegistro when ``None``)."""
    base_d, cuota_d = Decimal(base), Decimal(cuota)
    fields: dict[str, Any] = {
        "id_factura": r.IDFactura(issuer, number, ISSUED),
        "nombre_razon_emisor": ISSUER_NAME,
        "tipo_factura": r.TipoFactura.F1,
        "descripcion_operacion": "Servicios de consultoría",
        "destinatarios": (r.PersonaFisicaJuridica("CLIENTE DE PRUEBAS", nif="12345678Z"),),
        "desglose": (
            r.DetalleDesglose(
                base_d,
                clave_regimen="01",
                calificacion_operacion="S1",
                tipo_impositivo=Decimal("21"),
                cuota_repercutida=cuota_d,
            ),
        ),
        "cuota_total": cuota_d,
        "importe_total": base_d + cuota_d,
        "sistema_informatico": SIF,
        "fecha_hora_huso_gen_registro": datetime(2025, 3, 10, 10, 15, tzinfo=CET),
        "registro_anterior": previous.as_anterior() if previous is not None else None,
    }
    fields.update(overrides)
    return r.RegistroAlta(**fields)


def anulacion(
    target: r.RegistroAlta | r.IDFactura, previous: r.Registro | None, **overrides: Any
) -> r.RegistroAnulacion:
    """An anulación of ``target``, chained to ``previous``."""
    key = target.id_factura if isinstance(target, r.RegistroAlta) else target
    fields: dict[str, Any] = {
        "id_factura": key,
        "sistema_informatico": SIF,
        "fecha_hora_huso_gen_registro": datetime(2025, 3, 11, 9, 5, tzinfo=CET),
        "registro_anterior": previous.as_anterior() if previous is not None else None,
    }
    fields.update(overrides)
    return r.RegistroAnulacion(**fields)


def reg_factu(*records: r.Registro, issuer: str = ISSUER, **cabecera: Any) -> bytes:
    """A RegFactuSistemaFacturacion in its SOAP envelope."""
    return xml.reg_factu_xml(Cabecera(Persona(ISSUER_NAME, issuer), **cabecera), list(records))


def consulta(issuer: str = ISSUER, **filters: Any) -> bytes:
    """A ConsultaFactuSistemaFacturacion for March 2025 by the issuer, in its envelope."""
    fields: dict[str, Any] = {"ejercicio": 2025, "periodo": 3}
    if "destinatario" not in filters:
        fields["obligado_emision"] = Persona(ISSUER_NAME, issuer)
    fields.update(filters)
    return xml.consulta_xml(ConsultaFactu(**fields))
