"""Why an e-mail was not sent, sorted the way a retry needs (httpx's request vs status errors).

::

    MailError
    ├── MailDeferred   (Unavailable) no connection, a timeout, or a 4xx reply: try again later
    └── MailRejected   (Invalid)     a 5xx reply: the server will not take this message

``code`` is the SMTP reply code as text (``"550"``), or ``"connection"`` when the server never
answered; workflow conditions match it on the step's KO.
"""

from __future__ import annotations

from facturo.errors import FacturoError, Invalid, Unavailable


class MailError(FacturoError):
    """The e-mail was not sent."""

    def __init__(self, detail: str | None = None, *, code: str = "") -> None:
        super().__init__(detail)
        self.code = code


class MailDeferred(MailError, Unavailable):
    """The mail server is not reachable or asked to try later; the step is retried."""


class MailRejected(MailError, Invalid):
    """The mail server refused the message for good; fix the recipients or the message."""


class SmtpUrlInvalid(Invalid):
    """Set `FACTURO_SMTP_URL` to `sink`, `smtp://user:pass@host:port` or `smtps://…`."""
