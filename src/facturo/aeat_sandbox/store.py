"""What the sandbox keeps: the census, stored records per issuer, the chain head, submissions.

The AEAT keeps, per taxpayer, every record it accepted (keyed by IDFactura), its state
(Correcto, AceptadoConErrores, Anulado) and the request that stored it; and per taxpayer the
time of the last send, for flow control [spec §14]. This module holds exactly that, in memory,
behind one re-entrant lock: a submission is validated and stored while the lock is held, so two
concurrent sends by one issuer are serialised the way the AEAT would see them, one after the
other.

Persistence is optional: with ``path`` set, the whole state is written to a JSON file of its own
after every change (to a temporary file first, then renamed, so a crash never leaves half a
file), and read back at start. It never touches the platform's database.

The clock is injectable (``Store(clock=...)``) so tests can move time instead of sleeping.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]
Estado = Literal["Correcto", "AceptadoConErrores", "Anulado"]

#: The AEAT clock's zone: TimestampPresentacion and IdPeticion use Spanish peninsular time.
AEAT_ZONE: Final = ZoneInfo("Europe/Madrid")
#: Seed census [spec §14]: the AEAT example NIFs and the NIFs of the shared samples.
DEFAULT_CENSUS: Final = ("89890001K", "89890002E", "B87654323", "B12345674", "12345678Z")
DEFAULT_WAIT_SECONDS: Final = 60
#: At most 10,000 records per query reply [spec §10]; tests pass smaller pages.
DEFAULT_PAGE_SIZE: Final = 10_000
#: How far FechaHoraHusoGenRegistro may run ahead of the AEAT clock before 2004. The AEAT
#: does not publish the margin; about 240 s was observed [spec §9.6]. An assumption.
DEFAULT_CLOCK_MARGIN_SECONDS: Final = 240
_CSV_ALPHABET: Final = string.ascii_uppercase + string.digits
_FORMAT_VERSION: Final = 1


def utc_now() -> datetime:
    """The real clock, UTC-aware."""
    return datetime.now(UTC)


@dataclass(slots=True)
class StoredRecord:
    """What the AEAT holds for one invoice key, as the query service reports it.

    ``alta_xml`` is the last accepted RegistroAlta of the key (``None`` when the key was created
    by an anulación with SinRegistroPrevio=S); ``anulacion_xml`` the anulación that cancelled it.
    ``huella`` is the huella of the last record stored for the key, the one a client that lost
    a reply compares with.
    """

    nif: str
    num_serie: str
    fecha: str  # dd-mm-yyyy, as sent
    estado: Estado
    huella: str
    id_peticion: str
    csv: str
    nif_presentador: str
    presented_at: str  # ISO 8601 with the AEAT offset
    modified_at: str
    ejercicio: int
    periodo: int
    alta_xml: str | None = None
    anulacion_xml: str | None = None
    codigo_error: int | None = None
    descripcion_error: str | None = None
    ref_externa: str | None = None
    contrapartes: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        """(IDEmisorFactura, NumSerieFactura, FechaExpedicionFactura)."""
        return (self.nif, self.num_serie, self.fecha)


@dataclass(slots=True)
class ChainLink:
    """One accepted record in an issuer's chain, in the order the sandbox stored them."""

    nif: str
    num_serie: str
    fecha: str
    huella: str
    kind: Literal["alta", "anulacion"]


@dataclass(slots=True)
class LineOutcome:
    """One reply line of a submission, as the admin API lists it."""

    nif: str
    num_serie: str
    fecha: str
    operacion: str  # Alta | Anulacion
    estado: str  # Correcto | AceptadoConErrores | Incorrecto
    codigo_error: int | None = None
    huella: str | None = None


@dataclass(slots=True)
class Submission:
    """One RegFactuSistemaFacturacion the sandbox answered (not the SOAP faults)."""

    id_peticion: str
    nif: str
    endpoint: str
    received_at: str
    estado_envio: str
    csv: str | None
    lines: list[LineOutcome]


@dataclass(slots=True)
class IssuerState:
    """Everything kept for one ObligadoEmision."""

    records: dict[str, StoredRecord] = field(default_factory=dict)  # in presentation order
    chain: list[ChainLink] = field(default_factory=list)
    last_send_at: str | None = None
    wait_seconds: int | None = None  # the TiempoEsperaEnvio answered to the last send

    @property
    def head(self) -> ChainLink | None:
        """The last record stored for this issuer: what the next RegistroAnterior must name."""
        return self.chain[-1] if self.chain else None


def record_key(nif: str, num_serie: str, fecha: str) -> str:
    """The dictionary key of an invoice (a string, so the state serialises to JSON)."""
    return f"{nif}|{fecha}|{num_serie}"


