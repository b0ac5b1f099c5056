"""Invoice PDFs rendered from gobl's ES examples, read back as text, images and a scanned QR."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from facturo.pdf import InvalidLogo, Layout, NotAnInvoice, PdfOptions, QrBlock, render_invoice
from facturo.verifactu import qr as vf_qr
from facturo.verifactu.from_gobl import alta_from_gobl
from facturo.verifactu.records import SistemaInformatico

SIF = SistemaInformatico(
    nombre_razon="Facturo Tests S.L.",
    nif="B98602642",
    nombre_sistema_informatico="Facturo",
    id_sistema_informatico="FT",
    version="1.0",
    numero_instalacion="1",
)


def record_url(envelope: dict[str, Any], now: Any) -> str:
    """The cotejo URL of the invoice's record (VERI*FACTU), or from its key otherwise."""
    doc = envelope["doc"]
    if "es-verifactu-v1" in doc.get("$addons", ()):
        alta = alta_from_gobl(envelope, sistema=SIF, previous=None, now=now)
        return vf_qr.url_for(alta, environment=vf_qr.Environment.TEST)
    y, m, d = doc["issue_date"].split("-")
    number = "-".join(x for x in (doc.get("series"), doc["code"]) if x)
    return vf_qr.url(
        doc["supplier"]["tax_id"]["code"],
        number,
        f"{d}-{m}-{y}",
        doc["totals"]["total_with_tax"],
        environment=vf_qr.Environment.TEST,
    )


def with_irpf_and_payment(doc: dict[str, Any]) -> None:
    doc["lines"][0]["taxes"].append({"cat": "IRPF", "key": "pro", "percent": "15.0%"})
    doc["op_date"] = "2024-12-01"
    doc["payment"] = {
        "terms": {"key": "due-date", "due_dates": [{"date": "2025-01-04", "percent": "100%"}]},
        "instructions": {
            "key": "credit-transfer",
            "credit_transfer": [{"iban": "ES25 0188 2570 0180 2345 6701", "bic": "BSABESBB"}],
        },
        "advances": [{"date": "2024-11-20", "description": "Depósito", "amount": "100.00"}],
    }


def many_lines(count: int) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        template = doc["lines"][0]
        doc["lines"] = [
            {
                "quantity": str(n % 7 + 1),
                "item": {"name": f"Servicio número {n}", "price": "12.50"},
                "taxes": template["taxes"],
            }
            for n in range(1, count + 1)
        ]

    return change


# (example or builder, texts that must appear in Spanish)
CASES: dict[str, tuple[str, Callable[[dict[str, Any]], None] | None, tuple[str, ...]]] = {
    "standard-with-discounts": (
        "invoice-es-es-verifactu.json",
        None,
        (
            "Factura",
            "SAMPLE-004",
            "B98602642",
            "54387763P",
            "Provide One S.L.",
            "10% (180,00 €)",
            "1.620,00 €",
            "340,20 €",
            "21,0%",
            "Total con impuestos 1.970,20 €",
            "Fecha de expedición: 04/12/2024",
            "Random invoice",
        ),
    ),
    "simplified": (
        "invoice-es-es-verifactu-simplified-with-customer.json",
        None,
        ("Factura simplificada", "SAMPLE-005", "2.190,10 €", "380,10 €", "Avenida Siempre Viva"),
    ),
    "corrective-with-preceding": (
        "invoice-es-es-sii-corrective.json",
        None,
        (
            "Factura rectificativa",
            "SAMPLE-F-004",
            "FACTURA RECTIFICADA",
            "SAMPLE-003 · 01/07/2025",
            "1.970,20 €",
        ),
    ),
    "credit-note": (
        "credit-note-es-es-tbai.json",
        None,
        ("Factura rectificativa (abono)", "SAMPLE-085 · 10/01/2022", "1.970,20 €"),
    ),
    "equivalence-surcharge": (
        "invoice-es-es-tbai-equivalence.json",
        None,
        ("Recargo de equivalencia", "5,2%", "26,00 €", "105,00 €", "631,00 €", "Bilbaíno"),
    ),
    "irpf-retention-payment": (
        "invoice-es-es-verifactu.json",
        with_irpf_and_payment,
        (
            "Retención IRPF",
            "15,0%",
            "-243,00 €",
            "Retenciones -243,00 €",
            "Total a pagar 1.727,20 €",
            "Anticipos -100,00 €",
            "Pendiente de pago 1.627,20 €",
            "IBAN: ES25 0188 2570 0180 2345 6701",
            "BIC: BSABESBB",
            "Transferencia bancaria",
            "04/01/2025: 1.727,20 €",
            "Fecha de operación: 01/12/2024",
        ),
    ),
    "not-subject": (
        "invoice-es-es-verifactu-N2.json",
        None,
        ("no sujeta", "N2: No sujeta por reglas de localización", "3.000,00 €"),
    ),
    "exempt-and-igic": (
        "invoice-es-igic.json",
        None,
        ("IGIC", "7,0%", "113,40 €", "exenta", "1.743,40 €", "Subscription SUB1234-ABC"),
    ),
    "charges-only": (
        "invoice-es-es-only-charges.json",
        None,
        ("A charge not related to a product", "Cargos 50,00 €", "60,50 €"),
    ),
    "many-lines": (
        "invoice-es-es-verifactu.json",
        many_lines(60),
        ("Servicio número 1 ", "Servicio número 60", "Página 2 de"),
    ),
}


