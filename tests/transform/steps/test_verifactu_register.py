"""``verifactu.register``, ``verifactu.wait.upload``, ``verifactu.wait.approval`` and
``verifactu.unregister`` on a party entry, with the operator's decisions in between."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.repository import entry_meta
from facturo.silo.service import Source
from facturo.silo.service_files import NewFile, put_file
from facturo.silo.storage import LocalStorage, Storage
from facturo.transform.statuses import EventStatus
from facturo.transform.steps.base import JobInfo, Provider, Resources, StepContext, StepResult
from facturo.transform.steps.verifactu_register import (
    WAIT_RETRY,
    RegistrationLinks,
    register,
    unregister,
    wait_approval,
    wait_upload,
)
from facturo.verifactu import registrations
from facturo.verifactu.registrations import RegistrationStatus

NIF = "B85905495"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


class Job:
    """One registration job's view of the steps: args grow with what each step returns."""

    def __init__(self, runtime: Runtime, workspace: Workspace, entry: uuid.UUID | None) -> None:
        self.runtime = runtime
        self.workspace = workspace
        self.entry = entry
        self.id = uuid7()
        self.args: dict[str, str] = {}
        self.resources = Resources(RegistrationLinks("https://facturo.example"))
        self.resources.add(LocalStorage(runtime.settings.files_dir), as_type=Storage)

    def run(
        self, step: Provider[Any], config: dict[str, Any] | None = None, now: datetime = NOW
    ) -> StepResult:
        ctx = StepContext(
            job=JobInfo(
                id=self.id,
                workspace_id=self.workspace.id,
                workflow_id=uuid7(),
                key=None,
                args=dict(self.args),
                silo_entry_id=self.entry,
            ),
            step_id=step.id,
            step_name=step.id,
            action=step.id,
            pointer="#/steps/0",
            attempt=1,
            resumed=False,
            uow=self.runtime.uow(),
            now=now,
            resources=self.resources,
            log=logging.LoggerAdapter(logging.getLogger("test.register"), {}),
        )
        with ctx.uow:
            result = step.run(ctx, step.parse_config(config))
            assert isinstance(result, StepResult)
            ctx.uow.commit()
        self.args.update(result.args)
        return result

    def registration(self) -> registrations.Registration:
        with self.runtime.uow() as uow:
            found = registrations.find_for_issuer(
                uow, workspace_id=self.workspace.id, issuer_nif=NIF
            )
        assert found is not None
        return found

    def meta(self) -> dict[tuple[str, str], Any]:
        assert self.entry is not None
        with self.runtime.uow() as uow:
            return {(m.src, m.key): m for m in entry_meta(uow, self.workspace.id, self.entry)}


def party_job(runtime: Runtime, workspace: Workspace, **doc: Any) -> Job:
    data = {
        "$schema": "https://gobl.org/draft-0/org/party",
        "name": "Provide One S.L.",
        "tax_id": {"country": "ES", "code": NIF},
        **doc,
    }
    with runtime.uow() as uow:
        entry = silo_service.create_entry(
            uow, workspace_id=workspace.id, data=data, source=Source("test", "t")
        )
        uow.commit()
    return Job(runtime, workspace, entry.id)


def decide(job: Job, action: str, **kw: Any) -> None:
    with job.runtime.uow() as uow:
        getattr(registrations, action)(
            uow, workspace_id=job.workspace.id, registration_id=job.registration().id, **kw
        )
        uow.commit()


def test_register_links_the_registration_from_the_entry(
    runtime: Runtime, workspace: Workspace
) -> None:
    job = party_job(runtime, workspace)
    result = job.run(register)
    registration = job.registration()
    assert (result.status, result.code) == (EventStatus.OK, "pending_upload")
    assert job.args == {"verifactu-registration-id": str(registration.id)}
    meta = job.meta()[("verifactu", "registration")]
    assert (meta.value, meta.ref) == ("pending_upload", str(registration.id))
    assert meta.link_url == (
        f"https://facturo.example/verifactu/v1/registrations/{registration.id}"
    )
    assert (registration.name, registration.silo_entry_id) == ("Provide One S.L.", job.entry)
    again = Job(runtime, workspace, job.entry).run(register)
    assert again.args == result.args


def test_register_needs_a_spanish_tax_id(runtime: Runtime, workspace: Workspace) -> None:
    job = party_job(runtime, workspace, tax_id={"country": "PT", "code": "545259045"})
    result = job.run(register)
    assert (result.status, result.code, result.paths) == (
        EventStatus.KO,
        "invalid",
        ("$.doc.tax_id.code",),
    )
    with runtime.uow() as uow:
        assert registrations.list_registrations(uow, workspace_id=workspace.id) == []


