"""``silo.modify``: the templates' merge patches, jq programs, guards and addons on real entries."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from facturo.gobl.dsig import PrivateKey
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.models import Entry
from facturo.silo.service import Source
from facturo.transform.steps.base import JobInfo, Resources, StepContext, StepResult
from facturo.transform.steps.silo_modify import JqFailed, modify, run_jq
from facturo.transform.workflows.validate import (
    FaultCode,
    WorkflowInvalid,
    parse_workflow,
    validate_workflow,
)

SHARED = Path(__file__).resolve().parents[4] / "shared"
INVOICE = json.loads((SHARED / "data/invopop/gobl/es-verifactu-b2b-invoice.min.json").read_text())
TEMPLATES = SHARED / "data/invopop/workflows/current"


def _template_config(name: str, index: int) -> dict[str, Any]:
    config: dict[str, Any] = json.loads((TEMPLATES / name).read_text())["steps"][index]["config"]
    return config


STRIPE_VERIFACTU = _template_config("stripe__stripe-verifactu.json", 2)
CB_FRANCE_PAYMENT = _template_config("chargebee__cb-france.json", 5)
NOVERIFACTU_SERIES = _template_config("es__noverifactu-event.json", 1)


def _entry(rt: Runtime, ws: Workspace, doc: dict[str, Any] = INVOICE, **kw: Any) -> uuid.UUID:
    with rt.uow() as uow:
        return silo_service.create_entry(
            uow, workspace_id=ws.id, data=doc, source=Source("test", "t"), entry_id=uuid7(), **kw
        ).id


def _stored(rt: Runtime, ws: Workspace, entry_id: uuid.UUID) -> Entry:
    with rt.uow() as uow:
        return silo_service.get_entry(uow, workspace_id=ws.id, entry_id=entry_id)


@contextmanager
def _context(
    rt: Runtime, ws: Workspace, entry_id: uuid.UUID, resources: Resources | None = None
) -> Iterator[StepContext]:
    job = JobInfo(uuid7(), ws.id, uuid7(), None, {}, entry_id)
    with rt.uow() as uow:
        yield StepContext(
            job=job,
            step_id="modify",
            step_name="Modify silo entry",
            action="silo.modify",
            pointer="#/steps/2",
            attempt=1,
            resumed=False,
            uow=uow,
            now=datetime.now(UTC),
            resources=resources or Resources(),
            log=logging.LoggerAdapter(logging.getLogger("test.modify"), {}),
        )
        uow.commit()


def _run(
    rt: Runtime,
    ws: Workspace,
    entry_id: uuid.UUID,
    config: dict[str, Any],
    resources: Resources | None = None,
) -> StepResult:
    with _context(rt, ws, entry_id, resources) as ctx:
        result = modify.run(ctx, modify.parse_config(config))
    assert isinstance(result, StepResult)
    return result


def test_merge_patch_and_addons_as_the_stripe_verifactu_template(
    runtime: Runtime, workspace: Workspace
) -> None:
    plain = {k: v for k, v in INVOICE.items() if k not in ("$addons", "notes")}
    entry = _entry(runtime, workspace, plain)
    before = _stored(runtime, workspace, entry)
    result = _run(runtime, workspace, entry, STRIPE_VERIFACTU)
    assert result.status == "OK", result
    after = _stored(runtime, workspace, entry)
    assert after.data["doc"]["$addons"] == ["es-verifactu-v1"]
    assert after.data["doc"]["notes"] == [{"key": "general", "text": "Factura"}]
    assert after.version != before.version
    assert after.versions[0].src == "transform"


def test_the_guard_skips_when_false(runtime: Runtime, workspace: Workspace) -> None:
    entry = _entry(runtime, workspace)  # no payment terms: the cb-france guard is false
    before = _stored(runtime, workspace, entry)
    result = _run(runtime, workspace, entry, CB_FRANCE_PAYMENT)
    assert result.status == "SKIP"
    assert _stored(runtime, workspace, entry).version == before.version


def test_jq_on_the_document_as_the_noverifactu_template(
    runtime: Runtime, workspace: Workspace
) -> None:
    entry = _entry(runtime, workspace, {k: v for k, v in INVOICE.items() if k != "series"})
    assert _run(runtime, workspace, entry, NOVERIFACTU_SERIES).status == "OK"
    assert _stored(runtime, workspace, entry).data["doc"]["series"] == "NVF"
    kept = _entry(runtime, workspace)  # `//=` keeps a series that is there
    assert _run(runtime, workspace, kept, NOVERIFACTU_SERIES).status == "OK"
    assert _stored(runtime, workspace, kept).data["doc"]["series"] == "SAMPLE"


def test_jq_on_the_envelope_by_default(runtime: Runtime, workspace: Workspace) -> None:
    entry = _entry(runtime, workspace)
    config = {"merge_type": "application/jq", "jq": '.doc.notes = [{"text": "env scope"}]'}
    assert _run(runtime, workspace, entry, config).status == "OK"
    assert _stored(runtime, workspace, entry).data["doc"]["notes"] == [{"text": "env scope"}]


def test_an_invalid_result_is_ko_with_gobl_s_code_and_path(
    runtime: Runtime, workspace: Workspace
) -> None:
    entry = _entry(runtime, workspace)
    before = _stored(runtime, workspace, entry)
    config = {
        "merge_type": "application/merge-patch+json",
        "data": {"doc": {"lines": [{"quantity": "1", "item": {"name": "No price"}}]}},
    }
    result = _run(runtime, workspace, entry, config)
    assert result.status == "KO"
    assert result.code.startswith("GOBL-")
    assert result.paths
    assert all(path.startswith("$.doc.") for f in result.faults for path in f.paths)
    assert any(f.code == "GOBL-BILL-INVOICE-08" for f in result.faults)
    assert {f.provider for f in result.faults} == {"silo.modify"}
    assert _stored(runtime, workspace, entry).version == before.version

    allowed = _run(runtime, workspace, entry, {**config, "allow_invalid_json": True})
    assert allowed.status == "OK"
    assert _stored(runtime, workspace, entry).invalid


@pytest.mark.parametrize(
    ("program", "code"),
    [
        ('error("boom")', "jq.error"),
        (".,.", "jq.error"),
        ("1", "modify.not_object"),
        (".doc = 1", "modify.not_object"),
    ],
)
def test_jq_failures_are_ko(
    runtime: Runtime, workspace: Workspace, program: str, code: str
) -> None:
    entry = _entry(runtime, workspace)
    result = _run(runtime, workspace, entry, {"merge_type": "application/jq", "jq": program})
    assert (result.status, result.code) == ("KO", code)


def test_a_runaway_jq_program_is_stopped() -> None:
    with pytest.raises(JqFailed) as caught:
        run_jq("def f: f; f", {}, timeout=1)
    assert caught.value.code == "jq.timeout"
    with pytest.raises(JqFailed) as caught:
        run_jq("[range(1e9)]", {}, memory=64 << 20)
    assert caught.value.code == "jq.too_large"


def test_a_signed_entry_is_not_modified(runtime: Runtime, workspace: Workspace) -> None:
    key = PrivateKey.generate(kid=str(uuid7()))
    entry = _entry(runtime, workspace, signing_key=key)
    result = _run(runtime, workspace, entry, {"addons": ["eu-en16931-v2017"]})
    assert (result.status, result.code) == ("KO", "entry.signed")


def test_sign_after_modifying(runtime: Runtime, workspace: Workspace) -> None:
    entry = _entry(runtime, workspace)
    key = PrivateKey.generate(kid=str(uuid7()))
    config = {"merge_type": "application/jq", "scope": "doc", "jq": ".notes = []", "sign": True}
    assert _run(runtime, workspace, entry, config, Resources(key)).status == "OK"
    stored = _stored(runtime, workspace, entry)
    assert stored.signed
    assert stored.data["doc"].get("notes") in (None, [])


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"merge_type": "application/jq", "jq": ".a |||"}, "jq"),
        ({"merge_type": "application/jq"}, "jq"),
        ({"jq": ".a"}, "jq"),
        ({"merge_type": "application/merge-patch+json"}, "data"),
        ({"data": {"doc": {}}}, "data"),
        ({"merge_type": "text/plain"}, "merge_type"),
        ({"expr": "doc?.payment ==", "merge_type": ""}, "expr"),
    ],
)
def test_bad_config_is_refused_when_the_workflow_is_saved(config: dict[str, Any], key: str) -> None:
    workflow = {"name": "Fix", "steps": [{"id": "a", "provider": "silo.modify", "config": config}]}
    with pytest.raises(WorkflowInvalid) as caught:
        validate_workflow(parse_workflow(workflow), {"silo.modify": modify})
    assert [(f.code, f.paths) for f in caught.value.faults] == [
        (FaultCode.CONFIG_INVALID, (f"#/steps/0/config/{key}",))
    ]
