"""Facturo: a self-hosted e-invoicing platform.

One package, one folder per bounded context (see README): the pure libraries ``gobl`` and
``verifactu`` know nothing of the platform; ``silo`` and ``transform`` speak Invopop's HTTP
contract; ``platform`` holds settings, the database, auth, the ASGI app and the CLI.
"""

__version__ = "0.1.0"
