"""The ``pdf`` step: config checked at save time, args at run time, the PDF kept on the entry.

The step runs the way the engine runs it: a StepContext on a real unit of work over the entry
the Silo stored, with a real byte store in the test's directory. The PDF is read back through
the Silo's files, opened, its text read and its QR scanned.
"""

from __future__ import annotations

import base64
import copy
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from pydantic import ValidationError

from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.models import File
from facturo.silo.service_files import get_file_bytes
from facturo.silo.storage import LocalStorage, Storage
from facturo.transform.statuses import EventStatus
from facturo.transform.steps.base import Resources, StepContext, StepResult
from facturo.transform.steps.pdf_render import (
    INVALID_ARGS,
    NO_ENTRY,
    NO_FILE_STORE,
    NOT_INVOICE,
    PdfConfig,
    pdf,
    with_args,
)
from facturo.transform.steps.testing import step_context
from facturo.transform.workflows.validate import FaultCode, check_workflow, parse_workflow
from facturo.verifactu import qr as vf_qr

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
WORKFLOWS = SHARED / "data" / "invopop" / "workflows"
EXAMPLE = SHARED / "data" / "gobl" / "examples" / "es" / "out" / "invoice-es-es-verifactu.json"
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
QR_URL = vf_qr.url(
    "B98602642", "SAMPLE-004", "04-12-2024", "1970.20", environment=vf_qr.Environment.TEST
)


