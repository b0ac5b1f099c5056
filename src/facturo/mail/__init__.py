"""E-mail: Go templates as Invopop's e-mail steps write them, SMTP sending, and a local sink.

- :mod:`~facturo.mail.templates` (with ``template_*``), :mod:`~facturo.mail.variables` and
  :mod:`~facturo.mail.message` are pure: templates, the data they see, the message they make.
- :mod:`~facturo.mail.sender` talks SMTP (aiosmtplib); :mod:`~facturo.mail.errors` sorts its
  failures into "try again" and "refused".
- :mod:`~facturo.mail.sink` (aiosmtpd), :mod:`~facturo.mail.sink_store` and
  :mod:`~facturo.mail.sink_api` are the development sink ``facturo serve`` runs and its pages.

The workflow steps that use them are in ``facturo.transform.steps.email_send``.
"""
