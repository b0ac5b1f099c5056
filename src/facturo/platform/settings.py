"""Settings read from ``FACTURO_*`` environment variables (pydantic-settings).

Every setting has a default that runs the embedded mode: SQLite and files under ``./var/``, the
AEAT sandbox and an SMTP sink on loopback. Secrets that are not given are generated into the
data directory on first start (see ``secrets.py``) and never committed. The README's settings table
is generated from this class (``facturo settings``), so the two cannot drift apart.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration of one Facturo process."""

    model_config = SettingsConfigDict(env_prefix="FACTURO_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("var"),
        description="Directory for the SQLite file, stored files and generated secrets.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty: SQLite at `<data_dir>/facturo.db`. "
        "PostgreSQL: `postgresql+psycopg://user:pass@host/db`.",
    )
    host: str = Field(default="127.0.0.1", description="Address `facturo serve` listens on.")
    port: int = Field(default=8400, description="Port of the platform API and console.")
    public_url: str = Field(
        default="",
        description="Base URL clients use to reach the API (default `http://<host>:<port>`).",
    )
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024,
        description="Largest request body accepted; larger ones answer 413.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key that encrypts stored third-party tokens. "
        "Generated into `<data_dir>/secrets/` when not given.",
    )
    signing_key: SecretStr | None = Field(
        default=None,
        description="Private JWK (ES256) that signs GOBL envelopes. "
        "Generated into `<data_dir>/secrets/` when not given.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_json: bool = Field(default=True, description="Write logs as one JSON object a line.")
    db_pool_size: int = Field(default=5, description="Connections per process (PostgreSQL).")
    demo_workspace: str = Field(
        default="demo",
        description="Workspace that `make serve` creates, with a token, when none exists.",
    )
    storage_url: str = Field(
        default="",
        description="Where Silo file bytes are kept. Empty: `<data_dir>/files`. "
        "`file:///path`, or `s3://bucket/prefix?endpoint=http://host:9000&region=eu-west-1` "
        "(credentials from the usual AWS variables).",
    )
    max_file_bytes: int = Field(
        default=10 * 1024 * 1024,
        description="Largest Silo file or spooled file accepted; larger ones answer 413.",
    )
    worker_threads: int = Field(
        default=1,
        ge=0,
        description="Job worker threads per process: those `facturo serve` runs beside the API "
        "(0: none, leave the jobs to `facturo worker` on PostgreSQL) and the default of "
        "`facturo worker --threads`.",
    )
    worker_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a claimed job stays with its worker without a checkpoint; "
        "after that another worker reclaims it.",
    )
    worker_poll_seconds: float = Field(
        default=0.5,
        gt=0,
        description="How often an idle worker looks for due jobs (it also wakes on submits "
        "in the same process).",
    )
    worker_batch: int = Field(
        default=8,
        ge=1,
        description="Most due jobs a worker claims at once; their PURE steps commit together "
        "(one commit for the batch). A batch never waits to fill: at low load it is one job.",
    )
    worker_busy_retry_seconds: float = Field(
        default=0.2,
        gt=0,
        description="Delay before a job whose concurrency key is busy is tried again.",
    )

    smtp_url: str = Field(
        default="sink",
        description="Where e-mail steps send: `sink` (the local SMTP sink `facturo serve` "
        "starts), `smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465`; "
        "options `?starttls=auto|required|off&cafile=/path&verify=false&timeout=30`.",
    )
    smtp_from: str = Field(
        default="Facturo <facturo@localhost>",
        description="From address of e-mail steps; also the domain of their Message-IDs.",
    )
    mail_notify_to: str = Field(
        default="",
        description="Comma-separated addresses that `email.notify` steps write to when "
        "their config names no recipients.",
    )
    mail_sink_host: str = Field(
        default="127.0.0.1", description="Address of the local SMTP sink (`smtp_url=sink`)."
    )
    mail_sink_port: int = Field(default=8425, description="Port of the local SMTP sink.")

    aeat_environment: Literal["sandbox", "test", "production"] = Field(
        default="sandbox",
        description="Where VERI*FACTU records go: `sandbox` (the AEAT emulator `facturo serve` "
        "starts on loopback), `test` (AEAT's prewww1 hosts) or `production`. Test and "
        "production need `FACTURO_AEAT_CERTIFICATE`.",
    )
    aeat_url: str = Field(
        default="", description="Explicit VERI*FACTU SOAP URL; wins over `aeat_environment`."
    )
    aeat_certificate: Path | None = Field(
        default=None,
        description="Client certificate for AEAT: PKCS#12 (.p12/.pfx, legacy FNMT files "
        "included) or PEM.",
    )
    aeat_certificate_key: Path | None = Field(
        default=None, description="PEM private key, when it is not inside the certificate file."
    )
    aeat_certificate_password: SecretStr | None = Field(
        default=None, description="Password of the PKCS#12 file or of the PEM key."
    )
    aeat_read_timeout: float = Field(
        default=120.0, gt=0, description="Seconds to wait for AEAT's reply to a submission."
    )
    aeat_sandbox_port: int = Field(default=8401, description="Port of the local AEAT sandbox.")
    aeat_sandbox_wait_seconds: int = Field(
        default=60, ge=0, description="TiempoEsperaEnvio the local AEAT sandbox answers."
    )
    aeat_sandbox_census: list[str] = Field(
        default_factory=list,
        description="NIFs the local AEAT sandbox knows besides AEAT's sample NIFs (a JSON list); "
        "an issuer outside its census is refused with 4104, as AEAT does.",
    )
    verifactu_producer_name: str = Field(
        default="Facturo",
        description="NombreRazon of the software producer in every VERI*FACTU record.",
    )
    verifactu_producer_nif: str = Field(
        default="",
        description="NIF of the software producer in every record. Empty: AEAT's sample NIF "
        "outside production; required in production.",
    )

    @cached_property
    def resolved_database_url(self) -> str:
        """The URL in use: the configured one, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'facturo.db').resolve()}"

    @cached_property
    def resolved_public_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"
