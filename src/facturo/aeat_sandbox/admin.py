"""The admin JSON API under ``/admin/``: census, wait time, fault injection, what was stored.

Not part of the AEAT contract: it is how tests and developers steer the sandbox and look inside
it. ``GET /admin/issuers/{nif}/submissions`` lists every submission the sandbox answered, so a
test can assert that a record was sent once and only once.

- ``GET|POST /admin/census`` (``{"nif"}``), ``DELETE /admin/census/{nif}``: the census;
- ``GET|PUT /admin/wait`` (``{"seconds"}``): TiempoEsperaEnvio answered from now on;
- ``GET|POST|DELETE /admin/faults``: the fault queue (see :mod:`facturo.aeat_sandbox.faults`);
- ``GET /admin/issuers``: issuers with stored state;
- ``GET /admin/issuers/{nif}/records``: stored records, in presentation order;
- ``GET /admin/issuers/{nif}/chain``: the chain of stored records; the last is the head;
- ``GET /admin/issuers/{nif}/submissions``, ``GET /admin/submissions``: answered submissions;
- ``POST /admin/reset``: forget everything; census and wait back to their start values.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, status
from pydantic import BaseModel, Field, field_validator

from facturo.aeat_sandbox.faults import FaultKind, FaultQueue, InjectedFault, Operation
from facturo.aeat_sandbox.store import Store, StoredRecord
from facturo.verifactu import nif as nif_rules

NifPath = Annotated[str, Path(pattern=r"^[0-9A-Z]{9}$", description="A Spanish NIF")]


class CensusEntry(BaseModel):
    """A NIF to register in the census."""

    nif: str = Field(pattern=r"^[0-9A-Z]{9}$")

    @field_validator("nif")
    @classmethod
    def _valid(cls, value: str) -> str:
        if not nif_rules.is_valid(value):
            raise ValueError("the NIF control character is wrong")
        return value


class Wait(BaseModel):
    """TiempoEsperaEnvio in seconds (``Tipo6Type`` allows at most four digits here)."""

    seconds: int = Field(ge=0, le=9999)


class FaultRequest(BaseModel):
    """One fault to queue for the next ``count`` SOAP calls."""

    kind: FaultKind
    count: int = Field(default=1, ge=1, le=1000)
    seconds: float = Field(default=0.0, ge=0, le=600)
    status: int = Field(default=503, ge=400, le=599)  # 5xx; or 429, seen from the AEAT test site
    commit: bool = False
    operation: Operation | None = None


def _record(stored: StoredRecord) -> dict[str, Any]:
    data = asdict(stored)
    data.pop("alta_xml")
    data.pop("anulacion_xml")
    data["has_alta"] = stored.alta_xml is not None
    return data


def admin_router(store: Store, faults: FaultQueue) -> APIRouter:
    """The ``/admin`` routes over one store and fault queue."""
    router = APIRouter(prefix="/admin")

    @router.get("/census")
    def list_census() -> dict[str, list[str]]:
        return {"census": sorted(store.census)}

    @router.post("/census", status_code=status.HTTP_201_CREATED)
    def add_census(entry: CensusEntry) -> dict[str, list[str]]:
        store.set_census(entry.nif, True)
        return {"census": sorted(store.census)}

    @router.delete("/census/{nif}")
    def remove_census(nif: NifPath) -> dict[str, list[str]]:
        store.set_census(nif, False)
        return {"census": sorted(store.census)}

    @router.get("/wait")
    def get_wait() -> Wait:
        return Wait(seconds=store.wait_seconds)

    @router.put("/wait")
    def set_wait(wait: Wait) -> Wait:
        store.set_wait(wait.seconds)
        return wait

    @router.get("/faults")
    def list_faults() -> dict[str, list[dict[str, Any]]]:
        return {"faults": [f.as_dict() for f in faults.pending()]}

    @router.post("/faults", status_code=status.HTTP_201_CREATED)
    def add_fault(request: FaultRequest) -> dict[str, list[dict[str, Any]]]:
        faults.push(InjectedFault(**request.model_dump()))
        return {"faults": [f.as_dict() for f in faults.pending()]}

    @router.delete("/faults")
    def clear_faults() -> dict[str, list[dict[str, Any]]]:
        faults.clear()
        return {"faults": []}

    @router.get("/issuers")
    def list_issuers() -> dict[str, list[str]]:
        with store.lock:
            return {"issuers": sorted(store.issuers)}

    @router.get("/issuers/{nif}/records")
    def list_records(nif: NifPath) -> dict[str, list[dict[str, Any]]]:
        with store.lock:
            state = store.issuers.get(nif)
            items = list(state.records.values()) if state is not None else []
            return {"records": [_record(r) for r in items]}

    @router.get("/issuers/{nif}/chain")
    def list_chain(nif: NifPath) -> dict[str, Any]:
        with store.lock:
            state = store.issuers.get(nif)
            links = [asdict(link) for link in state.chain] if state is not None else []
            return {"chain": links, "head": links[-1] if links else None}

    @router.get("/issuers/{nif}/submissions")
    def list_issuer_submissions(nif: NifPath) -> dict[str, list[dict[str, Any]]]:
        with store.lock:
            return {"submissions": [asdict(s) for s in store.submissions if s.nif == nif]}

    @router.get("/submissions")
    def list_submissions() -> dict[str, list[dict[str, Any]]]:
        with store.lock:
            return {"submissions": [asdict(s) for s in store.submissions]}

    @router.post("/reset")
    def reset() -> dict[str, str]:
        store.reset()
        faults.clear()
        return {"status": "reset"}

    @router.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return router


def admin_app(store: Store, faults: FaultQueue) -> FastAPI:
    """A FastAPI app holding only the admin routes (no docs UI: it is a test fixture)."""
    app = FastAPI(title="AEAT sandbox admin", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(admin_router(store, faults))
    return app


__all__ = ["CensusEntry", "FaultRequest", "Wait", "admin_app", "admin_router"]
