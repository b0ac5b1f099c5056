"""Posting one webhook attempt over HTTP, and what came back.

The sender sorts nothing into "retry" or "give up": it reports the status code, an excerpt of
the body, the receiver's ``retry_in`` and any transport error, and ``schedule`` decides. Each
attempt is bounded by a 30 s timeout (spec §4 resolution); redirects are not followed, so a
``3xx`` is a failed attempt rather than a silent re-post somewhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from facturo import __version__
from facturo.transform.webhooks.schedule import is_success, retry_in_of

TIMEOUT = 30.0
READ_LIMIT = 64 * 1024  # a reply is read this far at most: enough for ``retry_in``
EXCERPT = 1000
USER_AGENT = f"Facturo-Webhooks/{__version__}"


@dataclass(frozen=True, slots=True)
class Reply:
    """What one attempt got: a status and body excerpt, or the transport error."""

    status_code: int | None
    response: str | None
    error: str | None
    retry_in: float | None

    @property
    def delivered(self) -> bool:
        return is_success(self.status_code)


class Sender:
    """Posts webhooks through one ``httpx.Client``; a step or the dispatcher holds one.

    Pass a client to share its connection pool (the runtime's), or none to own one.
    """

    def __init__(self, client: httpx.Client | None = None, *, timeout: float = TIMEOUT) -> None:
        self._own = client is None
        self._client = client or httpx.Client(follow_redirects=False)
        self._timeout = timeout

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        sent = {"User-Agent": USER_AGENT, **headers, "Content-Type": "application/json"}
        try:
            with self._client.stream(
                "POST",
                url,
                content=body,
                headers=sent,
                timeout=self._timeout,
                follow_redirects=False,
            ) as response:
                head = _read_head(response)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return Reply(None, None, f"{type(exc).__name__}: {exc}"[:EXCERPT], None)
        text = head.decode(response.encoding or "utf-8", errors="replace")
        return Reply(
            status_code=response.status_code,
            response=text[:EXCERPT] or None,
            error=None,
            retry_in=None if is_success(response.status_code) else retry_in_of(text),
        )

    def close(self) -> None:
        if self._own:
            self._client.close()


def _read_head(response: httpx.Response) -> bytes:
    """The start of the reply's body; a receiver cannot make us buffer a large answer."""
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= READ_LIMIT:
            break
    return bytes(data[:READ_LIMIT])
