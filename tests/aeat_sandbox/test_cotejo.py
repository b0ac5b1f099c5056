"""The QR cotejo service over real HTTP: the QR's URL asked of the records the sandbox stored."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from facturo.aeat_sandbox.cotejo import ERRORS
from facturo.aeat_sandbox.cotejo_page import TEXTS
from facturo.aeat_sandbox.testing import SandboxHandle
from facturo.platform import services
from facturo.platform.settings import Settings
from facturo.verifactu import qr
from facturo.verifactu import records as r
from facturo.verifactu.replies import EstadoRegistro, RespuestaRegFactu

from .conftest import CET, ISSUER, alta, anulacion, reg_factu, send

SHARED = Path(__file__).resolve().parents[3] / "shared"
QR_EXAMPLES = json.loads((SHARED / "data/verifactu/qr-examples.json").read_text())
FECHA = "10-03-2025"  # the conftest's ISSUED


def store(aeat: SandboxHandle, *records: r.Registro) -> None:
    reply = send(aeat.endpoint, reg_factu(*records)).reply
    assert isinstance(reply, RespuestaRegFactu), reply
    assert all(line.estado is not EstadoRegistro.INCORRECTO for line in reply.lineas), reply


def root(aeat: SandboxHandle) -> str:
    return aeat.url + "/wlpl/TIKE-CONT/"


def ask(aeat: SandboxHandle, params: dict[str, str], *, verifactu: bool = True) -> dict[str, Any]:
    """The JSON answer (``formato=json``) to ``params``."""
    path = "ValidarQR" if verifactu else "ValidarQRNoVerifactu"
    reply = httpx.get(root(aeat) + path, params={**params, "formato": "json"}, timeout=30)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = reply.json()
    return body


def params(numserie: str = "FC2025/0001", importe: str = "121.00", **other: str) -> dict[str, str]:
    return {"nif": ISSUER, "numserie": numserie, "fecha": FECHA, "importe": importe, **other}


def resultado(aeat: SandboxHandle, **changes: str) -> str:
    body = ask(aeat, params(**changes))
    assert body["status"] == "OK", body
    value: str = body["respuesta"]["resultado"]
    return value


def test_a_stored_invoice_is_found_with_the_documented_reply(aeat: SandboxHandle) -> None:
    store(aeat, alta("FC2025/0001"))

    assert ask(aeat, params(importe="121")) == {
        "status": "OK",
        "mensaje": "Encontrada",
        "visible": "N",
        "crashlytics": "N",
        "respuesta": {
            "resultado": "00",
            "nif": ISSUER,
            "numserie": "FC2025/0001",
            "fecha": FECHA,
            "importe": "121.00",
        },
    }


@pytest.mark.parametrize("importe", ["121", "121.0", "121.00"])
def test_amounts_are_compared_as_numbers(aeat: SandboxHandle, importe: str) -> None:
    store(aeat, alta("FC2025/0001"))

    assert resultado(aeat, importe=importe) == "00"


def test_another_amount_is_not_found(aeat: SandboxHandle) -> None:
    store(aeat, alta("FC2025/0001"))

    body = ask(aeat, params(importe="121.01"))

    assert (body["mensaje"], body["respuesta"]["resultado"]) == ("No encontrada", "01")
    assert body["respuesta"]["importe"] == "121.01"


def test_the_page_says_when_only_the_amount_differs(aeat: SandboxHandle) -> None:
    store(aeat, alta("FC2025/0001"))

    differs = httpx.get(root(aeat) + "ValidarQR", params=params(importe="121.01")).text
    unknown = httpx.get(root(aeat) + "ValidarQR", params=params(numserie="FC2025/0002")).text

    assert TEXTS["es"]["amount"] in differs
    assert TEXTS["es"]["amount"] not in unknown
    assert TEXTS["es"]["01_detail"] in unknown


def test_the_page_escapes_what_it_echoes(aeat: SandboxHandle) -> None:
    page = httpx.get(root(aeat) + "ValidarQR", params=params(numserie="<b>x</b>")).text

    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>x</b>" not in page


def test_an_unknown_invoice_is_not_found(aeat: SandboxHandle) -> None:
    store(aeat, alta("FC2025/0001"))

    assert resultado(aeat, numserie="FC2025/0002") == "01"
    assert resultado(aeat, nif="89890001K") == "01"
    assert resultado(aeat, fecha="11-03-2025") == "01"


def test_a_cancelled_invoice_is_not_found(aeat: SandboxHandle) -> None:
    first = alta("FC2025/0001")
    store(aeat, first)
    assert resultado(aeat) == "00"

    store(aeat, anulacion(first, first))

    assert resultado(aeat) == "01"


def test_an_accepted_subsanacion_changes_the_amount_compared(aeat: SandboxHandle) -> None:
    original = alta("FC2025/0001", importe_total=Decimal("150.00"))  # AceptadoConErrores (2005)
    store(aeat, original)
    assert (resultado(aeat, importe="150.00"), resultado(aeat, importe="121.00")) == ("00", "01")

    corrected = alta(
        "FC2025/0001",
        original,
        subsanacion=True,
        fecha_hora_huso_gen_registro=datetime(2025, 3, 12, 9, 0, tzinfo=CET),
    )
    store(aeat, corrected)

    assert (resultado(aeat, importe="150.00"), resultado(aeat, importe="121.00")) == ("01", "00")


def test_the_no_verifactu_url_is_never_contrastable(aeat: SandboxHandle) -> None:
    store(aeat, alta("FC2025/0001"))

    body = ask(aeat, params(), verifactu=False)

    assert (body["status"], body["mensaje"]) == ("OK", "No contrastable")
    assert body["respuesta"]["resultado"] == "02"


def test_missing_parameters_are_joined_with_a_dot(aeat: SandboxHandle) -> None:
    body = ask(aeat, {"nif": ISSUER, "numserie": "FC2025/0001"})

    assert body == {
        "status": "KO",
        "mensaje": ERRORS["1003"] + "." + ERRORS["1004"],
        "visible": "S",
        "crashlytics": "N",
        "codigo_error": "1003.1004",
    }


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({"nif": ""}, "1001"),
        ({"numserie": ""}, "1002"),
        ({"nif": "891K"}, "2001"),
        ({"nif": "B87654324"}, "2001"),  # wrong control character
        ({"numserie": "F" * 61}, "2002"),
        ({"numserie": "FACTURA-Ñ1"}, "2003"),
        ({"numserie": "Ñ" * 61}, "2002.2003"),
        ({"fecha": "2025-03-10"}, "2004"),
        ({"fecha": "31-02-2025"}, "2004"),
        ({"importe": "7,2"}, "2005"),
        ({"importe": "1e3"}, "2005"),
        ({"importe": "1234567890123.00"}, "2006"),
        ({"importe": "12.345"}, "2006"),
        ({"nif": "891K", "fecha": "1-3-2025", "importe": "x"}, "2001.2004.2005"),
    ],
)
def test_bad_parameters_give_aeat_codes(
    aeat: SandboxHandle, changes: dict[str, str], codes: str
) -> None:
    body = ask(aeat, params(**changes))

    assert (body["status"], body["visible"], body["codigo_error"]) == ("KO", "S", codes)
    assert body["mensaje"] == ".".join(ERRORS[code] for code in codes.split("."))
    assert "respuesta" not in body


def test_a_negative_amount_of_a_rectificativa_is_valid(aeat: SandboxHandle) -> None:
    assert resultado(aeat, importe="-60.5") == "01"


def test_a_repeated_parameter_counts_at_its_first_occurrence(aeat: SandboxHandle) -> None:
    store(aeat, alta("FC2025/0001"))
    query = f"nif={ISSUER}&numserie=FC2025%2F0001&fecha={FECHA}&importe=121.00&importe=9"

    body = httpx.get(root(aeat) + "ValidarQR?" + query + "&formato=json").json()

    assert body["respuesta"]["resultado"] == "00"


def test_the_platform_qr_url_scanned_gives_the_html_page(aeat: SandboxHandle) -> None:
    record = alta("FC2025/A&B 1")  # '&', '/' and a space all travel encoded
    store(aeat, record)
    link = qr.url_for(record, environment=qr.Environment.TEST, service_root=root(aeat))
    assert link.startswith(root(aeat) + "ValidarQR?nif=")

    page = httpx.get(link)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-resultado="00"' in page.text
    assert "Factura encontrada" in page.text
    assert "FC2025/A&amp;B 1" in page.text
    assert httpx.get(link + "&formato=json").json()["respuesta"]["resultado"] == "00"


@pytest.mark.parametrize(
    ("idioma", "lang", "headline"),
    [
        ("en", "en", "Invoice not found"),
        ("ca", "ca", "Factura no trobada"),
        ("VA", "va", "Factura no trobada"),
        ("gl", "gl", "Factura non atopada"),
        ("eu", "eu", "Ez da faktura aurkitu"),
        ("es", "es", "Factura no encontrada"),
        ("xx", "es", "Factura no encontrada"),
    ],
)
def test_idioma_picks_the_language_of_the_page(
    aeat: SandboxHandle, idioma: str, lang: str, headline: str
) -> None:
    page = httpx.get(root(aeat) + "ValidarQR", params=params(idioma=idioma))

    assert f'<html lang="{lang}">' in page.text
    assert headline in page.text
    assert 'data-resultado="01"' in page.text


def test_the_html_page_lists_the_errors(aeat: SandboxHandle) -> None:
    page = httpx.get(root(aeat) + "ValidarQR", params={"nif": ISSUER})

    assert page.status_code == 200
    assert 'data-resultado="KO"' in page.text
    for code in ("1002", "1003", "1004"):
        assert f"{code}: " in page.text


def test_the_qr_urls_keep_aeats_hosts_byte_for_byte() -> None:
    for example in QR_EXAMPLES["examples"]:
        base = QR_EXAMPLES["base_urls"][example["environment"]]
        test = example["environment"].startswith("test")
        environment = qr.Environment.TEST if test else qr.Environment.PRODUCTION
        link = qr.url(
            **example["params"],
            environment=environment,
            verifactu="no_verifactu" not in example["environment"],
        )
        assert link == example["expected_url"]
        assert link.startswith(base + "?")


def test_a_service_root_must_end_with_a_slash() -> None:
    with pytest.raises(ValueError, match="service_root"):
        qr.base_url(qr.Environment.TEST, service_root="http://127.0.0.1:8401/wlpl/TIKE-CONT")


def test_the_platform_points_qr_urls_at_the_sandbox_only_in_the_sandbox_environment(
    aeat: SandboxHandle, tmp_path: Path
) -> None:
    port = int(aeat.url.rsplit(":", 1)[1])
    sandbox = Settings(data_dir=tmp_path, aeat_sandbox_port=port)
    explicit = Settings(data_dir=tmp_path, aeat_url=aeat.endpoint)

    assert services.qr_service_root(sandbox) == root(aeat)
    assert services.qr_service_root(explicit) == root(aeat)
    assert services.qr_service_root(Settings(data_dir=tmp_path, aeat_environment="test")) is None
    production = Settings(data_dir=tmp_path, aeat_environment="production")
    assert services.qr_service_root(production) is None
