"""``/dev/mail``: what the local SMTP sink received, as pages (Jinja2) and as JSON.

Behind the workspace's token like every route; a workspace sees only the messages its own steps
sent (the ``X-Facturo-Workspace`` header, :mod:`facturo.mail.sink_store`). The HTML body of a
message is shown in a sandboxed ``iframe`` (no scripts, no same-origin access), since its
content comes from templates and documents this page does not control.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel

from facturo.errors import NotFound
from facturo.mail.sink_store import SinkStore, Stored, parse_message
from facturo.platform.auth import Caller, runtime
from facturo.platform.runtime import Runtime

router = APIRouter(prefix="/dev/mail", tags=["mail"])
BASE = "/dev/mail"


class MailNotFound(NotFound):
    """No message with that id reached the sink for this workspace."""


class PartOut(BaseModel):
    name: str
    mime: str
    size: int


class MessageOut(BaseModel):
    """A message as the sink received it."""

    id: str
    received_at: str
    mail_from: str
    rcpt_to: list[str]
    sender: str
    to: str
    cc: str
    subject: str
    message_id: str
    repeat: bool
    size: int
    attachments: list[PartOut]


class MessageDetail(MessageOut):
    text: str
    html: str | None


class MessageList(BaseModel):
    list: list[MessageOut]


@cache
def _pages() -> Environment:
    return Environment(
        loader=PackageLoader("facturo.mail", "pages"),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )


def _store(rt: Annotated[Runtime, Depends(runtime)]) -> SinkStore:
    return SinkStore(rt.settings.data_dir / "mail")


Store = Annotated[SinkStore, Depends(_store)]


def _out(stored: Stored) -> MessageOut:
    return MessageOut.model_validate(stored, from_attributes=True)


def _bodies(raw: bytes) -> tuple[str, str | None]:
    message = parse_message(raw)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    text = text_part.get_content() if text_part is not None else ""
    html = html_part.get_content() if html_part is not None else None
    return str(text), None if html is None else str(html)


def _one(store: SinkStore, caller: Caller, message_id: str) -> tuple[Stored, bytes]:
    found = store.get(message_id, workspace=str(caller.workspace_id))
    if found is None:
        raise MailNotFound()
    return found


@router.get("", response_class=HTMLResponse, summary="Sent mail (page)")
def list_page(caller: Caller, store: Store) -> HTMLResponse:
    messages = store.list(workspace=str(caller.workspace_id))
    return HTMLResponse(_pages().get_template("list.html").render(messages=messages, base=BASE))


@router.get("/api/messages", response_model=MessageList, summary="Sent mail")
def list_messages(caller: Caller, store: Store) -> MessageList:
    return MessageList(list=[_out(s) for s in store.list(workspace=str(caller.workspace_id))])


@router.get("/api/messages/{message_id}", response_model=MessageDetail, summary="One message")
def get_message(message_id: str, caller: Caller, store: Store) -> MessageDetail:
    stored, raw = _one(store, caller, message_id)
    text, html = _bodies(raw)
    return MessageDetail(**_out(stored).model_dump(), text=text, html=html)


@router.get("/{message_id}", response_class=HTMLResponse, summary="One message (page)")
def message_page(message_id: str, caller: Caller, store: Store) -> HTMLResponse:
    stored, raw = _one(store, caller, message_id)
    text, html = _bodies(raw)
    page = _pages().get_template("message.html")
    return HTMLResponse(page.render(m=stored, text=text, html=html, base=BASE))


@router.get("/{message_id}/raw", summary="One message as .eml")
def message_raw(message_id: str, caller: Caller, store: Store) -> Response:
    stored, raw = _one(store, caller, message_id)
    disposition = f'attachment; filename="{stored.id}.eml"'
    return Response(raw, media_type="message/rfc822", headers={"Content-Disposition": disposition})
