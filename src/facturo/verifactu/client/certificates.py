"""The client certificate for mutual TLS with the AEAT: load it, check it, build an SSL context.

The AEAT identifies the sender by its qualified certificate [spec §9.1]. Taxpayers usually hold
it as a PKCS#12 file (.p12/.pfx) exported from a browser or issued by the FNMT; older FNMT
files are "legacy" encrypted (RC2-40 for the certificate bag, 3DES for the key), which the
OpenSSL 3 command line refuses without ``-legacy`` but ``cryptography`` still reads. A PEM
certificate with its key (one file or two) works too.

Problems are found here, once, with a clear error, instead of as an opaque TLS failure or an
HTTP 302 to ``erro4011`` from the AEAT: a wrong password, a missing key, a key of another
certificate, a certificate outside its validity period.

``ssl.SSLContext.load_cert_chain`` only reads files. The key never goes to disk in clear:
it is written encrypted with a one-time random passphrase, into an anonymous in-memory file
(``memfd``) where the platform has one, otherwise into a ``0600`` temporary file that is removed
as soon as OpenSSL has read it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from facturo.verifactu.client.errors import (
    CertificateExpired,
    CertificateKeyMismatch,
    CertificateKeyMissing,
    CertificatePasswordWrong,
    CertificateUnreadable,
)

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

_PEM_MARK = b"-----BEGIN "


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """A certificate, its private key and the intermediate certificates that came with it."""

    certificate: x509.Certificate
    key: PrivateKey
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def subject(self) -> str:
        """The subject as an RFC 4514 string (``CN=…,serialNumber=IDCES-…``)."""
        return self.certificate.subject.rfc4514_string()

    @property
    def not_valid_after(self) -> datetime:
        """End of the validity period (UTC)."""
        return self.certificate.not_valid_after_utc

    def check_valid(self, now: datetime) -> None:
        """Raise :class:`CertificateExpired` unless ``now`` (aware) is in the validity period."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        start, end = self.certificate.not_valid_before_utc, self.certificate.not_valid_after_utc
        if now < start:
            raise CertificateExpired(f"certificate {self.subject} is valid only from {start}")
        if now > end:
            raise CertificateExpired(f"certificate {self.subject} expired on {end}")

    def ssl_context(self, *, cafile: str | Path | None = None) -> ssl.SSLContext:
        """A client-side TLS context presenting this certificate.

        Server certificates are verified against the system roots, or ``cafile`` (a test CA).
        TLS 1.2 is the floor the AEAT hosts accept.
        """
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        load_into(context, self)
        return context


def _password_bytes(password: str | bytes | None) -> bytes | None:
    if password is None or isinstance(password, bytes):
        return password or None
    return password.encode("utf-8")


def _read(source: str | Path | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise CertificateUnreadable(f"cannot read {source}: {exc.strerror}") from exc


def _checked_key(key: object) -> PrivateKey:
    if key is None:
        raise CertificateKeyMissing()
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CertificateUnreadable(f"unsupported key type {type(key).__name__}")
    return key


def _pair(cert: x509.Certificate, key: PrivateKey) -> None:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if cert.public_key().public_bytes(der, spki) != key.public_key().public_bytes(der, spki):
        raise CertificateKeyMismatch()


def _from_pkcs12(data: bytes, password: bytes | None) -> ClientCertificate:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        # cryptography cannot tell a wrong password from a damaged file: both fail the MAC.
        raise CertificatePasswordWrong() from exc
    if cert is None and key is None and extra:
        raise CertificateKeyMissing()  # certificates only, none paired with a key
    if cert is None:
        raise CertificateUnreadable("the PKCS#12 file holds no certificate")
    checked = _checked_key(key)
    _pair(cert, checked)
    return ClientCertificate(cert, checked, tuple(extra))


def _from_pem(cert_data: bytes, key_data: bytes, password: bytes | None) -> ClientCertificate:
    try:
        certs = x509.load_pem_x509_certificates(cert_data)
    except ValueError as exc:
        raise CertificateUnreadable("no PEM certificate found") from exc
    if _PEM_MARK + b"ENCRYPTED PRIVATE KEY" not in key_data and b"PRIVATE KEY-----" not in key_data:
        raise CertificateKeyMissing()
    try:
        key = serialization.load_pem_private_key(key_data, password)
    except TypeError as exc:
        # A password given for a clear key, or none for an encrypted one.
        raise CertificatePasswordWrong(str(exc)) from exc
    except ValueError as exc:
        encrypted = b"ENCRYPTED" in key_data
        kind = CertificatePasswordWrong if encrypted else CertificateUnreadable
        raise kind() from exc
    checked = _checked_key(key)
    _pair(certs[0], checked)
    return ClientCertificate(certs[0], checked, tuple(certs[1:]))


def load_certificate(
    source: str | Path | bytes,
    password: str | bytes | None = None,
    *,
    key: str | Path | bytes | None = None,
    now: datetime | None = None,
) -> ClientCertificate:
    """Load a client certificate from PKCS#12 or PEM, and check it is usable at ``now``.

    ``source`` is a path or the file's bytes. PKCS#12 (DER) is recognised by content, whatever
    the file name. For PEM, the key is in ``source`` too or in ``key``; ``password`` opens the
    PKCS#12 file or the encrypted PEM key. ``now`` (aware; the current UTC time by default)
    is when the certificate must be valid: an expired one is refused here, not by the AEAT.
    """
    data = _read(source)
    secret = _password_bytes(password)
    if _PEM_MARK in data[:4096] or key is not None:
        loaded = _from_pem(data, _read(key) if key is not None else data, secret)
    elif data[:1] == b"\x30":  # an ASN.1 SEQUENCE: PKCS#12 PFX
        loaded = _from_pkcs12(data, secret)
    else:
        raise CertificateUnreadable("not a PKCS#12 (.p12/.pfx) or PEM certificate")
    loaded.check_valid(now or datetime.now(UTC))
    return loaded


@contextlib.contextmanager
def _secret_file(data: bytes, *, in_memory: bool) -> Iterator[str]:
    """A path holding ``data`` only for the duration of the block."""
    if in_memory and hasattr(os, "memfd_create"):
        fd = os.memfd_create("facturo-aeat-cert", os.MFD_CLOEXEC)
        try:
            os.write(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    fd, path = tempfile.mkstemp(prefix="facturo-aeat-", suffix=".pem")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        yield path
    finally:
        os.unlink(path)


def load_into(
    context: ssl.SSLContext, certificate: ClientCertificate, *, in_memory: bool = True
) -> None:
    """Load ``certificate`` into ``context`` without its key ever lying on disk in clear.

    The PEM handed to OpenSSL holds the key encrypted under a random passphrase that exists
    only in this call. ``in_memory=False`` forces the temporary-file path (platforms without
    ``memfd_create``); the file is ``0600`` and removed before this returns.
    """
    passphrase = secrets.token_bytes(32)
    pem = certificate.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    for cert in (certificate.certificate, *certificate.chain):
        pem += cert.public_bytes(serialization.Encoding.PEM)
    with _secret_file(pem, in_memory=in_memory) as path:
        context.load_cert_chain(path, password=passphrase)


__all__ = ["ClientCertificate", "PrivateKey", "load_certificate", "load_into"]
