"""Envelopes nobody should send still render: the Silo stores invalid documents too."""

from __future__ import annotations

from typing import Any

from facturo.pdf import PdfOptions, QrBlock, render_invoice
from facturo.pdf.reading import MAX_TEXT
from facturo.verifactu import qr as vf_qr

URL = vf_qr.url("B98602642", "SAMPLE-004", "04-12-2024", "1970.20")


def test_missing_customer_renders_without_a_customer_block(examples: Any, read_pdf: Any) -> None:
    envelope = examples.load("invoice-es-es-verifactu.json")
    del envelope["doc"]["customer"]
    pdf = read_pdf(
        render_invoice(envelope, options=PdfOptions(), qr=QrBlock(URL), now=examples.now)
    )
    text = pdf.flat_text()
    assert "CLIENTE" not in text
    assert "Total con impuestos 1.970,20 €" in text
    assert [c.text for c in pdf.qr_codes()] == [URL]


def test_huge_descriptions_wrap_and_are_cut(examples: Any, read_pdf: Any) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["lines"][0]["item"]["name"] = "Consultoría " * 2000  # 24 000 characters
        doc["lines"][1]["item"]["name"] = "X" * 5000  # one word no line can hold

    envelope = examples.variant("invoice-es-es-verifactu.json", change)
    pdf = read_pdf(
        render_invoice(envelope, options=PdfOptions(), qr=QrBlock(URL), now=examples.now)
    )
    text = pdf.flat_text()
    assert "Consultoría Consultoría" in text
    assert text.count("…") == 2
    assert text.count("X") <= MAX_TEXT
    assert "Total con impuestos 1.970,20 €" in text
    assert [c.text for c in pdf.qr_codes()] == [URL]


def test_five_hundred_lines_paginate_with_the_header_row_on_every_page(
    examples: Any, read_pdf: Any
) -> None:
    def change(doc: dict[str, Any]) -> None:
        taxes = doc["lines"][0]["taxes"]
        doc["lines"] = [
            {
                "quantity": "1",
                "item": {"name": f"Artículo {n:03d}", "price": "1.00"},
                "taxes": taxes,
            }
            for n in range(1, 501)
        ]

    envelope = examples.variant("invoice-es-es-verifactu.json", change)
    pdf = read_pdf(
        render_invoice(envelope, options=PdfOptions(), qr=QrBlock(URL), now=examples.now)
    )
    assert pdf.pages >= 10
    for n in range(pdf.pages):
        page = " ".join(pdf.text(n).split())
        assert f"Página {n + 1} de {pdf.pages}" in page
        if n < pdf.pages - 1:  # the last page may hold only totals
            assert "Descripción" in page
    text = pdf.flat_text()
    assert "Artículo 001" in text
    assert "Artículo 500" in text
    assert "Total con impuestos 605,00 €" in text
    assert [(c.text, c.page) for c in pdf.qr_codes()] == [(URL, 0)]


def test_a_document_with_only_a_schema_renders(examples: Any, read_pdf: Any) -> None:
    envelope = {"doc": {"$schema": "https://gobl.org/draft-0/bill/invoice"}}
    pdf = read_pdf(render_invoice(envelope, options=PdfOptions(), qr=None, now=examples.now))
    assert "Factura" in pdf.text()


def test_wrong_types_read_as_missing(examples: Any, read_pdf: Any) -> None:
    envelope = {
        "head": {"stamps": "nope"},
        "doc": {
            "$schema": "https://gobl.org/draft-0/bill/invoice",
            "code": 17,
            "issue_date": "not a date",
            "supplier": ["not", "a", "party"],
            "customer": {"name": {"x": 1}, "tax_id": "B1"},
            "lines": ["x", {"item": "y", "quantity": None, "total": "abc"}],
            "totals": {"payable": {"a": 1}, "total_with_tax": "12.00"},
            "payment": {"instructions": {"credit_transfer": "IBAN"}},
            "notes": [{"text": ["a"]}, "b"],
        },
    }
    pdf = read_pdf(render_invoice(envelope, options=PdfOptions(), qr=None, now=examples.now))
    text = pdf.flat_text()
    assert "17" in text
    assert "not a date" in text
    assert "12,00 €" in text