def envelope_for(examples: Any, case: str) -> dict[str, Any]:
    name, change, _ = CASES[case]
    envelope: dict[str, Any] = (
        examples.load(name) if change is None else examples.variant(name, change)
    )
    return envelope


@pytest.mark.parametrize("case", sorted(CASES))
def test_invoice_prints_its_amounts_parties_and_a_scannable_qr(
    case: str, examples: Any, read_pdf: Any
) -> None:
    envelope = envelope_for(examples, case)
    url = record_url(envelope, examples.now)
    pdf = read_pdf(
        render_invoice(envelope, options=PdfOptions(), qr=QrBlock(url), now=examples.now)
    )

    text = pdf.flat_text()
    for expected in CASES[case][2]:
        assert expected in text, expected
    assert "QR tributario:" in pdf.text(0)
    assert vf_qr.LEGEND in pdf.text(0)

    codes = pdf.qr_codes()
    assert [(c.text, c.page) for c in codes] == [(url, 0)]
    assert vf_qr.MIN_SIZE_MM <= codes[0].side_mm <= vf_qr.MAX_SIZE_MM


def test_qr_is_placed_once_on_page_one_at_the_size_asked(examples: Any, read_pdf: Any) -> None:
    envelope = envelope_for(examples, "many-lines")
    url = record_url(envelope, examples.now)
    for size in (30.0, 35.0, 40.0):
        pdf = read_pdf(
            render_invoice(
                envelope, options=PdfOptions(), qr=QrBlock(url, size_mm=size), now=examples.now
            )
        )
        assert pdf.pages > 1
        [box] = pdf.images(0)
        assert all(pdf.images(n) == [] for n in range(1, pdf.pages))
        [code] = pdf.qr_codes()
        # the symbol prints within the Orden's bounds, close to what was asked
        assert vf_qr.MIN_SIZE_MM <= code.side_mm <= vf_qr.MAX_SIZE_MM
        assert abs(code.side_mm - size) < 2.5
        # the placed image is square and holds a quiet zone of at least 2 mm on each side
        assert box.width == pytest.approx(box.height)
        assert (box.width - code.side_mm) / 2 >= vf_qr.MIN_QUIET_ZONE_MM - 0.2
        # top of the first page, horizontally centred
        page_w, page_h = pdf.size_mm(0)
        assert box.top > page_h * 0.75
        assert (box.left + box.right) / 2 == pytest.approx(page_w / 2, abs=1)


def test_legend_sits_between_the_caption_and_the_lines(examples: Any, read_pdf: Any) -> None:
    envelope = examples.load("invoice-es-es-verifactu.json")
    pdf = read_pdf(
        render_invoice(
            envelope,
            options=PdfOptions(),
            qr=QrBlock(record_url(envelope, examples.now)),
            now=examples.now,
        )
    )
    text = pdf.text(0)
    assert text.index("QR tributario:") < text.index("VERI*FACTU") < text.index("Descripción")


def test_without_qr_block_no_code_and_no_legend(examples: Any, read_pdf: Any) -> None:
    pdf = read_pdf(
        render_invoice(
            examples.load("invoice-es-es.json"), options=PdfOptions(), qr=None, now=examples.now
        )
    )
    assert pdf.images(0) == []
    assert pdf.qr_codes() == []
    assert "VERI*FACTU" not in pdf.text()
    assert "Total con impuestos 1.970,20 €" in pdf.flat_text()


