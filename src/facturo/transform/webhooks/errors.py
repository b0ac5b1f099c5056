"""Errors of webhooks (kinds from ``facturo.errors``)::

SubscriptionNotFound (NotFound)
DeliveryNotFound     (NotFound)
DeliveryPending      (Conflict)
InvalidCursor        (BadRequest)
"""

from __future__ import annotations

from facturo.errors import BadRequest, Conflict, NotFound


class SubscriptionNotFound(NotFound):
    """No webhook subscription with that id in this workspace."""


class DeliveryNotFound(NotFound):
    """No webhook delivery with that id in this workspace."""


class DeliveryPending(Conflict):
    """The delivery is still being retried; replay it once it is delivered or failed."""


class InvalidCursor(BadRequest):
    """The cursor is not one this list gave; start again without it."""
