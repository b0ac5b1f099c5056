"""Secrets a deployment needs, generated on first start when not configured.

They live in ``<data_dir>/secrets/`` with mode 0600 and are never committed (``var/`` is
ignored). Generating rather than shipping defaults means no two installations share a key.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from facturo.errors import Invalid
from facturo.gobl.dsig import PrivateKey
from facturo.platform.ids import uuid7
from facturo.platform.settings import Settings


class UnreadableSecret(Invalid):
    """A stored secret could not be decrypted with this installation's key."""


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def encryption_key(settings: Settings) -> bytes:
    """The Fernet key: ``FACTURO_SECRET_KEY``, or the generated file."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.secrets_dir / "secret.key"
    if not path.exists():
        # Another process may win the race to create it: then use its key.
        with contextlib.suppress(FileExistsError):
            _write_private(path, Fernet.generate_key())
    return path.read_bytes().strip()


def signing_key(settings: Settings) -> PrivateKey:
    """The ES256 key that signs GOBL envelopes: ``FACTURO_SIGNING_KEY`` or the generated JWK.

    Its ``kid`` is a UUID v7, as gobl gives new keys; the public half is what verifiers need.
    """
    if settings.signing_key is not None:
        return PrivateKey.from_jwk(settings.signing_key.get_secret_value())
    path = settings.secrets_dir / "signing-key.jwk"
    if not path.exists():
        key = PrivateKey.generate(kid=str(uuid7()))
        with contextlib.suppress(FileExistsError):
            _write_private(path, json.dumps(key.to_jwk()).encode())
    return PrivateKey.from_jwk(path.read_bytes())


def ensure_all(settings: Settings) -> None:
    """Create every secret that is neither configured nor generated yet."""
    encryption_key(settings)
    signing_key(settings)


class Cipher:
    """Encrypts third-party tokens (e.g. an Invopop API key) before they are stored."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise UnreadableSecret() from exc
