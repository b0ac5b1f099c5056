"""Supplier registrations: the state machine on SQLite and PostgreSQL, and the operator API
over real HTTP (token-scoped, refusals write nothing)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from facturo.errors import Conflict, Invalid
from facturo.platform import workspaces
from facturo.platform.ids import uuid7
from facturo.platform.models import Workspace
from facturo.platform.runtime import Runtime
from facturo.verifactu import registrations
from facturo.verifactu.registrations import RegistrationStatus, TransitionRefused

NIF = "B85905495"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
PARTY = {
    "$schema": "https://gobl.org/draft-0/org/party",
    "name": "Provide One S.L.",
    "tax_id": {"country": "ES", "code": NIF},
}


def new(runtime: Runtime, workspace: Workspace, nif: str = NIF) -> registrations.Registration:
    with runtime.uow() as uow:
        made = registrations.register(
            uow, workspace_id=workspace.id, issuer_nif=nif, name="Provide One", now=NOW
        )
        uow.commit()
        return made


def test_register_is_reused_until_it_ends(runtime: Runtime, workspace: Workspace) -> None:
    first = new(runtime, workspace)
    assert first.status is RegistrationStatus.PENDING_UPLOAD
    with runtime.uow() as uow:
        again = registrations.register(
            uow, workspace_id=workspace.id, issuer_nif=f" {NIF.lower()} ", name="", now=NOW
        )
        registrations.mark_uploaded(uow, workspace_id=workspace.id, registration_id=first.id)
        approved = registrations.approve(
            uow, workspace_id=workspace.id, registration_id=first.id, now=NOW
        )
        # Registering an approved issuer again changes nothing of its approval.
        kept = registrations.register(
            uow, workspace_id=workspace.id, issuer_nif=NIF, name="Renamed", now=NOW
        )
        uow.commit()
    assert (again.id, again.name) == (first.id, NIF)
    assert (approved.status, approved.decided_at) == (RegistrationStatus.APPROVED, NOW)
    assert (kept.id, kept.status, kept.name) == (first.id, RegistrationStatus.APPROVED, "Renamed")

    later = NOW + timedelta(days=3)
    with runtime.uow() as uow:
        gone = registrations.unregister(
            uow, workspace_id=workspace.id, registration_id=first.id, now=later
        )
        twice = registrations.unregister(uow, workspace_id=workspace.id, registration_id=first.id)
        restarted = registrations.register(
            uow, workspace_id=workspace.id, issuer_nif=NIF, name="x", now=later
        )
        uow.commit()
    assert gone.status is twice.status is RegistrationStatus.UNREGISTERED
    assert twice.updated_at == later
    assert (restarted.id, restarted.status) == (first.id, RegistrationStatus.PENDING_UPLOAD)
    assert (restarted.requested_at, restarted.decided_at) == (later, None)


def test_transitions_out_of_order_are_refused(runtime: Runtime, workspace: Workspace) -> None:
    made = new(runtime, workspace)
    with runtime.uow() as uow:
        with pytest.raises(TransitionRefused):
            registrations.approve(uow, workspace_id=workspace.id, registration_id=made.id)
        rejected = registrations.reject(
            uow, workspace_id=workspace.id, registration_id=made.id, reason="unsigned"
        )
        with pytest.raises(Conflict):
            registrations.mark_uploaded(uow, workspace_id=workspace.id, registration_id=made.id)
        uow.commit()
    assert (rejected.status, rejected.note) == (RegistrationStatus.REJECTED, "unsigned")


def test_an_invalid_nif_is_refused_with_its_path_and_writes_nothing(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.uow() as uow:
        with pytest.raises(Invalid) as refused:
            registrations.register(
                uow, workspace_id=workspace.id, issuer_nif="B85905490", name="x", now=NOW
            )
        assert refused.value.faults[0].paths == ("$.tax_id.code",)
        uow.commit()
    with runtime.uow() as uow:
        assert registrations.list_registrations(uow, workspace_id=workspace.id) == []


def test_registrations_belong_to_their_workspace(runtime: Runtime, workspace: Workspace) -> None:
    made = new(runtime, workspace)
    with runtime.uow() as uow:
        other = workspaces.create_workspace(uow, slug="other", name="Other")
        uow.commit()
    with runtime.uow() as uow:
        with pytest.raises(registrations.RegistrationNotFound):
            registrations.get(uow, workspace_id=other.id, registration_id=made.id)
        assert registrations.find_for_issuer(uow, workspace_id=other.id, issuer_nif=NIF) is None
        assert registrations.list_registrations(uow, workspace_id=other.id) == []


# -- the operator API -------------------------------------------------------------------------


@pytest.fixture
def api(http: httpx.Client, auth: dict[str, str]) -> httpx.Client:
    http.headers.update(auth)
    return http


def party_registration(api: httpx.Client, runtime: Runtime, workspace: Workspace) -> str:
    entry_id = str(uuid7())
    assert api.put(f"/silo/v1/entries/{entry_id}", json={"data": PARTY}).status_code == 200
    with runtime.uow() as uow:
        made = registrations.register(
            uow,
            workspace_id=workspace.id,
            issuer_nif=NIF,
            name="Provide One",
            silo_entry_id=uuid.UUID(entry_id),
        )
        uow.commit()
    return str(made.id)


def test_the_operator_uploads_and_approves(
    api: httpx.Client, runtime: Runtime, workspace: Workspace
) -> None:
    reg_id = party_registration(api, runtime, workspace)
    listed = api.get("/verifactu/v1/registrations").json()["list"]
    assert [(r["id"], r["status"], r["tax_id"]["code"]) for r in listed] == [
        (reg_id, "pending_upload", NIF)
    ]
    pdf = b"%PDF-1.4 signed representation"
    uploaded = api.post(
        f"/verifactu/v1/registrations/{reg_id}/document",
        json={"name": "apoderamiento.pdf", "data": base64.b64encode(pdf).decode()},
    )
    assert uploaded.status_code == 200, uploaded.text
    body = uploaded.json()
    assert body["status"] == "uploaded"
    entry = api.get(f"/silo/v1/entries/{body['silo_entry_id']}").json()
    [file] = [f for f in entry["attachments"] if f["category"] == "agreement"]
    assert (file["id"], file["key"]) == (body["document_file_id"], "verifactu-representation")
    assert api.get(file["url"]).content == pdf

    approved = api.post(f"/verifactu/v1/registrations/{reg_id}/approve", json={"note": "ok"})
    assert (approved.json()["status"], approved.json()["note"]) == ("approved", "ok")
    assert api.get(f"/verifactu/v1/registrations/{reg_id}").json()["status"] == "approved"
    only = api.get("/verifactu/v1/registrations", params={"status": "pending_upload"}).json()
    assert only["list"] == []


def test_refusals_are_problems_and_change_nothing(
    api: httpx.Client, runtime: Runtime, workspace: Workspace
) -> None:
    reg_id = party_registration(api, runtime, workspace)
    url = f"/verifactu/v1/registrations/{reg_id}"
    early = api.post(f"{url}/approve")
    assert early.status_code == 409
    assert early.headers["content-type"].startswith("application/problem+json")
    no_reason = api.post(f"{url}/reject", json={})
    assert no_reason.status_code == 422
    bad_data = api.post(f"{url}/document", json={"name": "a.pdf", "data": "***"})
    assert bad_data.status_code == 422
    assert api.get(url).json()["status"] == "pending_upload"

    assert api.post(f"{url}/uploaded").json()["status"] == "uploaded"
    rejected = api.post(f"{url}/reject", json={"reason": "the signature is missing"})
    assert (rejected.json()["status"], rejected.json()["note"]) == (
        "rejected",
        "the signature is missing",
    )
    assert api.post(f"{url}/uploaded").status_code == 409
    assert api.get(f"/verifactu/v1/registrations/{uuid7()}").status_code == 404


def test_the_api_needs_a_token_of_the_workspace(
    http: httpx.Client, api: httpx.Client, runtime: Runtime, workspace: Workspace
) -> None:
    reg_id = party_registration(api, runtime, workspace)
    with runtime.uow() as uow:
        other = workspaces.create_workspace(uow, slug="other", name="Other")
        secret = workspaces.create_token(uow, workspace_id=other.id).secret
        uow.commit()
    outsider = {"Authorization": f"Bearer {secret}"}
    url = f"{http.base_url}/verifactu/v1/registrations"
    assert httpx.get(url).status_code == 401
    assert httpx.get(f"{url}/{reg_id}", headers=outsider).status_code == 404
    assert httpx.post(f"{url}/{reg_id}/uploaded", headers=outsider).status_code == 404
    assert httpx.get(url, headers=outsider).json()["list"] == []
