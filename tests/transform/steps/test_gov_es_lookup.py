"""``gov-es.lookup.verify`` against the AEAT sandbox's census over real HTTP: the spec's SKIP
rules, OK, KO with AEAT's code, names, VIES when asked, and ERR when the census is down."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from facturo.aeat_sandbox.testing import SandboxHandle, running_sandbox
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.silo import service as silo_service
from facturo.silo.service import Source
from facturo.transform.statuses import EventStatus
from facturo.transform.steps.base import JobInfo, Resources, StepContext, StepResult
from facturo.transform.steps.gov_es_lookup import CensusClient, LookupConfig, verify

NIF = "B85905495"
PERSON = "12345678Z"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(census=[NIF, PERSON]) as handle:
        yield handle


@pytest.fixture
def census(sandbox: SandboxHandle) -> Iterator[CensusClient]:
    client = CensusClient.for_endpoint(sandbox.endpoint)
    yield client
    client.close()


def party(runtime: Runtime, workspace: Workspace, **doc: Any) -> uuid.UUID:
    data = {"$schema": "https://gobl.org/draft-0/org/party", **doc}
    with runtime.uow() as uow:
        entry = silo_service.create_entry(
            uow,
            workspace_id=workspace.id,
            data=data,
            source=Source("test", "t"),
            allow_invalid=True,  # a draft party with a mistyped NIF is what the step must catch
        )
        uow.commit()
        return entry.id


def run(
    runtime: Runtime,
    workspace: Workspace,
    census: CensusClient,
    entry_id: uuid.UUID | None,
    config: dict[str, Any] | None = None,
) -> StepResult:
    ctx = StepContext(
        job=JobInfo(
            id=uuid7(),
            workspace_id=workspace.id,
            workflow_id=uuid7(),
            key=None,
            args={},
            silo_entry_id=entry_id,
        ),
        step_id="lookup",
        step_name="Verify Spanish Tax ID",
        action=verify.id,
        pointer="#/steps/0",
        attempt=1,
        resumed=False,
        uow=runtime.uow(),
        now=NOW,
        resources=Resources(census),
        log=logging.LoggerAdapter(logging.getLogger("test.lookup"), {}),
    )
    with ctx.uow:
        result = verify.run(ctx, verify.parse_config(config))
    assert isinstance(result, StepResult)
    return result


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ({}, "empty"),
        ({"name": "Sin NIF SL"}, "no-tax-id"),
        ({"name": "X", "tax_id": {"country": "ES"}}, "no-tax-id"),
        ({"name": "Musterfirma", "tax_id": {"country": "DE", "code": "136695976"}}, "not-spanish"),
    ],
)
def test_the_spec_skip_rules(
    runtime: Runtime, workspace: Workspace, census: CensusClient, doc: dict[str, Any], code: str
) -> None:
    result = run(runtime, workspace, census, party(runtime, workspace, **doc))
    assert (result.status, result.code) == (EventStatus.SKIP, code)


def test_a_job_without_an_entry_skips(
    runtime: Runtime, workspace: Workspace, census: CensusClient
) -> None:
    assert run(runtime, workspace, census, None).status is EventStatus.SKIP


def test_a_nif_in_the_census_is_ok(
    runtime: Runtime, workspace: Workspace, census: CensusClient
) -> None:
    entry = party(runtime, workspace, name="Provide One", tax_id={"country": "ES", "code": NIF})
    assert run(runtime, workspace, census, entry).status is EventStatus.OK


def test_a_nif_not_in_the_census_is_ko_with_aeats_code(
    runtime: Runtime, workspace: Workspace, census: CensusClient, sandbox: SandboxHandle
) -> None:
    sandbox.remove_census(NIF)
    entry = party(runtime, workspace, name="Provide One", tax_id={"country": "ES", "code": NIF})
    result = run(runtime, workspace, census, entry)
    assert (result.status, result.code, result.paths) == (
        EventStatus.KO,
        "not-found",
        ("$.doc.tax_id.code",),
    )
    assert [(f.code, f.provider) for f in result.faults] == [("4107", "gov-es")]


def test_a_malformed_nif_is_ko_without_asking(
    runtime: Runtime, workspace: Workspace, census: CensusClient, sandbox: SandboxHandle
) -> None:
    entry = party(runtime, workspace, name="X", tax_id={"country": "ES", "code": "B85905490"})
    result = run(runtime, workspace, census, entry)
    assert (result.status, result.code) == (EventStatus.KO, "invalid")


def test_the_census_name_must_match_loosely(
    runtime: Runtime, workspace: Workspace, census: CensusClient, sandbox: SandboxHandle
) -> None:
    with httpx.Client(base_url=sandbox.url + "/admin", timeout=10) as admin:
        admin.put(f"/census/names/{NIF}", json={"name": "PROVIDE ONE SL"}).raise_for_status()
        admin.put(f"/census/names/{PERSON}", json={"name": "GARCIA LOPEZ ANA"}).raise_for_status()
    spanish = {"country": "ES", "code": NIF}
    same = party(runtime, workspace, name="Provide One, S.L.", tax_id=spanish)
    other = party(runtime, workspace, name="Other Trading", tax_id={"country": "ES", "code": NIF})
    person = party(
        runtime, workspace, name="Ana García López", tax_id={"country": "ES", "code": PERSON}
    )
    assert run(runtime, workspace, census, same).status is EventStatus.OK
    mismatch = run(runtime, workspace, census, other)
    assert (mismatch.status, mismatch.code) == (EventStatus.KO, "name-mismatch")
    # The sandbox checks a person's name as AEAT does; word order differs, so not identified.
    refused = run(runtime, workspace, census, person)
    assert (refused.status, refused.code) == (EventStatus.KO, "not-found")


def test_vies_checks_eu_numbers_when_asked(
    runtime: Runtime, workspace: Workspace, census: CensusClient, sandbox: SandboxHandle
) -> None:
    with httpx.Client(base_url=sandbox.url + "/admin", timeout=10) as admin:
        entry = {"country_code": "DE", "vat_number": "136695976", "name": "Musterfirma GmbH"}
        admin.post("/vies", json=entry).raise_for_status()
    config = LookupConfig(vies=True).model_dump()
    known = party(runtime, workspace, name="M", tax_id={"country": "DE", "code": "136695976"})
    unknown = party(runtime, workspace, name="F", tax_id={"country": "FR", "code": "40303265045"})
    wrong = party(runtime, workspace, name="W", tax_id={"country": "DE", "code": "136695977"})
    outside = party(runtime, workspace, name="U", tax_id={"country": "US", "code": "123456789"})
    assert run(runtime, workspace, census, known, config).status is EventStatus.OK
    assert run(runtime, workspace, census, unknown, config).code == "not-found"
    assert run(runtime, workspace, census, wrong, config).code == "invalid"
    assert run(runtime, workspace, census, outside, config).status is EventStatus.SKIP


def test_an_unreachable_census_is_err(runtime: Runtime, workspace: Workspace) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = CensusClient(f"http://127.0.0.1:{port}", timeout=5)
    entry = party(runtime, workspace, name="X", tax_id={"country": "ES", "code": NIF})
    try:
        result = run(runtime, workspace, down, entry)
    finally:
        down.close()
    assert (result.status, result.code) == (EventStatus.ERR, "census.unavailable")


def test_unknown_config_is_refused_when_the_workflow_is_saved() -> None:
    with pytest.raises(ValidationError, match="other"):
        verify.parse_config({"vies": True, "other": 1})
