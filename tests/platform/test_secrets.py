from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from facturo.gobl.dsig import sign_header, signature_payload, verify_signature
from facturo.platform import secrets
from facturo.platform.logs import JsonFormatter, request_id_var
from facturo.platform.secrets import Cipher, UnreadableSecret
from facturo.platform.settings import Settings


def test_secrets_are_generated_once_private_and_stable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    secrets.ensure_all(settings)
    key = secrets.encryption_key(settings)
    signer = secrets.signing_key(settings)
    for name in ("secret.key", "signing-key.jwk"):
        assert (tmp_path / "secrets" / name).stat().st_mode & 0o777 == 0o600
    secrets.ensure_all(settings)
    assert secrets.encryption_key(settings) == key
    assert secrets.signing_key(settings) == signer


def test_generated_signing_key_signs_verifiable_envelopes(tmp_path: Path) -> None:
    key = secrets.signing_key(Settings(data_dir=tmp_path))
    payload = signature_payload(
        uuid="0190f3a0-0000-7000-8000-000000000000",
        dig={"alg": "sha256", "val": "00" * 32},
        iat=1_767_225_600,
    )
    token = sign_header(payload, key)
    assert verify_signature(token, [key.public()])["uuid"] == payload["uuid"]


def test_configured_secrets_win_over_files(tmp_path: Path) -> None:
    fernet = Fernet.generate_key().decode()
    settings = Settings(data_dir=tmp_path, secret_key=fernet)
    assert secrets.encryption_key(settings) == fernet.encode()
    assert not (tmp_path / "secrets" / "secret.key").exists()


def test_cipher_round_trips_and_refuses_foreign_ciphertext() -> None:
    a = Cipher(Fernet.generate_key())
    b = Cipher(Fernet.generate_key())
    sealed = a.encrypt("invopop-token")
    assert "invopop-token" not in sealed
    assert a.decrypt(sealed) == "invopop-token"
    with pytest.raises(UnreadableSecret):
        b.decrypt(sealed)


def test_json_log_lines_carry_event_extras_and_request_id() -> None:
    record = logging.makeLogRecord(
        {"name": "facturo.test", "levelname": "INFO", "msg": "job.step.finished", "job_id": "j1"}
    )
    token = request_id_var.set("req-9")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["event"] == "job.step.finished"
    assert line["job_id"] == "j1"
    assert line["request_id"] == "req-9"
    assert line["level"] == "info"