def test_no_verifactu_qr_has_caption_but_no_legend(examples: Any, read_pdf: Any) -> None:
    envelope = examples.load("invoice-es-es.json")
    url = vf_qr.url("B98602642", "SAMPLE-001", "01-02-2022", "1970.20", verifactu=False)
    pdf = read_pdf(
        render_invoice(
            envelope, options=PdfOptions(), qr=QrBlock(url, legend=None), now=examples.now
        )
    )
    assert "QR tributario:" in pdf.text(0)
    assert "VERI*FACTU" not in pdf.text()
    assert [c.text for c in pdf.qr_codes()] == [url]


def test_english_locale_uses_english_labels_and_number_format(examples: Any, read_pdf: Any) -> None:
    envelope = envelope_for(examples, "irpf-retention-payment")
    pdf = read_pdf(
        render_invoice(envelope, options=PdfOptions(locale="en"), qr=None, now=examples.now)
    )
    text = pdf.flat_text()
    for expected in (
        "Invoice",
        "BILL TO",
        "Issue date: 2024-12-04",
        "Unit price",
        "Tax breakdown".upper(),
        "Withholding IRPF",
        "Total with tax €1,970.20",
        "Withheld -€243.00",
        "Total payable €1,727.20",
        "Amount due €1,627.20",
        "Bank transfer",
        "Page 1 of 1",
    ):
        assert expected in text, expected
    assert "Factura" not in text


def test_unknown_language_prints_in_english(examples: Any, read_pdf: Any) -> None:
    envelope = examples.load("invoice-es-es-verifactu.json")
    pdf = read_pdf(
        render_invoice(envelope, options=PdfOptions(locale="de-DE"), qr=None, now=examples.now)
    )
    assert "Total with tax" in pdf.flat_text()


def test_number_and_date_options_override_the_locale(examples: Any, read_pdf: Any) -> None:
    envelope = envelope_for(examples, "irpf-retention-payment")
    options = PdfOptions(
        date_format="%Y.%m.%d",
        decimal_mark=".",
        thousands_separator=" ",
        currency_template="%u %n",
        negative_template="(%u %n)",
    )
    text = read_pdf(
        render_invoice(envelope, options=options, qr=None, now=examples.now)
    ).flat_text()
    assert "Total con impuestos € 1 970.20" in text
    assert "Retenciones (€ 243.00)" in text
    assert "Fecha de expedición: 2024.12.04" in text


def test_foreign_currency_uses_its_symbol(examples: Any, read_pdf: Any) -> None:
    pdf = read_pdf(
        render_invoice(
            examples.load("invoice-es-usd.json"),
            options=PdfOptions(locale="en"),
            qr=None,
            now=examples.now,
        )
    )
    text = pdf.flat_text()
    assert "Total with tax $3,262.48" in text
    assert "Currency: USD" in text


@pytest.mark.parametrize(
    ("layout", "size"),
    [
        (Layout.A4, (210.0, 297.0)),
        (Layout.LETTER, (215.9, 279.4)),
        (Layout.DIN5008, (210.0, 297.0)),
    ],
)
def test_layout_sets_the_paper(
    layout: Layout, size: tuple[float, float], examples: Any, read_pdf: Any
) -> None:
    pdf = read_pdf(
        render_invoice(
            examples.load("invoice-es-es-verifactu.json"),
            options=PdfOptions(layout=layout),
            qr=None,
            now=examples.now,
        )
    )
    assert pdf.size_mm(0) == pytest.approx(size, abs=0.2)


def test_label_duplicate_and_watermark_are_printed_on_every_page(
    examples: Any, read_pdf: Any
) -> None:
    envelope = envelope_for(examples, "many-lines")
    options = PdfOptions(label="Original", duplicate=True, watermark="BORRADOR")
    pdf = read_pdf(render_invoice(envelope, options=options, qr=None, now=examples.now))
    assert pdf.pages > 1
    assert "Factura · Original · Duplicado" in pdf.flat_text()
    for n in range(pdf.pages):
        assert "BORRADOR" in pdf.text(n)
        assert f"Página {n + 1} de {pdf.pages}" in " ".join(pdf.text(n).split())


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_logo_is_drawn_at_its_height(examples: Any, read_pdf: Any) -> None:
    options = PdfOptions(logo=_png(300, 100), logo_height=60)
    envelope = examples.load("invoice-es-es-verifactu.json")
    url = record_url(envelope, examples.now)
    pdf = read_pdf(render_invoice(envelope, options=options, qr=QrBlock(url), now=examples.now))
    boxes = pdf.images(0)
    assert len(boxes) == 2
    logo = min(boxes, key=lambda b: b.left)
    assert logo.height == pytest.approx(60 * 25.4 / 96, abs=0.1)
    assert logo.width == pytest.approx(logo.height * 3, abs=0.1)
    assert [c.text for c in pdf.qr_codes()] == [url]


