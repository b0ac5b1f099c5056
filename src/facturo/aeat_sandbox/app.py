"""The sandbox as one ASGI app: the SOAP endpoints at AEAT's paths, and ``/admin/``.

The SOAP endpoints are plain ASGI, not FastAPI routes, because fault injection needs control
that a framework hides: sending the status line and then closing the connection, or sending
half a body. Everything else (the admin JSON API) is a FastAPI app.

Paths are those of the WSDL's ``soap:address`` locations [WSDL; spec §9.1]:
``/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP`` and ``…/RequerimientoSOAP``. ``GET`` on
them answers the WSDL when the query string is ``wsdl``, and otherwise the Fault 4135 the AEAT
gives ("Esta URL no puede ser utilizada mediante GET"). The QR cotejo service answers ``GET``
``/wlpl/TIKE-CONT/ValidarQR`` and ``…/ValidarQRNoVerifactu`` (:mod:`.cotejo`).

The XML work (schema validation, storing) runs in a worker thread so a held reply (latency,
timeout) never stalls other calls.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from importlib import resources
from typing import Any, Final

import anyio.to_thread

from facturo.aeat_sandbox import service
from facturo.aeat_sandbox.admin import admin_app
from facturo.aeat_sandbox.census import CensusBook, census_router
from facturo.aeat_sandbox.cotejo import cotejo_router
from facturo.aeat_sandbox.faults import FaultKind, FaultQueue, InjectedFault
from facturo.aeat_sandbox.store import Store

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_XML_TYPE: Final = b"text/xml; charset=utf-8"


def _wsdl() -> bytes:
    return (resources.files("facturo.verifactu") / "xsd" / "SistemaFacturacion.wsdl").read_bytes()


class SandboxApp:
    """The ASGI callable. ``store`` holds the state and ``faults`` the injected faults."""

    def __init__(self, store: Store | None = None, faults: FaultQueue | None = None) -> None:
        self.store = store if store is not None else Store()
        self.faults = faults if faults is not None else FaultQueue()
        #: Set when the server stops: held replies are released at once.
        self.closing = threading.Event()
        self.admin = admin_app(self.store, self.faults)
        #: Names and VIES numbers of the census lookup (``facturo.aeat_sandbox.census``).
        self.census = CensusBook()
        self.admin.include_router(census_router(self.store, self.census))
        #: The QR cotejo service (``facturo.aeat_sandbox.cotejo``).
        self.admin.include_router(cotejo_router(self.store))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = service.ENDPOINTS.get(scope.get("path", "")) if scope["type"] == "http" else None
        if endpoint is None:
            await self.admin(scope, receive, send)
            return
        if scope["method"] == "GET":
            if scope.get("query_string", b"").lower() == b"wsdl":
                await _respond(send, service.SoapReply(200, _wsdl()))
            else:
                await _respond(send, service.fault_reply(service.Refused(4135)))
            return
        if scope["method"] != "POST":
            await _respond(send, service.fault_reply(service.Refused(4135)), status=405)
            return
        body = await _read_body(receive, service.MAX_MESSAGE_BYTES)
        if body is None:
            refusal = service.Refused(4103, "Mensaje demasiado grande.")
            await _respond(send, service.fault_reply(refusal))
            return
        fault = self.faults.take(service.operation_of(body))
        await self._answer(send, body, endpoint, fault)

    async def _process(self, body: bytes, endpoint: service.Endpoint) -> service.SoapReply:
        work = functools.partial(service.handle, self.store, body, endpoint=endpoint)
        return await anyio.to_thread.run_sync(work)

    async def _hold(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the server is stopping (in a worker thread)."""
        await anyio.to_thread.run_sync(functools.partial(self.closing.wait, seconds))

    async def _answer(
        self, send: Send, body: bytes, endpoint: service.Endpoint, fault: InjectedFault | None
    ) -> None:
        if fault is None:
            await _respond(send, await self._process(body, endpoint))
            return
        kind = fault.kind
        if kind is FaultKind.HTTP_ERROR:
            await _plain(send, fault.status)
        elif kind is FaultKind.SOAP_FAULT:
            refusal = service.Refused(None, "Error técnico transitorio.", server=True)
            await _respond(send, service.fault_reply(refusal))
        elif kind is FaultKind.LATENCY:
            await self._hold(fault.seconds)
            await _respond(send, await self._process(body, endpoint))
        elif kind is FaultKind.TIMEOUT:
            reply = await self._process(body, endpoint) if fault.commit else None
            await self._hold(fault.seconds)
            if reply is None:
                refusal = service.Refused(None, "Tiempo de proceso agotado.", server=True)
                reply = service.fault_reply(refusal)
            await _respond(send, reply)
        else:  # DROP and TRUNCATE: stored, then the reply is lost on the way
            reply = await self._process(body, endpoint)
            await send(_start(reply.status, reply.body, reply.headers))
            if kind is FaultKind.TRUNCATE:
                half = reply.body[: len(reply.body) // 2]
                await send({"type": "http.response.body", "body": half, "more_body": True})
            # Returning with the response incomplete makes uvicorn close the connection (it
            # logs "ASGI callable returned without completing response": that is the fault).


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or ``None`` as soon as it exceeds ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _start(status: int, body: bytes, headers: dict[str, str]) -> Message:
    raw = [
        (b"content-type", _XML_TYPE),
        (b"content-length", str(len(body)).encode("ascii")),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()),
    ]
    return {"type": "http.response.start", "status": status, "headers": raw}


async def _respond(send: Send, reply: service.SoapReply, *, status: int | None = None) -> None:
    await send(_start(status or reply.status, reply.body, reply.headers))
    await send({"type": "http.response.body", "body": reply.body})


async def _plain(send: Send, status: int) -> None:
    body = f"HTTP {status} (injected by the AEAT sandbox)".encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(store: Store | None = None, faults: FaultQueue | None = None) -> SandboxApp:
    """A sandbox app over ``store`` (a fresh in-memory one by default)."""
    return SandboxApp(store, faults)


__all__ = ["SandboxApp", "create_app"]
