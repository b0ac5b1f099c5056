"""VERI*FACTU: AEAT invoice records, their huella chain, XML, replies and QR.

The pure part (``records``, ``chain``, ``from_gobl``, ``xml``, ``replies``, ``qr``, ``codes``)
reads no clock, settings or network: the time of a record, the previous record and the issuer's
software identity are parameters. Transport, storage and the AEAT emulator build on it.
"""
