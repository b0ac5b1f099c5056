"""Settings read from ``FACTURO_*`` environment variables (pydantic-settings).

Every setting has a default that runs the embedded mode: SQLite and files under ``./var/``, the
AEAT sandbox and an SMTP sink on loopback. Secrets that are not given are generated into the
data directory on first start (see ``secrets.py``) and never committed. The README's settings table
is generated from this class (``facturo settings``), so the two cannot drift apart.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

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
