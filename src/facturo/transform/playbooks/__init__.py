"""Remediation playbooks: workflow templates that handle common AEAT answers.

Each playbook is a variant of Invopop's ``es__verifactu-invoice`` (or ``-cancel``) template in
the Console's exported shape, with ``next`` blocks on the VERI*FACTU steps for one AEAT code.
They ship as package data (``templates/*.json``), are listed by :mod:`.library`, served by
:mod:`.api` and :mod:`.cli`, and saved into a workspace as ordinary workflows by :mod:`.service`.

Why each one is shaped as it is (codes from ``shared/data/verifactu/errores``):

- **1100** (a field's value or format). GOBL's normalisation already strips an ``ES`` prefix
  from a Spanish tax ID when the entry is saved, so that 1100 never reaches AEAT. What GOBL lets
  through and AEAT refuses is a name longer than 120 characters; a signed envelope cannot change
  (``silo.modify`` answers KO ``entry.signed``), so the fix, a jq ``silo.modify``, runs before
  ``silo.close``. The record library runs AEAT's field checks itself, so a 1100 the fix does not
  cover comes back from ``verifactu.generate`` (nothing sent) and is filed for review.
- **1126** (CodigoPais ES with an IDType other than 03/07: a Spanish customer identified
  without a NIF). It also surfaces at ``verifactu.generate``; the entry is filed in the
  ``review`` folder, set to ``error`` and notified.
- **2004** (FechaHoraHusoGenRegistro ahead of AEAT's clock). AEAT stores the record as
  AceptadoConErrores and no correction is needed, so ``verifactu.send`` answers **OK** with the
  code 2004 (and the fault), not KO. A condition on OK + 2004 sends a webhook whose ``faults``
  carry the 2004, then the flow carries on; a Correcto send skips the webhook.
- **3000** (duplicate key). When AEAT holds this very record (a resend after a lost reply), the
  client settles it by query as stored and the step is OK: no branch. A KO 3000 therefore means
  another record holds the invoice number, and the entry is filed for review.
- **3002** (no such record). It answers a cancellation (or subsanación) of a record AEAT does
  not hold, so the playbook is a variant of the cancel template.
- **4104 / 4107** (issuer not in the census; seed 000's example). The whole message is refused,
  ``verifactu.send`` answers KO with the code; the entry is set to ``error`` and notified.

Every handling block ends with ``stop``. A KO a block handles does not start ``rescue``, and the
job ends OK (spec §3.7.3); the KO stays in the job's ``faults`` and in the webhook's payload.
"""

from __future__ import annotations

from facturo.transform.playbooks.errors import PlaybookNotFound
from facturo.transform.playbooks.library import (
    Handler,
    Playbook,
    get_playbook,
    list_playbooks,
)

__all__ = ["Handler", "Playbook", "PlaybookNotFound", "get_playbook", "list_playbooks"]