class Store:
    """Thread-safe sandbox state, optionally persisted to a JSON file.

    Use :meth:`transaction` around anything that reads and then writes: it holds the lock and
    saves the file once at the end.
    """

    def __init__(
        self,
        *,
        census: tuple[str, ...] | list[str] | None = None,
        wait_seconds: int = DEFAULT_WAIT_SECONDS,
        page_size: int = DEFAULT_PAGE_SIZE,
        clock_margin_seconds: int = DEFAULT_CLOCK_MARGIN_SECONDS,
        strict_chain: bool = False,
        recipient_census: bool = False,
        path: Path | str | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.lock = threading.RLock()
        self.clock: Clock = clock
        self.path = Path(path) if path is not None else None
        self.page_size = page_size
        self.clock_margin_seconds = clock_margin_seconds
        self.strict_chain = strict_chain
        self.recipient_census = recipient_census
        self._default_census = tuple(DEFAULT_CENSUS if census is None else census)
        self._default_wait = wait_seconds
        self.census: set[str] = set(self._default_census)
        self.wait_seconds = wait_seconds
        self.issuers: dict[str, IssuerState] = {}
        self.submissions: list[Submission] = []
        self._sequence = 0
        if self.path is not None and self.path.exists():
            self._load(self.path)
            self.census.update(census or ())

    # -- time and identifiers ----------------------------------------------------------------

    def now(self) -> datetime:
        """The AEAT clock, in Spanish time (the zone of TimestampPresentacion)."""
        value = self.clock()
        if value.tzinfo is None:
            raise ValueError("the sandbox clock must return timezone-aware datetimes")
        return value.astimezone(AEAT_ZONE)

    def next_id_peticion(self, at: datetime) -> str:
        """A 20-digit request id: yyyyMMddHHmmss plus a 6-digit sequence (as AEAT's example)."""
        self._sequence = (self._sequence + 1) % 1_000_000
        return f"{at:%Y%m%d%H%M%S}{self._sequence:06d}"

    @staticmethod
    def new_csv() -> str:
        """A 16-character alphanumeric CSV; the AEAT does not document the format."""
        return "".join(secrets.choice(_CSV_ALPHABET) for _ in range(16))

    # -- access ------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock for a read-then-write, and save once at the end (when persisted)."""
        with self.lock:
            yield self
            self.save()

    def issuer(self, nif: str) -> IssuerState:
        """The state of ``nif``, created empty on first use."""
        with self.lock:
            state = self.issuers.get(nif)
            if state is None:
                state = self.issuers[nif] = IssuerState()
            return state

    def find(self, nif: str, num_serie: str, fecha: str) -> StoredRecord | None:
        """The stored record of a key, if any."""
        with self.lock:
            state = self.issuers.get(nif)
            return None if state is None else state.records.get(record_key(nif, num_serie, fecha))

    def all_records(self) -> list[StoredRecord]:
        """Every stored record of every issuer, issuer by issuer in presentation order."""
        with self.lock:
            return [r for s in self.issuers.values() for r in s.records.values()]

    def set_census(self, nif: str, present: bool) -> None:
        """Add ``nif`` to the census, or remove it."""
        with self.transaction():
            if present:
                self.census.add(nif)
            else:
                self.census.discard(nif)

    def set_wait(self, seconds: int) -> None:
        """Set the TiempoEsperaEnvio answered from now on."""
        with self.transaction():
            self.wait_seconds = seconds

    def reset(self) -> None:
        """Forget every record and submission; census and wait go back to their start values."""
        with self.transaction():
            self.issuers.clear()
            self.submissions.clear()
            self.census = set(self._default_census)
            self.wait_seconds = self._default_wait

    # -- persistence -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The whole state as JSON-ready data."""
        with self.lock:
            return {
                "version": _FORMAT_VERSION,
                "census": sorted(self.census),
                "wait_seconds": self.wait_seconds,
                "sequence": self._sequence,
                "issuers": {nif: asdict(state) for nif, state in self.issuers.items()},
                "submissions": [asdict(s) for s in self.submissions],
            }

    def save(self) -> None:
        """Write the state file (atomically) when the store is persisted."""
        if self.path is None:
            return
        with self.lock:
            data = json.dumps(self.snapshot(), ensure_ascii=False, indent=1)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(data, encoding="utf-8")
            os.replace(tmp, self.path)

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != _FORMAT_VERSION:
            raise ValueError(f"{path}: unknown sandbox state format {data.get('version')!r}")
        self.census = set(data["census"])
        self.wait_seconds = int(data["wait_seconds"])
        self._sequence = int(data["sequence"])
        for nif, raw in data["issuers"].items():
            self.issuers[nif] = IssuerState(
                records={k: StoredRecord(**v) for k, v in raw["records"].items()},
                chain=[ChainLink(**link) for link in raw["chain"]],
                last_send_at=raw["last_send_at"],
                wait_seconds=raw["wait_seconds"],
            )
        self.submissions = [
            Submission(**{**s, "lines": [LineOutcome(**line) for line in s["lines"]]})
            for s in data["submissions"]
        ]


__all__ = [
    "AEAT_ZONE",
    "DEFAULT_CENSUS",
    "DEFAULT_CLOCK_MARGIN_SECONDS",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_WAIT_SECONDS",
    "ChainLink",
    "Clock",
    "Estado",
    "IssuerState",
    "LineOutcome",
    "Store",
    "StoredRecord",
    "Submission",
    "record_key",
    "utc_now",
]
