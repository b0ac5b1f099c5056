"""Standard Webhooks signatures (https://www.standardwebhooks.com), via ``standardwebhooks``.

Each request carries ``webhook-id`` (the delivery id, the same on every retry so receivers
de-duplicate), ``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``). The timestamp is the attempt's, not the
delivery's: receivers reject messages older than a few minutes, and a retry 6 h later must pass.
Secrets are ``whsec_`` plus base64 of 32 random bytes, the format the library reads.
"""

from __future__ import annotations

import base64
import math
import secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def headers(*, secret: str, webhook_id: str, at: datetime, body: bytes) -> dict[str, str]:
    """The three signature headers for one attempt at ``at`` (aware; sent in UTC seconds)."""
    at = at.astimezone(UTC)
    signature: str = Webhook(secret).sign(webhook_id, at, body.decode())
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": signature,
    }
