"""The client certificate: PKCS#12 (legacy-encrypted too) and PEM, its errors, real mutual TLS.

``data/fnmt-legacy-rc2.p12`` (password ``secreto``) is laid out like the FNMT's older files:
the certificate bag under pbeWithSHA1And40BitRC2-CBC, the key under 3DES. It was made with
``openssl pkcs12 -export -legacy`` (cryptography can read RC2 but not write it).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import ssl
import stat
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from facturo.verifactu.client import certificates
from facturo.verifactu.client.certificates import ClientCertificate, load_certificate
from facturo.verifactu.client.errors import (
    CertificateExpired,
    CertificateKeyMismatch,
    CertificateKeyMissing,
    CertificatePasswordWrong,
    CertificateUnreadable,
    HttpRefused,
    NotSent,
)
from facturo.verifactu.client.transport import AeatTransport
from facturo.verifactu.messages import ConsultaFactu, Persona

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 1, 15, tzinfo=UTC)
CONSULTA = ConsultaFactu(
    ejercicio=2025,
    periodo=3,
    obligado_emision=Persona("EMPRESA EMISORA DE PRUEBAS SL", "B87654323"),
)
NOT_FOUND = b"HTTP/1.1 404 X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def issue(
    common_name: str,
    *,
    signer: Issued | None = None,
    start: datetime = NOW - timedelta(days=30),
    days: int = 365,
    ca: bool = False,
    ip: str | None = None,
) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(signer.cert.subject if signer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
            critical=False,
        )
    cert = builder.sign(signer.key if signer else key, hashes.SHA256())
    return Issued(cert, key)


def p12(issued: Issued, password: bytes, *, legacy: bool = True, with_key: bool = True) -> bytes:
    algorithm = (
        pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC
        if legacy
        else pkcs12.PBES.PBESv2SHA256AndAES256CBC
    )
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(algorithm)
        .hmac_hash(hashes.SHA1() if legacy else hashes.SHA256())  # noqa: S303 - FNMT layout
        .build(password)
    )
    return pkcs12.serialize_key_and_certificates(
        b"facturo", issued.key if with_key else None, issued.cert, None, encryption
    )


def pem_cert(issued: Issued) -> bytes:
    return issued.cert.public_bytes(serialization.Encoding.PEM)


def pem_key(issued: Issued, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return issued.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


@pytest.fixture(scope="module")
def holder() -> Issued:
    return issue("PRUEBAS EMISOR 89890001K")


def test_legacy_3des_pkcs12_loads(holder: Issued) -> None:
    loaded = load_certificate(p12(holder, b"s3cret"), "s3cret", now=NOW)
    assert loaded.certificate == holder.cert
    assert loaded.subject == "CN=PRUEBAS EMISOR 89890001K"


def test_modern_aes_pkcs12_loads_from_a_path(holder: Issued, tmp_path: Path) -> None:
    path = tmp_path / "holder.pfx"
    path.write_bytes(p12(holder, b"s3cret", legacy=False))
    assert load_certificate(path, b"s3cret", now=NOW).certificate == holder.cert


def test_fnmt_style_rc2_pkcs12_loads() -> None:
    loaded = load_certificate(DATA / "fnmt-legacy-rc2.p12", "secreto", now=datetime.now(UTC))
    assert "89890001K" in loaded.subject


def test_pem_with_key_in_the_same_file_or_apart(holder: Issued, tmp_path: Path) -> None:
    both = pem_key(holder) + pem_cert(holder)
    assert load_certificate(both, now=NOW).certificate == holder.cert
    (tmp_path / "c.pem").write_bytes(pem_cert(holder))
    (tmp_path / "k.pem").write_bytes(pem_key(holder, b"pw"))
    loaded = load_certificate(tmp_path / "c.pem", "pw", key=tmp_path / "k.pem", now=NOW)
    assert loaded.certificate == holder.cert


@pytest.mark.parametrize(
    ("make", "password", "error"),
    [
        (lambda h: p12(h, b"right"), "wrong", CertificatePasswordWrong),
        (lambda h: p12(h, b"right", legacy=False), None, CertificatePasswordWrong),
        (lambda h: pem_key(h, b"right") + pem_cert(h), "wrong", CertificatePasswordWrong),
        (lambda h: pem_key(h, b"right") + pem_cert(h), None, CertificatePasswordWrong),
        (lambda h: p12(h, b"pw", with_key=False), "pw", CertificateKeyMissing),
        (lambda h: pem_cert(h), None, CertificateKeyMissing),
        (lambda h: pem_key(issue("OTHER")) + pem_cert(h), None, CertificateKeyMismatch),
        (lambda h: b"not a certificate at all", None, CertificateUnreadable),
    ],
    ids=[
        "p12-wrong-password",
        "p12-no-password",
        "pem-wrong-password",
        "pem-no-password",
        "p12-without-key",
        "pem-without-key",
        "pem-key-of-another-certificate",
        "garbage",
    ],
)
def test_unusable_certificates_say_why(
    holder: Issued, make: object, password: str | None, error: type[Exception]
) -> None:
    data = make(holder)  # type: ignore[operator]
    with pytest.raises(error):
        load_certificate(data, password, now=NOW)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(CertificateUnreadable):
        load_certificate(tmp_path / "absent.p12", "pw")


@pytest.mark.parametrize(
    ("start", "days"),
    [(NOW - timedelta(days=400), 365), (NOW + timedelta(days=1), 365)],
    ids=["expired", "not-yet-valid"],
)
def test_certificate_outside_its_validity_is_refused(start: datetime, days: int) -> None:
    issued = issue("OLD", start=start, days=days)
    with pytest.raises(CertificateExpired):
        load_certificate(p12(issued, b"pw"), "pw", now=NOW)


def test_key_file_fallback_is_private_and_removed(
    holder: Issued, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[tuple[str, int, bytes]] = []
    original = ssl.SSLContext.load_cert_chain

    class Spy(ssl.SSLContext):
        def load_cert_chain(self, certfile, keyfile=None, password=None):  # type: ignore[no-untyped-def]
            mode = stat.S_IMODE(os.stat(certfile).st_mode)
            seen.append((str(certfile), mode, Path(certfile).read_bytes()))
            return original(self, certfile, keyfile, password)

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    cert = ClientCertificate(holder.cert, holder.key)
    certificates.load_into(Spy(ssl.PROTOCOL_TLS_CLIENT), cert, in_memory=False)
    ((path, mode, content),) = seen
    assert mode == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in content
    assert b"BEGIN PRIVATE KEY" not in content
    assert not Path(path).exists()
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------------
# Mutual TLS on loopback
# --------------------------------------------------------------------------------------------


def read_whole_request(conn: ssl.SSLSocket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += conn.recv(65536)


def linger(conn: ssl.SSLSocket) -> None:
    """Close gently: send FIN, then read until the client closes (no reset kills the reply)."""
    conn.settimeout(5)
    conn.shutdown(socket.SHUT_WR)
    with contextlib.suppress(OSError, ssl.SSLError):
        while conn.recv(65536):
            pass


@dataclass
class TlsServer:
    port: int
    ca: Issued
    ca_file: Path
    peers: list[str]


@pytest.fixture
def mtls_server(tmp_path: Path) -> Iterator[TlsServer]:
    """An HTTPS server on 127.0.0.1 that demands a client certificate from its test CA."""
    ca = issue("FACTURO TEST CA", ca=True, days=3650, start=datetime.now(UTC) - timedelta(days=1))
    server_cert = issue(
        "127.0.0.1", signer=ca, ip="127.0.0.1", start=datetime.now(UTC) - timedelta(days=1)
    )
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(pem_cert(ca))
    (tmp_path / "server.pem").write_bytes(pem_key(server_cert) + pem_cert(server_cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem")
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(ca_file)
    sock = socket.create_server(("127.0.0.1", 0))
    peers: list[str] = []

    def serve() -> None:
        while True:
            try:
                raw, _ = sock.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(raw, server_side=True) as conn:
                    der = conn.getpeercert(binary_form=True)
                    if der is not None:
                        peers.append(x509.load_der_x509_certificate(der).subject.rfc4514_string())
                    read_whole_request(conn)
                    conn.sendall(NOT_FOUND)
                    linger(conn)
            except (OSError, ssl.SSLError):
                raw.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield TlsServer(sock.getsockname()[1], ca, ca_file, peers)
    sock.shutdown(socket.SHUT_RDWR)  # wakes accept()
    sock.close()
    thread.join(5)


def test_the_certificate_is_presented_in_the_tls_handshake(mtls_server: TlsServer) -> None:
    issued = issue(
        "PRUEBAS EMISOR 89890001K",
        signer=mtls_server.ca,
        start=datetime.now(UTC) - timedelta(days=1),
    )
    loaded = load_certificate(p12(issued, b"pw"), "pw")
    url = f"https://127.0.0.1:{mtls_server.port}/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
    transport = AeatTransport(url, certificate=loaded, cafile=mtls_server.ca_file)
    with transport, pytest.raises(HttpRefused) as caught:
        transport.query(CONSULTA)
    assert caught.value.status == 404
    assert mtls_server.peers == ["CN=PRUEBAS EMISOR 89890001K"]


def test_a_server_that_demands_a_certificate_refuses_a_client_without(
    mtls_server: TlsServer,
) -> None:
    url = f"https://127.0.0.1:{mtls_server.port}/VerifactuSOAP"
    transport = AeatTransport(url, cafile=mtls_server.ca_file)
    with transport, pytest.raises(NotSent):
        transport.query(CONSULTA)
    assert mtls_server.peers == []
