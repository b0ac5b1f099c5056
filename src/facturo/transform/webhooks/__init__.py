"""Webhooks: the ``webhook`` step and per-workspace subscriptions to finished jobs.

Two sources make deliveries, and both end up in the same log (``transform_webhook_delivery``):

- the ``webhook`` step (``steps/webhook_send.py``), which a workflow runs like any other step; it
  posts once per run of the step and lets the job engine schedule its retries (QUEUED with
  ``retry_in``);
- subscriptions (an extension of the contract, ``/transform/v1/webhooks``): when a job finishes,
  :func:`~facturo.transform.webhooks.service.on_job_finished` queues one delivery per matching
  subscription in the job's final transaction, and the dispatcher (``dispatcher.py``) posts them.

Every request carries the contract's body (spec §4) plus a ``result`` extension
(``payload.py``), is signed per the Standard Webhooks specification (``signing.py``) and is
retried on the contract's schedule (``schedule.py``).
"""
