"""An offline stand-in for the AEAT's VERI*FACTU web service, for tests and development.

It speaks the official WSDL contract at AEAT's URL paths, validates like the AEAT (schema,
census, the codes of the official error table, duplicates, chain, dates, amounts,
subsanación), answers EstadoEnvio/EstadoRegistro/CSV/TiempoEsperaEnvio, serves the query
service, and keeps what it accepted so reconciliation can be tested for real. Fault injection
through ``/admin/`` reproduces the failures a client must survive. Start one in a test with
:func:`facturo.aeat_sandbox.testing.running_sandbox`, or alone with ``facturo aeat-sandbox``.
"""
