"""The actions workflows run, registered by an explicit list (STYLE.md "Step providers").

Each provider module holds one action; ``REGISTRY`` names every one this server offers, so an
action is available exactly when it appears here.
"""

from __future__ import annotations

from facturo.transform.steps.base import Registry

REGISTRY: Registry = Registry.of()
"""Every provider this server offers, by action id."""