def test_a_logo_that_is_not_an_image_is_refused(examples: Any) -> None:
    with pytest.raises(InvalidLogo):
        render_invoice(
            examples.load("invoice-es-es-verifactu.json"),
            options=PdfOptions(logo=b"<svg/>"),
            qr=None,
            now=examples.now,
        )


def test_other_documents_are_refused(examples: Any) -> None:
    with pytest.raises(NotAnInvoice):
        render_invoice(examples.load("party.json"), options=PdfOptions(), qr=None, now=examples.now)


def test_naive_now_is_refused(examples: Any) -> None:
    with pytest.raises(ValueError, match="timezone"):
        render_invoice(
            examples.load("invoice-es-es.json"),
            options=PdfOptions(),
            qr=None,
            now=examples.now.replace(tzinfo=None),
        )


def test_core_fonts_still_print_euro_and_accents(examples: Any, read_pdf: Any) -> None:
    envelope = examples.load("invoice-es-es-tbai-equivalence.json")
    envelope["doc"]["customer"]["name"] = "Łukasz Żółw"
    pdf = read_pdf(
        render_invoice(envelope, options=PdfOptions(), qr=None, now=examples.now, fonts="core")
    )
    text = pdf.flat_text()
    assert "631,00 €" in text
    assert "Mayorista Bilbaíno" in text
    assert "?ukasz" in text  # outside Windows-1252: replaced, not failing


def test_unicode_font_prints_names_outside_windows_1252(examples: Any, read_pdf: Any) -> None:
    envelope = examples.load("invoice-es-es-tbai-equivalence.json")
    envelope["doc"]["customer"]["name"] = "Łukasz Żółw"
    text = read_pdf(
        render_invoice(envelope, options=PdfOptions(), qr=None, now=examples.now)
    ).flat_text()
    assert "Łukasz Żółw" in text


def test_the_same_input_gives_the_same_bytes(examples: Any) -> None:
    envelope = examples.load("invoice-es-es-verifactu.json")
    url = record_url(envelope, examples.now)

    def render() -> bytes:
        return render_invoice(envelope, options=PdfOptions(), qr=QrBlock(url), now=examples.now)

    assert render() == render()


def test_qr_block_refuses_sizes_outside_the_orden() -> None:
    for size in (29.9, 40.1):
        with pytest.raises(ValueError, match="between"):
            QrBlock("https://example.test/qr", size_mm=size)


def test_data_uri_logo_is_decoded_by_the_caller() -> None:
    from facturo.pdf import load_logo

    png = _png(4, 4)
    assert load_logo("data:image/png;base64," + base64.b64encode(png).decode()) == png


def test_foreign_parties_show_their_country_and_domestic_ones_do_not(
    examples: Any, read_pdf: Any
) -> None:
    envelope = examples.load("invoice-es-fr-tbai-export.json")
    envelope["doc"]["customer"]["addresses"] = [
        {
            "street": "Rue de Rivoli",
            "num": "10",
            "code": "75001",
            "locality": "Paris",
            "country": "FR",
        }
    ]
    pdf = read_pdf(render_invoice(envelope, options=PdfOptions(), qr=None, now=examples.now))
    lines = pdf.text(0).splitlines()
    assert "NIF: FR39356000000" in lines
    assert "75001 Paris" in lines
    assert "FR" in lines
    assert "48003 Bilbo (Bizkaia)" in lines
    assert "ES" not in lines


def test_characters_outside_the_prepared_font_print_as_question_marks(
    examples: Any, read_pdf: Any
) -> None:
    envelope = examples.load("invoice-es-es-tbai-equivalence.json")
    envelope["doc"]["customer"]["name"] = "Αθηνά Пётр 漢字"
    text = read_pdf(
        render_invoice(envelope, options=PdfOptions(), qr=None, now=examples.now)
    ).flat_text()
    assert "Αθηνά Пётр ??" in text
