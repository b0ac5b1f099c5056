"""The actions workflows run, registered by an explicit list (STYLE.md "Step providers").

Each provider module holds one action (or a pair that shares its code); ``REGISTRY`` names every
one this server offers, so an action is available exactly when it appears here, and a workflow
naming any other is refused when it is saved.
"""

from __future__ import annotations

from facturo.transform.steps import (
    cron,
    email_send,
    gobl_build,
    gov_es_lookup,
    job_create,
    pdf_render,
    sequence_enumerate,
    silo_annotate,
    silo_close,
    silo_folder,
    silo_if,
    silo_modify,
    silo_state,
    verifactu_cancel,
    verifactu_generate,
    verifactu_register,
    verifactu_send,
    webhook_send,
)
from facturo.transform.steps.base import Registry

REGISTRY: Registry = Registry.of(
    silo_state.silo_state,
    silo_folder.silo_folder,
    silo_close.silo_close,
    silo_annotate.stamp,
    silo_annotate.meta,
    silo_if.silo_if,
    silo_modify.modify,
    sequence_enumerate.enumerate_code,
    gobl_build.build,
    gobl_build.validate,
    verifactu_generate.generate,
    verifactu_send.send,
    verifactu_cancel.cancel,
    verifactu_register.register,
    verifactu_register.wait_upload,
    verifactu_register.wait_approval,
    verifactu_register.unregister,
    gov_es_lookup.verify,
    pdf_render.pdf,
    email_send.email_send,
    email_send.email_notify,
    webhook_send.send_webhook,
    job_create.create_job,
    cron.subscribe,
    cron.unsubscribe,
)
"""Every provider this server offers, by action id."""
