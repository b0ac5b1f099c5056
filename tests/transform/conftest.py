"""Fixtures for the Transform tests: the workflow files and the registry Facturo will provide.

The workflow files are read from ``shared/data/invopop/workflows`` beside the repository
(docs.invopop.com @ bb7fec8 and older commits; see that folder's README): the 112 current
Console-exported templates and the historical ones (``provider`` steps, ``NA`` statuses, legacy
"go to", ``stop``).
"""

from __future__ import annotations

import pytest

# The actions Facturo will provide first (ids as the ES VERI*FACTU templates and the catalogue
# spell them), plus its own GOBL steps, which Invopop's catalogue does not list.
FACTURO_ACTIONS = (
    "silo.state",
    "silo.close",
    "silo.folder",
    "silo.if",
    "silo.modify",
    "sequence.enumerate",
    "gobl.build",
    "gobl.validate",
    "verifactu.generate",
    "verifactu.send",
    "verifactu.cancel",
    "verifactu.register",
    "verifactu.wait.upload",
    "verifactu.wait.approval",
    "verifactu.unregister",
    "gov-es.lookup.verify",
    "pdf",
    "email.send",
    "email.notify",
    "webhook",
    "transform.job.create",
    "cron.subscribe",
    "cron.unsubscribe",
)


@pytest.fixture
def registry() -> dict[str, None]:
    """Facturo's action ids with no config model (config checks have their own tests)."""
    return dict.fromkeys(FACTURO_ACTIONS)
