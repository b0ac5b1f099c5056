"""Corrections (credit notes, debit notes, correctives) from invoices, per Spanish addon."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from facturo.gobl import (
    GoblError,
    build,
    correct,
    corrected_document,
    correction_options_schema,
    parse,
    validate,
)
from facturo.gobl.bill.correction_options import OPTIONS_FAULT, CorrectionOptions, Stamp
from facturo.gobl.bill.invoice_correct import (
    BAD_EXT,
    BAD_TYPE,
    NO_CODE,
    NO_REASON,
    NO_STAMP,
    NO_TYPE,
    NOT_INVOICE,
    CorrectionDefinition,
    correct_invoice,
)
from facturo.platform.cli.gobl import app

EXAMPLES = Path(__file__).resolve().parents[3].parent / "shared/data/gobl/examples/es"
# 23:30 UTC on New Year's Eve is already 1 January in Madrid, the regime's time zone.
NOW = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)


def uuids() -> Callable[[], UUID]:
    counter: Iterator[int] = iter(range(1, 1000))
    return lambda: UUID(int=(0x0190F3A0 << 96) | (7 << 76) | (2 << 62) | next(counter))


def example(name: str) -> dict[str, Any]:
    return parse((EXAMPLES / name).read_bytes())


def built(name: str) -> dict[str, Any]:
    return build(example(name), uuid_factory=uuids(), now=NOW).to_json()


def corrected(data: dict[str, Any], **options: Any) -> dict[str, Any]:
    return correct(data, options, uuid_factory=uuids(), now=NOW).to_json()


def fault_paths(exc: pytest.ExceptionInfo[GoblError]) -> dict[str, tuple[str, ...]]:
    return {f.code: f.paths for f in exc.value.faults}


def test_verifactu_credit_note_is_r1_differences_with_the_original_in_preceding() -> None:
    original = built("invoice-es-es-verifactu.yaml")
    before = copy.deepcopy(original)
    env = corrected(original, type="credit-note", reason="Refund", series="R-SAMPLE")
    doc = env["doc"]
    assert doc["type"] == "credit-note"
    assert doc["tax"]["ext"] == {
        "es-verifactu-correction-type": "I",
        "es-verifactu-doc-type": "R1",
    }
    assert "code" not in doc
    assert doc["series"] == "R-SAMPLE"
    assert doc["issue_date"] == "2025-01-01"
    assert doc["uuid"] != original["doc"]["uuid"]
    assert env["head"]["uuid"] != original["head"]["uuid"]
    # the addon's definition copies the tax totals: the agency wants the original's figures
    assert doc["preceding"] == [
        {
            "uuid": original["doc"]["uuid"],
            "type": "standard",
            "issue_date": "2024-12-04",
            "series": "SAMPLE",
            "code": "004",
            "reason": "Refund",
            "tax": original["doc"]["totals"]["taxes"],
        }
    ]
    # a credit note keeps positive values; the type says it is a refund
    assert doc["totals"]["payable"] == original["doc"]["totals"]["payable"] == "1970.20"
    assert doc["lines"][0]["quantity"] == "20"
    validate(env)  # digest and rules hold for the stored form
    assert original == before


def test_verifactu_corrective_is_substitution() -> None:
    doc = corrected(built("invoice-es-es-verifactu.yaml"), type="corrective")["doc"]
    assert doc["type"] == "corrective"
    assert doc["tax"]["ext"]["es-verifactu-correction-type"] == "S"
    assert doc["tax"]["ext"]["es-verifactu-doc-type"] == "R1"
    assert doc["preceding"][0]["tax"]  # required for correctives (BILL-INVOICE-03)


def test_verifactu_credit_note_of_a_simplified_invoice_is_r5() -> None:
    original = built("invoice-es-es-verifactu-simplified-with-customer.json")
    assert original["doc"]["tax"]["ext"]["es-verifactu-doc-type"] == "F2"
    doc = corrected(original, type="credit-note")["doc"]
    assert doc["tax"]["ext"] == {
        "es-verifactu-correction-type": "I",
        "es-verifactu-doc-type": "R5",
    }


def test_verifactu_doc_type_option_moves_to_the_invoice() -> None:
    doc = corrected(
        built("invoice-es-es-verifactu.yaml"),
        type="credit-note",
        ext={"es-verifactu-doc-type": "R3"},
    )["doc"]
    assert doc["tax"]["ext"]["es-verifactu-doc-type"] == "R3"
    assert "ext" not in doc["preceding"][0]


def test_verifactu_debit_note_keeps_lines_for_the_caller_to_change() -> None:
    doc = corrected(built("invoice-es-es-verifactu.yaml"), type="debit-note")["doc"]
    assert doc["type"] == "debit-note"
    assert doc["tax"]["ext"]["es-verifactu-correction-type"] == "I"
    assert len(doc["lines"]) == 2


def test_sii_doc_type_moves_up_and_tax_is_copied() -> None:
    original = built("invoice-es-es-sii-N2.yaml")
    doc = corrected(original, type="credit-note", ext={"es-sii-doc-type": "R4"})["doc"]
    assert doc["tax"]["ext"]["es-sii-doc-type"] == "R4"
    assert doc["tax"]["ext"]["es-sii-correction-type"] == "I"
    assert doc["preceding"][0]["tax"] == original["doc"]["totals"]["taxes"]


def test_tbai_correction_code_stays_on_the_preceding_reference_without_tax_copy() -> None:
    doc = corrected(
        built("invoice-es-es-tbai-simplified.yaml"),
        type="corrective",
        ext={"es-tbai-correction": "R1"},
    )["doc"]
    assert doc["preceding"][0]["ext"] == {"es-tbai-correction": "R1"}
    assert "tax" not in doc["preceding"][0]


def test_facturae_correction_code_stays_on_the_preceding_reference() -> None:
    doc = corrected(
        built("invoice-es-es.yaml"), type="credit-note", ext={"es-facturae-correction": "01"}
    )["doc"]
    assert doc["preceding"][0]["ext"] == {"es-facturae-correction": "01"}


def test_copy_tax_option_copies_totals_where_no_rule_asks_for_it() -> None:
    original = built("invoice-es-es.yaml")
    reason = {"es-facturae-correction": "01"}
    plain = corrected(original, type="credit-note", ext=reason)["doc"]
    assert "tax" not in plain["preceding"][0]
    copied = corrected(original, type="credit-note", copy_tax=True, ext=reason)["doc"]
    assert copied["preceding"][0]["tax"] == original["doc"]["totals"]["taxes"]


def test_legacy_credit_flag_and_explicit_issue_date() -> None:
    reason = {"es-facturae-correction": "01"}
    doc = corrected(built("invoice-es-es.yaml"), credit=True, issue_date="2025-02-03", ext=reason)[
        "doc"
    ]
    assert doc["type"] == "credit-note"
    assert doc["issue_date"] == "2025-02-03"


def test_credit_note_drops_advances_of_the_original() -> None:
    data = example("invoice-es-es.yaml")
    data["payment"] = {"advances": [{"description": "Deposit", "amount": "100.00"}]}
    original = build(data, uuid_factory=uuids(), now=NOW).to_json()
    assert original["doc"]["totals"]["advance"] == "100.00"
    # FacturaE corrections name their reason (GOBL-ES-FACTURAE-BILL-INVOICE-06)
    reason = {"es-facturae-correction": "01"}
    credit = corrected(original, type="credit-note", ext=reason)["doc"]
    assert "payment" not in credit
    assert "advance" not in credit["totals"]
    replacement = corrected(original, type="corrective", ext=reason)["doc"]
    assert replacement["totals"]["advance"] == "100.00"


def test_bare_document_is_corrected_and_enveloped() -> None:
    env = corrected(example("invoice-es-es-verifactu.yaml"), type="credit-note")
    assert env["doc"]["preceding"][0]["code"] == "004"
    assert env["head"]["dig"]["val"]


def test_an_invoice_without_code_cannot_be_corrected() -> None:
    original = built("invoice-es-es-verifactu.yaml")
    del original["doc"]["code"]
    with pytest.raises(GoblError) as exc:
        corrected(original, type="credit-note")
    assert fault_paths(exc) == {NO_CODE: ("$.doc.code",)}
    bare = example("invoice-es-es-verifactu.yaml")
    del bare["code"]
    with pytest.raises(GoblError) as exc:
        corrected(bare, type="credit-note")
    assert fault_paths(exc) == {NO_CODE: ("$.code",)}


def test_a_correction_cannot_be_corrected_again_without_its_own_code() -> None:
    credit = corrected(built("invoice-es-es-verifactu.yaml"), type="credit-note")
    with pytest.raises(GoblError) as exc:
        corrected(credit, type="credit-note")
    assert fault_paths(exc) == {NO_CODE: ("$.doc.code",)}


@pytest.mark.parametrize(
    ("options", "code", "path"),
    [
        ({}, NO_TYPE, "$.options.type"),
        ({"type": "proforma"}, BAD_TYPE, "$.options.type"),
        (
            {"type": "credit-note", "ext": {"es-tbai-correction": "R1"}},
            BAD_EXT,
            "$.options.ext.es-tbai-correction",
        ),
        ({"type": "credit-note", "method": "x"}, OPTIONS_FAULT, "$.options.method"),
        (
            {"type": "credit-note", "issue_date": "2025-13-01"},
            OPTIONS_FAULT,
            "$.options.issue_date",
        ),
        ({"type": "credit-note", "copy_tax": "yes"}, OPTIONS_FAULT, "$.options.copy_tax"),
        ({"type": "credit-note", "stamps": [{"prv": "x"}]}, OPTIONS_FAULT, "$.options.stamps[0]"),
        ({"type": "credit-note", "ext": {"k": 1}}, OPTIONS_FAULT, "$.options.ext.k"),
        ({"credit": True, "debit": True}, OPTIONS_FAULT, "$.options.credit"),
        ({"type": "corrective", "credit": True}, OPTIONS_FAULT, "$.options.type"),
    ],
)
def test_bad_options_are_faults_with_the_option_path(
    options: dict[str, Any], code: str, path: str
) -> None:
    with pytest.raises(GoblError) as exc:
        correct(built("invoice-es-es-verifactu.yaml"), options, uuid_factory=uuids(), now=NOW)
    assert fault_paths(exc) == {code: (path,)}


def test_options_must_be_an_object() -> None:
    with pytest.raises(GoblError) as exc:
        correct(built("invoice-es-es.yaml"), ["credit-note"], uuid_factory=uuids(), now=NOW)
    assert fault_paths(exc) == {OPTIONS_FAULT: ("$.options",)}


def test_options_path_follows_the_caller() -> None:
    with pytest.raises(GoblError) as exc:
        correct(
            built("invoice-es-es.yaml"),
            {"type": "other"},
            uuid_factory=uuids(),
            now=NOW,
            options_path="$.correct",
        )
    assert fault_paths(exc) == {BAD_TYPE: ("$.correct.type",)}


def test_only_invoices_are_corrected() -> None:
    party = built("party.yaml")
    with pytest.raises(GoblError) as exc:
        corrected(party, type="credit-note")
    assert fault_paths(exc) == {NOT_INVOICE: ("$.doc.$schema",)}


def _definition(**kw: Any) -> CorrectionDefinition:
    return CorrectionDefinition(types=("credit-note",), **kw)


def test_required_stamps_are_copied_and_missing_ones_named() -> None:
    original = built("invoice-es-es.yaml")["doc"]
    stamp = Stamp(prv="sat-uuid", val="abc")
    cd = _definition(stamps=("sat-uuid",))
    opts = CorrectionOptions(type="credit-note", stamps=(stamp, Stamp(prv="other", val="z")))
    doc = correct_invoice(original, opts, now=NOW, definition=cd)
    assert doc["preceding"][0]["stamps"] == [{"prv": "sat-uuid", "val": "abc"}]
    with pytest.raises(GoblError) as exc:
        correct_invoice(original, CorrectionOptions(type="credit-note"), now=NOW, definition=cd)
    assert fault_paths(exc) == {NO_STAMP: ("$.options.stamps",)}
    assert "sat-uuid" in exc.value.faults[0].message


def test_stamps_no_rule_asks_for_are_not_copied() -> None:
    original = built("invoice-es-es.yaml")
    original["head"]["stamps"] = [{"prv": "verifactu-csv", "val": "abc"}]
    options = {"type": "credit-note", "stamps": [{"prv": "other", "val": "z"}]}
    doc = corrected_document(original, options, now=NOW)
    assert "stamps" not in doc["preceding"][0]  # Spain's definitions require none


def test_reason_required_by_the_definition() -> None:
    original = built("invoice-es-es.yaml")["doc"]
    cd = _definition(reason_required=True)
    with pytest.raises(GoblError) as exc:
        correct_invoice(original, CorrectionOptions(type="credit-note"), now=NOW, definition=cd)
    assert fault_paths(exc) == {NO_REASON: ("$.options.reason",)}


def test_options_schema_narrowed_to_the_invoice() -> None:
    schema = correction_options_schema(built("invoice-es-es-verifactu.yaml")["doc"])
    cos = schema["$defs"]["bill.CorrectionOptions"]
    assert schema["$id"].endswith("?tax_regime=es")
    assert [o["const"] for o in cos["properties"]["type"]["oneOf"]] == [
        "credit-note",
        "corrective",
        "debit-note",
    ]
    assert cos["properties"]["series"]["default"] == "SAMPLE"
    doc_type = cos["properties"]["ext"]["properties"]["es-verifactu-doc-type"]
    assert "R1" in [o["const"] for o in doc_type["oneOf"]]
    facturae = correction_options_schema(built("invoice-es-es.yaml")["doc"])
    ext = facturae["$defs"]["bill.CorrectionOptions"]["properties"]["ext"]
    assert list(ext["properties"]) == ["es-facturae-correction"]
    bare = example("invoice-es-es.yaml")
    del bare["$addons"]
    plain = correction_options_schema(bare)
    assert "ext" not in plain["$defs"]["bill.CorrectionOptions"]["properties"]


runner = CliRunner()


def test_cli_correct_prints_the_credit_note(tmp_path: Path) -> None:
    src = tmp_path / "invoice.json"
    src.write_text(json.dumps(built("invoice-es-es-verifactu.yaml")), "utf-8")
    res = runner.invoke(
        app,
        [
            "correct",
            str(src),
            "--type",
            "credit-note",
            "--reason",
            "Refund",
            "--series",
            "R",
            "--date",
            "2025-03-04",
            "--ext",
            "es-verifactu-doc-type=R2",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)["doc"]
    assert (doc["type"], doc["series"], doc["issue_date"]) == ("credit-note", "R", "2025-03-04")
    assert doc["tax"]["ext"]["es-verifactu-doc-type"] == "R2"
    assert doc["preceding"][0]["reason"] == "Refund"


def test_cli_correct_with_stamps_file_and_faults(tmp_path: Path) -> None:
    env = built("invoice-es-es.yaml")
    stamps = tmp_path / "stamps.json"
    stamps.write_text(json.dumps([{"prv": "x", "val": "y"}]), "utf-8")
    src = tmp_path / "invoice.json"
    src.write_text(json.dumps(env), "utf-8")
    reason = ["--ext", "es-facturae-correction=01"]
    ok = runner.invoke(
        app, ["correct", str(src), "--type", "corrective", "--stamps", str(stamps), *reason]
    )
    assert ok.exit_code == 0, ok.output
    del env["doc"]["code"]
    src.write_text(json.dumps(env), "utf-8")
    res = runner.invoke(app, ["correct", str(src), "--type", "credit-note"])
    assert res.exit_code == 1
    err = json.loads(res.stderr)
    assert [f["code"] for f in err["faults"]] == [NO_CODE]
    bad = runner.invoke(app, ["correct", str(src), "--type", "credit-note", "--ext", "novalue"])
    assert bad.exit_code == 2