def _pdf_configs() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(WORKFLOWS.rglob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        if not isinstance(data, dict):  # INDEX.json lists the files
            continue
        steps = [*(data.get("steps") or []), *(data.get("rescue") or [])]
        for n, step in enumerate(steps):
            if (step.get("provider") or step.get("action")) == "pdf":
                out.append((f"{path.name}#{n}", step.get("config") or {}))
    return out


PDF_CONFIGS = _pdf_configs()


def test_invopop_templates_have_pdf_steps_to_check() -> None:
    assert len(PDF_CONFIGS) >= 5


@pytest.mark.parametrize(("where", "config"), PDF_CONFIGS, ids=[w for w, _ in PDF_CONFIGS])
def test_every_invopop_pdf_config_saves(where: str, config: dict[str, Any]) -> None:
    PdfConfig.model_validate(config)


def test_the_verifactu_template_saves_and_a_bad_layout_points_at_its_key() -> None:
    document = json.loads((WORKFLOWS / "current" / "es__verifactu-invoice.json").read_text())
    actions = {
        s.get("provider") or s.get("action")
        for s in [*document["steps"], *document.get("rescue", [])]
    }
    registry: dict[str, Any] = dict.fromkeys(actions) | {"pdf": pdf}
    assert check_workflow(parse_workflow(document), registry) == []

    index = next(i for i, s in enumerate(document["steps"]) if s["provider"] == "pdf")
    broken = copy.deepcopy(document)
    broken["steps"][index]["config"] = {"layout": "A5", "logo_url": "https://x.test/l.png"}
    faults = check_workflow(parse_workflow(broken), registry)
    assert sorted((f.code, f.paths) for f in faults) == [
        (FaultCode.CONFIG_INVALID, (f"#/steps/{index}/config/layout",)),
        (FaultCode.CONFIG_INVALID, (f"#/steps/{index}/config/logo_url",)),
    ]


@pytest.mark.parametrize(
    "config",
    [
        {"locale": "español"},
        {"logo_height": 0},
        {"logo_height": "big"},
        {"unknown_key": True},
        {"logo_url": "data:text/plain,hi"},
        {"watermark": "W" * 61},
    ],
)
def test_bad_configs_are_refused(config: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PdfConfig.model_validate(config)


def test_layout_names_are_read_case_insensitively() -> None:
    assert PdfConfig.model_validate({"layout": "letter"}).layout.value == "Letter"
    assert PdfConfig.model_validate({"layout": "din5008"}).layout.value == "DIN5008"


def test_args_override_the_config() -> None:
    config = PdfConfig.model_validate({"locale": "es", "layout": "A4", "logo_height": 60})
    out = with_args(
        config,
        {
            "pdf-locale": "en",
            "pdf-layout": "Letter",
            "pdf-logo-height": "30",
            "pdf-duplicate": "true",
            "pdf-watermark": "DRAFT",
            "other": "x",
        },
    )
    assert (out.locale, out.layout.value, out.logo_height, out.duplicate, out.watermark) == (
        "en",
        "Letter",
        30,
        True,
        "DRAFT",
    )
    assert with_args(config, {}) is config


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")


@pytest.fixture
def resources(storage: LocalStorage) -> Resources:
    res = Resources()
    res.add(storage, as_type=Storage)
    return res


def _pdf_files(
    runtime: Runtime, workspace: Workspace, storage: LocalStorage, entry_id: Any
) -> list[tuple[File, bytes]]:
    """The entry's files with their bytes, as the Silo serves them."""
    with runtime.uow() as uow:
        entry = silo_service.get_entry(uow, workspace_id=workspace.id, entry_id=entry_id)
        return [
            (
                file,
                get_file_bytes(
                    uow, storage, workspace_id=workspace.id, entry_id=entry_id, file_id=file.id
                ).data,
            )
            for file in entry.attachments
        ]


def _envelope(*, stamped: bool = True) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads(EXAMPLE.read_text("utf-8"))
    envelope["head"].pop("dig", None)
    envelope["head"]["uuid"] = str(uuid7())
    if stamped:
        envelope["head"]["stamps"] = [
            {"prv": "verifactu-hash", "val": "3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4C"},
            {"prv": "verifactu-qr", "val": QR_URL},
        ]
    return envelope


def _entry(runtime: Runtime, workspace: Workspace, data: dict[str, Any]) -> Any:
    with runtime.uow() as uow:
        return silo_service.create_entry(
            uow,
            workspace_id=workspace.id,
            data=data,
            source=silo_service.Source("test", "pdf"),
            entry_id=uuid7(),
        )


@contextmanager
def _context(
    runtime: Runtime, workspace: Workspace, entry_id: Any, args: dict[str, str], res: Resources
) -> Iterator[StepContext]:
    with runtime.uow() as uow:
        yield step_context(
            uow,
            workspace_id=workspace.id,
            action="pdf",
            now=NOW,
            entry_id=entry_id,
            args=args,
            resources=res,
            step_id="65312700-bc8f-11ef-8ca1-573cbe7db4cd",
            pointer="#/steps/5",
        )
        uow.commit()  # the engine's checkpoint


def _run(
    runtime: Runtime,
    workspace: Workspace,
    entry_id: Any,
    res: Resources,
    args: dict[str, str] | None = None,
    **config: Any,
) -> StepResult:
    parsed = pdf.parse_config(config)
    with _context(runtime, workspace, entry_id, args or {}, res) as ctx:
        result = pdf.run(ctx, parsed)
    assert isinstance(result, StepResult)
    return result


def _read(data: bytes) -> tuple[str, list[str]]:
    doc = pdfium.PdfDocument(data)
    text = " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in doc)
    image = doc[0].render(scale=300 / 72).to_pil()
    codes = [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    return text, codes


def test_renders_the_entry_with_its_stamped_qr_as_the_pdf_format_file(
    runtime: Runtime, workspace: Workspace, resources: Resources, storage: LocalStorage
) -> None:
    entry = _entry(runtime, workspace, _envelope())
    result = _run(
        runtime, workspace, entry.id, resources, locale="es", layout="A4", date_format="%Y-%m-%d"
    )
    assert result.status is EventStatus.OK
    [(file, data)] = _pdf_files(runtime, workspace, storage, entry.id)
    assert (file.key, file.category, file.mime, file.name, file.size) == (
        "pdf",
        "format",
        "application/pdf",
        "SAMPLE-004.pdf",
        len(data),
    )
    text, codes = _read(data)
    assert codes == [QR_URL]
    for expected in ("Factura", "Fecha de expedición: 2024-12-04", "1.970,20 €", "VERI*FACTU"):
        assert expected in text


def test_a_rerun_replaces_the_pdf_and_keeps_the_previous_one(
    runtime: Runtime, workspace: Workspace, resources: Resources, storage: LocalStorage
) -> None:
    entry = _entry(runtime, workspace, _envelope())
    assert _run(runtime, workspace, entry.id, resources).status is EventStatus.OK
    assert _run(runtime, workspace, entry.id, resources, label="Copia").status is EventStatus.OK
    [(file, data)] = _pdf_files(runtime, workspace, storage, entry.id)
    assert len(file.previous) == 1
    assert "Factura · Copia" in _read(data)[0]


def test_job_args_win_over_the_config(
    runtime: Runtime, workspace: Workspace, resources: Resources, storage: LocalStorage
) -> None:
    entry = _entry(runtime, workspace, _envelope())
    logo = io.BytesIO()
    Image.new("RGB", (30, 10), (0, 90, 200)).save(logo, format="PNG")
    args = {
        "pdf-locale": "en",
        "pdf-label": "Copy",
        "pdf-logo-url": "data:image/png;base64," + base64.b64encode(logo.getvalue()).decode(),
    }
    result = _run(runtime, workspace, entry.id, resources, args, locale="es", label="Original")
    assert result.status is EventStatus.OK
    [(_, data)] = _pdf_files(runtime, workspace, storage, entry.id)
    text, codes = _read(data)
    assert "Invoice · Copy" in text
    assert "Total with tax €1,970.20" in text
    assert "Factura" not in text
    assert codes == [QR_URL]


def test_an_entry_without_the_qr_stamp_prints_no_qr(
    runtime: Runtime, workspace: Workspace, resources: Resources, storage: LocalStorage
) -> None:
    entry = _entry(runtime, workspace, _envelope(stamped=False))
    assert _run(runtime, workspace, entry.id, resources).status is EventStatus.OK
    [(_, data)] = _pdf_files(runtime, workspace, storage, entry.id)
    text, codes = _read(data)
    assert codes == []
    assert "VERI*FACTU" not in text


def test_a_bad_arg_is_ko_with_its_path_and_stores_nothing(
    runtime: Runtime, workspace: Workspace, resources: Resources, storage: LocalStorage
) -> None:
    entry = _entry(runtime, workspace, _envelope())
    result = _run(runtime, workspace, entry.id, resources, {"pdf-layout": "A5"})
    assert (result.status, result.code, result.paths) == (
        EventStatus.KO,
        INVALID_ARGS,
        ("$.args.pdf-layout",),
    )
    assert _pdf_files(runtime, workspace, storage, entry.id) == []


def test_another_document_type_is_ko(
    runtime: Runtime, workspace: Workspace, resources: Resources, storage: LocalStorage
) -> None:
    party = {
        "$schema": "https://gobl.org/draft-0/org/party",
        "name": "Provide One S.L.",
        "tax_id": {"country": "ES", "code": "B98602642"},
    }
    entry = _entry(runtime, workspace, party)
    result = _run(runtime, workspace, entry.id, resources)
    assert (result.status, result.code) == (EventStatus.KO, NOT_INVOICE)
    assert _pdf_files(runtime, workspace, storage, entry.id) == []


def test_missing_entry_or_file_store_is_ko(
    runtime: Runtime, workspace: Workspace, resources: Resources
) -> None:
    assert _run(runtime, workspace, None, resources).code == NO_ENTRY
    assert _run(runtime, workspace, uuid7(), resources).code == NO_ENTRY
    entry = _entry(runtime, workspace, _envelope())
    result = _run(runtime, workspace, entry.id, Resources())
    assert (result.status, result.code) == (EventStatus.KO, NO_FILE_STORE)
