"""The one place where errors become HTTP responses.

Every error answers ``application/problem+json`` (RFC 9457) with an ``errors[]`` extension of
``{pointer, code, detail}``, and at the same time the body Invopop's clients parse: ``key`` and
``code`` (the same value), ``message`` and, for validation errors, a nested ``fields`` map whose
keys are the path's segments (``{"data": {"doc": {"lines": {"0": {...}}}}}``). Both shapes come
from the same faults, so they cannot disagree.

An unexpected exception is a 500 with the request id in the body and in the log line; it is
never relabelled as a validation error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from facturo import errors
from facturo.errors import Fault
from facturo.platform.logs import request_id_var

log = logging.getLogger("facturo.http")

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, slots=True)
class Kind:
    status: int
    key: str
    slug: str
    title: str


# Most specific first: the first class an error is an instance of decides.
KINDS: tuple[tuple[type[errors.FacturoError], Kind], ...] = (
    (errors.BadRequest, Kind(400, "validation", "bad-request", "The request could not be read")),
    (errors.Invalid, Kind(422, "validation", "invalid", "The request is not valid")),
    (errors.Unauthorized, Kind(401, "unauthorized", "unauthorized", "Not authenticated")),
    (errors.Forbidden, Kind(403, "forbidden", "forbidden", "Not allowed")),
    (errors.NotFound, Kind(404, "not_found", "not-found", "Not found")),
    (errors.Conflict, Kind(409, "conflict", "conflict", "Conflict")),
    (errors.TooLarge, Kind(413, "too_large", "too-large", "Request too large")),
    (errors.Unavailable, Kind(503, "unavailable", "unavailable", "Service unavailable")),
)
_FALLBACK = Kind(500, "internal", "internal", "Internal server error")
_BY_STATUS = {kind.status: kind for _, kind in KINDS}

_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def path_segments(path: str) -> list[str]:
    """Split a fault path into segments.

    Accepts gobl's JSONPath form (``$.lines[0].quantity``) and JSON Pointers
    (``#/lines/0/quantity`` or ``/lines/0/quantity``, with RFC 6901 escapes).

    >>> path_segments("$.lines[0].quantity")
    ['lines', '0', 'quantity']
    >>> path_segments("#/a~1b/0")
    ['a/b', '0']
    """
    if path.startswith("$"):
        return [m.group(1) or m.group(2) for m in _SEGMENT.finditer(path[1:])]
    body = path[1:] if path.startswith("#") else path
    if not body.strip("/"):
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in body.strip("/").split("/")]


def to_pointer(segments: Iterable[str]) -> str:
    """RFC 6901 pointer in URI fragment form, as RFC 9457's own example writes it."""
    return "#/" + "/".join(s.replace("~", "~0").replace("/", "~1") for s in segments)


def nested_fields(items: Iterable[tuple[Sequence[str], str]]) -> dict[str, Any]:
    """Invopop's ``fields``: a map of path segments ending in a message.

    When two faults collide (one on ``a`` and one on ``a.b``), the first one written wins;
    ``errors[]`` still lists both.
    """
    root: dict[str, Any] = {}
    for segments, message in items:
        if not segments:
            continue
        node = root
        for seg in segments[:-1]:
            child = node.setdefault(seg, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node.setdefault(segments[-1], message)
    return root


def problem(
    request: Request,
    kind: Kind,
    *,
    detail: str,
    faults: Sequence[Fault] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    entries: list[dict[str, Any]] = []
    pairs: list[tuple[Sequence[str], str]] = []
    for fault in faults:
        paths = fault.paths or ("",)
        for path in paths:
            segments = path_segments(path) if path else []
            entry: dict[str, Any] = {"code": fault.code, "detail": fault.message}
            if segments or path:
                entry["pointer"] = to_pointer(segments)
            if fault.provider:
                entry["provider"] = fault.provider
            entries.append(entry)
            pairs.append((segments, fault.message))
    body: dict[str, Any] = {
        "type": f"/problems/{kind.slug}",
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "instance": request.url.path,
        "key": kind.key,
        "code": kind.key,
        "message": detail,
    }
    if entries:
        body["errors"] = entries
        fields = nested_fields(pairs)
        if fields:
            body["fields"] = fields
    request_id = request_id_var.get() or request.scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
        headers = {**(headers or {}), "X-Request-ID": request_id}
    return JSONResponse(body, status_code=kind.status, media_type=PROBLEM_JSON, headers=headers)


def kind_of(exc: errors.FacturoError) -> Kind:
    for cls, kind in KINDS:
        if isinstance(exc, cls):
            return kind
    return _FALLBACK


async def _facturo_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.FacturoError)
    kind = kind_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if kind.status == 401 else None
    return problem(request, kind, detail=exc.detail, faults=exc.faults, headers=headers)


def _request_faults(exc: RequestValidationError) -> list[Fault]:
    faults = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] == "body":
            path = to_pointer(loc[1:])
        elif loc:
            # Query, path and header parameters have no place in the body: name them.
            path = to_pointer(loc)
        else:
            path = "#/"
        faults.append(
            Fault(code=str(err.get("type", "invalid")), message=err["msg"], paths=(path,))
        )
    return faults


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    faults = _request_faults(exc)
    if any(f.code == "json_invalid" for f in faults):
        return problem(
            request, _BY_STATUS[400], detail="The body is not valid JSON.", faults=faults
        )
    return problem(request, _BY_STATUS[422], detail="The request is not valid.", faults=faults)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = _BY_STATUS.get(exc.status_code) or Kind(
        exc.status_code, "error", f"http-{exc.status_code}", str(exc.detail)
    )
    detail = exc.detail if isinstance(exc.detail, str) else kind.title
    return problem(request, kind, detail=detail, headers=dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error(
        "http.unhandled",
        exc_info=exc,
        extra={"path": request.url.path, "method": request.method},
    )
    return problem(request, _FALLBACK, detail="An unexpected error occurred; see the server log.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.FacturoError, _facturo_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