def test_the_waits_follow_the_operator(runtime: Runtime, workspace: Workspace) -> None:
    job = party_job(runtime, workspace)
    job.run(register)
    waiting = job.run(wait_upload)
    assert (waiting.status, waiting.retry_in) == (EventStatus.QUEUED, 3600.0)
    # Invopop's historical config sends the poll interval as a string; a job arg wins over it.
    assert job.run(wait_upload, {"wait": "604800"}).retry_in == 604800.0
    job.args["verifactu-wait"] = "5"
    assert job.run(wait_upload, {"wait": "604800"}).retry_in == 5.0

    decide(job, "mark_uploaded")
    assert job.run(wait_upload).status is EventStatus.OK
    approval = job.run(wait_approval)
    assert (approval.status, approval.code) == (EventStatus.QUEUED, "verifactu.uploaded")
    decide(job, "approve")
    assert job.run(wait_approval).status is EventStatus.OK
    assert job.meta()[("verifactu", "registration")].value == "approved"


def test_a_document_added_through_silo_counts_as_the_upload(
    runtime: Runtime, workspace: Workspace
) -> None:
    job = party_job(runtime, workspace)
    job.run(register)
    assert job.entry is not None
    with runtime.uow() as uow:
        stored = put_file(
            uow,
            LocalStorage(runtime.settings.files_dir),
            workspace_id=workspace.id,
            entry_id=job.entry,
            spec=NewFile(
                name="apoderamiento.pdf",
                data=b"%PDF-1.4 signed",
                key="verifactu-representation",
                category="agreement",
                mime="application/pdf",
            ),
            max_bytes=1_000_000,
        )
        uow.commit()
    assert job.run(wait_upload).status is EventStatus.OK
    registration = job.registration()
    assert (registration.status, registration.document_file_id) == (
        RegistrationStatus.UPLOADED,
        stored.id,
    )
    assert job.meta()[("verifactu", "registration")].value == "uploaded"


def test_a_rejection_ends_the_wait_with_its_reason(runtime: Runtime, workspace: Workspace) -> None:
    job = party_job(runtime, workspace)
    job.run(register)
    decide(job, "mark_uploaded")
    decide(job, "reject", reason="the signature is missing")
    result = job.run(wait_approval)
    assert (result.status, result.code, result.message) == (
        EventStatus.KO,
        "rejected",
        "the signature is missing",
    )
    assert job.run(wait_upload).code == "rejected"
    assert job.meta()[("verifactu", "registration")].value == "rejected"


@pytest.mark.parametrize("step", [wait_upload, wait_approval])
def test_the_waits_end_after_100_days(
    runtime: Runtime, workspace: Workspace, step: Provider[Any]
) -> None:
    job = party_job(runtime, workspace)
    job.run(register)
    if step is wait_approval:
        decide(job, "mark_uploaded")
    assert job.run(step, now=NOW + timedelta(days=99)).status is EventStatus.QUEUED
    late = job.run(step, now=NOW + timedelta(days=100, seconds=1))
    assert (late.status, late.code) == (EventStatus.KO, "expired")
    assert WAIT_RETRY.max_total == 100 * 24 * 3600.0


def test_waiting_without_a_registration_is_the_seed_002_error(
    runtime: Runtime, workspace: Workspace
) -> None:
    job = party_job(runtime, workspace)
    result = job.run(wait_upload)
    assert (result.status, result.code, result.message) == (
        EventStatus.KO,
        "not-registered",
        "party is not registered",
    )


def test_unregister_is_idempotent_and_skips_unknown_parties(
    runtime: Runtime, workspace: Workspace
) -> None:
    job = party_job(runtime, workspace)
    assert job.run(unregister).status is EventStatus.SKIP
    job.run(register)
    decide(job, "mark_uploaded")
    decide(job, "approve")
    # A later job on the same entry finds the registration by the party's NIF.
    later = Job(runtime, workspace, job.entry)
    first, second = later.run(unregister), later.run(unregister)
    assert (first.status, second.status) == (EventStatus.OK, EventStatus.OK)
    assert job.registration().status is RegistrationStatus.UNREGISTERED
    assert job.meta()[("verifactu", "registration")].value == "unregistered"
    assert job.run(wait_approval).code == "unregistered"


def test_unknown_wait_config_is_refused() -> None:
    with pytest.raises(ValidationError, match="sleep"):
        wait_upload.parse_config({"sleep": "604800"})
    with pytest.raises(ValidationError, match="wait"):
        wait_approval.parse_config({"wait": "0"})
