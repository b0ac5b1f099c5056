"""Header signatures: gobl's own JWS vectors, sign/verify round trips, every refusal."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from facturo.gobl.dsig import (
    Digest,
    KeyNotFound,
    KeyNotValidAt,
    PrivateKey,
    PublicKey,
    SignatureError,
    SignatureMalformed,
    SignatureMismatch,
    digest_document,
    sign_header,
    signature_payload,
    verify_signature,
)

# The sample public key of gobl dsig/signature_test.go, and two compact JWS that gobl
# (go-jose) made with its private half over {"foo":"foo","bar":1234}.
PUBLIC_JWK = (
    '{"use":"sig","kty":"EC","kid":"3500bbee-966c-4b7a-8fbc-c763ae2aec62","crv":"P-256",'
    '"x":"Fd4a9pj2gtDLnW3GX30S06qXHrkBrAsmg3aHb4kOCL4",'
    '"y":"_I4ZuddZtZ86kDBvGKcsOPbU0gWh13Kt6R2m6bfWAK4"}'
)
GOBL_SIGNATURES = (
    "eyJhbGciOiJFUzI1NiIsImtpZCI6IjM1MDBiYmVlLTk2NmMtNGI3YS04ZmJjLWM3NjNhZTJhZWM2MiJ9"
    ".eyJmb28iOiJmb28iLCJiYXIiOjEyMzR9"
    ".96eDPg1RJ4EXMXnCYYTbC3mIGU_DaKnULUdx6LxDeLh6kp-7G8V1CEr1Lwc-tqZ29iq6fwi0Pte-bnkBO0xh9w",
    "eyJhbGciOiJFUzI1NiIsImtpZCI6IjM1MDBiYmVlLTk2NmMtNGI3YS04ZmJjLWM3NjNhZTJhZWM2MiJ9"
    ".eyJmb28iOiJmb28iLCJiYXIiOjEyMzR9"
    ".Cr-Kg0rHiPKmlTldQ5mgMIX4WRpKgbPA55TBf-avuPsfnxNpUgiwRV6lbbwcHIMsTl956oL62pJBnM5zSeITfw",
)

KID = "0190f3a2-7c2e-7000-8000-000000000001"
OTHER_KID = "0190f3a2-7c2e-7000-8000-000000000002"
UUID = "0190f3a2-7c2e-7abc-8000-0000000000aa"
DIG = Digest("sha256", "a" * 64)
IAT = int(datetime(2026, 7, 1, 12, tzinfo=UTC).timestamp())

ENVELOPES = Path(__file__).resolve().parents[3].parent / "shared/data/gobl/examples/es/out"


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def key() -> PrivateKey:
    return PrivateKey.generate(KID)


@pytest.fixture(scope="module")
def token(key: PrivateKey) -> str:
    return sign_header(signature_payload(UUID, DIG, IAT), key)


@pytest.mark.parametrize("gobl_token", GOBL_SIGNATURES)
def test_signatures_made_by_gobl_verify(gobl_token: str) -> None:
    public = PublicKey.from_jwk(PUBLIC_JWK)
    assert verify_signature(gobl_token, [public]) == {"foo": "foo", "bar": 1234}


@pytest.mark.parametrize("gobl_token", GOBL_SIGNATURES)
def test_gobl_signature_with_another_key_of_the_same_kid_fails(gobl_token: str) -> None:
    impostor = PrivateKey.generate("3500bbee-966c-4b7a-8fbc-c763ae2aec62").public()
    with pytest.raises(SignatureMismatch):
        verify_signature(gobl_token, [impostor])


def test_payload_is_in_gobl_struct_order_with_omitempty() -> None:
    full = signature_payload(UUID, DIG, IAT, iss="https://a.test", aud="https://b.test", scope="x")
    assert list(full) == ["uuid", "dig", "iss", "aud", "iat", "scope"]
    assert full["dig"] == {"alg": "sha256", "val": "a" * 64}
    assert list(signature_payload(UUID, DIG, IAT)) == ["uuid", "dig", "iat"]
    assert list(signature_payload(UUID, DIG.to_json(), IAT, iss="", scope="")) == [
        "uuid",
        "dig",
        "iat",
    ]


@pytest.mark.parametrize("iat", [1.5, "1700000000", True, None])
def test_payload_iat_must_be_integer_seconds(iat: Any) -> None:
    with pytest.raises(SignatureError):
        signature_payload(UUID, DIG, iat)


def test_token_has_gobls_protected_header_and_go_marshalled_payload(
    key: PrivateKey, token: str
) -> None:
    header, payload, signature = token.split(".")
    assert _b64decode(header) == b'{"alg":"ES256","kid":"' + KID.encode() + b'"}'
    assert _b64decode(payload) == (
        b'{"uuid":"' + UUID.encode() + b'","dig":{"alg":"sha256","val":"' + b"a" * 64 + b'"},'
        b'"iat":' + str(IAT).encode() + b"}"
    )
    assert len(_b64decode(signature)) == 64
    assert "=" not in token


def test_payload_strings_are_escaped_as_go_json_marshal(key: PrivateKey) -> None:
    iss = 'https://x.test/?a<b&c>d"\\\n\x01\u2028é'
    token = sign_header(signature_payload(UUID, DIG, IAT, iss=iss), key)
    raw = _b64decode(token.split(".")[1])
    assert (
        b'"iss":"https://x.test/?a\\u003cb\\u0026c\\u003ed\\"\\\\\\n\\u0001\\u2028\xc3\xa9"' in raw
    )
    assert verify_signature(token, [key.public()])["iss"] == iss


def test_round_trip_returns_the_payload(key: PrivateKey, token: str) -> None:
    payload = verify_signature(token, [key.public()])
    assert payload == {"uuid": UUID, "dig": DIG.to_json(), "iat": IAT}


def test_every_signature_differs_but_all_verify(key: PrivateKey, token: str) -> None:
    again = sign_header(signature_payload(UUID, DIG, IAT), key)
    assert again != token
    assert verify_signature(again, [key.public()]) == verify_signature(token, [key.public()])


def test_verify_finds_the_key_by_kid_among_many(key: PrivateKey, token: str) -> None:
    others = [PrivateKey.generate(OTHER_KID).public(), PublicKey.from_jwk(PUBLIC_JWK)]
    assert verify_signature(token, [*others, key.public()])["uuid"] == UUID


def test_tampered_payload_fails(key: PrivateKey, token: str) -> None:
    header, _, signature = token.split(".")
    forged = signature_payload(UUID, Digest("sha256", "b" * 64), IAT)
    payload = _b64encode(json.dumps(forged, separators=(",", ":")).encode())
    with pytest.raises(SignatureMismatch):
        verify_signature(f"{header}.{payload}.{signature}", [key.public()])


def test_tampered_signature_fails(key: PrivateKey, token: str) -> None:
    header, payload, signature = token.split(".")
    raw = bytearray(_b64decode(signature))
    raw[10] ^= 0x01
    with pytest.raises(SignatureMismatch):
        verify_signature(f"{header}.{payload}.{_b64encode(bytes(raw))}", [key.public()])


def test_different_key_with_the_same_kid_fails(token: str) -> None:
    with pytest.raises(SignatureMismatch):
        verify_signature(token, [PrivateKey.generate(KID).public()])


def test_kid_not_in_keys_fails(token: str) -> None:
    with pytest.raises(KeyNotFound):
        verify_signature(token, [PrivateKey.generate(OTHER_KID).public()])
    with pytest.raises(KeyNotFound):
        verify_signature(token, [])


def test_iat_outside_the_key_window_fails(key: PrivateKey, token: str) -> None:
    public = key.public()
    after = public.with_window(valid_from=datetime(2026, 7, 2, tzinfo=UTC))
    before = public.with_window(valid_until=datetime(2026, 6, 30, tzinfo=UTC))
    inside = public.with_window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(KeyNotValidAt):
        verify_signature(token, [after])
    with pytest.raises(KeyNotValidAt):
        verify_signature(token, [before])
    assert verify_signature(token, [inside])["iat"] == IAT


def test_retired_key_still_verifies_what_it_signed_while_valid(key: PrivateKey) -> None:
    old = sign_header(signature_payload(UUID, DIG, IAT - 86400 * 365), key)
    retired = key.public().with_window(valid_until=datetime(2026, 1, 1, tzinfo=UTC))
    assert verify_signature(old, [retired])["iat"] == IAT - 86400 * 365


def test_without_keys_the_payload_is_read_unverified(key: PrivateKey, token: str) -> None:
    header, _, signature = token.split(".")
    other = _b64encode(b'{"uuid":"x","iat":1}')
    assert verify_signature(token, None) == {"uuid": UUID, "dig": DIG.to_json(), "iat": IAT}
    assert verify_signature(f"{header}.{other}.{signature}", None) == {"uuid": "x", "iat": 1}


def _header(data: dict[str, Any]) -> str:
    return _b64encode(json.dumps(data).encode())


def _malformed(token: str) -> dict[str, str]:
    header, payload, signature = token.split(".")
    iat_text = _b64encode(b'{"iat":"today"}')
    iat_float = _b64encode(b'{"iat":1.5}')
    return {
        "empty": "",
        "one-part": "abc",
        "two-parts": f"{header}.{payload}",
        "four-parts": f"{header}.{payload}.{signature}.x",
        "padding": f"{header}=.{payload}.{signature}",
        "short-signature": f"{header}.{payload}.{signature[:-2]}",
        "not-base64url": f"{header}.{payload}.***",
        "alg-none": f"{_header({'alg': 'none', 'kid': KID})}.{payload}.{signature}",
        "alg-hs256": f"{_header({'alg': 'HS256', 'kid': KID})}.{payload}.{signature}",
        "crit": f"{_header({'alg': 'ES256', 'kid': KID, 'crit': ['exp']})}.{payload}.{signature}",
        "header-not-json": f"{_b64encode(b'not json')}.{payload}.{signature}",
        "payload-not-object": f"{header}.{_b64encode(b'[1,2]')}.{signature}",
        "iat-text": f"{header}.{iat_text}.{signature}",
        "iat-float": f"{header}.{iat_float}.{signature}",
    }


MALFORMED = list(_malformed("h.p.s"))


@pytest.mark.parametrize("case", MALFORMED)
@pytest.mark.parametrize("keyed", [True, False], ids=["keys", "no-keys"])
def test_malformed_tokens_are_refused(key: PrivateKey, token: str, case: str, keyed: bool) -> None:
    with pytest.raises(SignatureMalformed):
        verify_signature(_malformed(token)[case], [key.public()] if keyed else None)


def test_signing_a_payload_gobl_cannot_marshal_fails(key: PrivateKey) -> None:
    with pytest.raises(SignatureError):
        sign_header({"uuid": UUID, "n": 1.5}, key)
    with pytest.raises(SignatureError):
        sign_header({"uuid": "bad \udcff"}, key)


def test_signing_an_example_envelope_header(key: PrivateKey) -> None:
    envelope = json.loads((ENVELOPES / "invoice-es-es-verifactu.json").read_text("utf-8"))
    head = envelope["head"]
    dig = digest_document(envelope["doc"])
    assert dig == Digest.from_json(head["dig"])
    token = sign_header(signature_payload(head["uuid"], dig, IAT, iss="https://facturo.test"), key)
    payload = verify_signature(token, [key.public()])
    assert payload["uuid"] == head["uuid"]
    assert Digest.from_json(payload["dig"]) == Digest.from_json(head["dig"])


def test_example_envelopes_carry_no_signatures_to_check() -> None:
    # Should gobl's examples ever ship signed, this fails and asks for a verification test.
    signed = [
        p.name
        for p in sorted(ENVELOPES.glob("*.json"))
        if json.loads(p.read_text("utf-8")).get("sigs")
    ]
    assert signed == []
