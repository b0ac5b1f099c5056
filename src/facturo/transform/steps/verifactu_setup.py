"""What every VERI*FACTU step needs to know about this installation, as one step resource.

The record names the invoicing software (SistemaInformatico: its producer, name, id, version and
installation number), the QR points at AEAT's test or production host, and
FechaHoraHusoGenRegistro is written in the issuer's time zone (Spain: Europe/Madrid, or
Atlantic/Canary for issuers there, which AEAT accepts as any offset). The runtime builds one
:class:`VerifactuSetup` from settings and puts it in the steps' resources.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from facturo.verifactu.qr import Environment
from facturo.verifactu.records import SistemaInformatico

MADRID = ZoneInfo("Europe/Madrid")


@dataclass(frozen=True, slots=True)
class VerifactuSetup:
    """The installation's identity and AEAT environment."""

    sistema: SistemaInformatico
    environment: Environment = Environment.TEST
    zone: ZoneInfo = field(default=MADRID)
    qr_service_root: str | None = None
    """Where QR URLs point instead of AEAT's host: the local sandbox's cotejo service."""

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the issuer's zone, to the second (the record keeps no fractions)."""
        return moment.astimezone(self.zone).replace(microsecond=0)

    def for_installation(self, numero_instalacion: str) -> VerifactuSetup:
        """The same software, as installed for one workspace (NumeroInstalacion)."""
        return replace(self, sistema=replace(self.sistema, numero_instalacion=numero_instalacion))
