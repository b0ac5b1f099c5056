"""ES256 JWKs: gobl's sample key, round trips, the JSON shape, validity windows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from facturo.gobl.dsig import KeyInvalid, KeyNotValidAt, PrivateKey, PublicKey

# The sample key of gobl dsig/key_test.go, with the thumbprint gobl computes for it.
KID = "3500bbee-966c-4b7a-8fbc-c763ae2aec62"
PRIVATE_JWK = (
    '{"use":"sig","kty":"EC","kid":"3500bbee-966c-4b7a-8fbc-c763ae2aec62","crv":"P-256",'
    '"x":"Fd4a9pj2gtDLnW3GX30S06qXHrkBrAsmg3aHb4kOCL4",'
    '"y":"_I4ZuddZtZ86kDBvGKcsOPbU0gWh13Kt6R2m6bfWAK4",'
    '"d":"oJM3Ogl9uYUpSbc4oHV25DpFs_gOGP5nHJcLAtQxL6U"}'
)
PUBLIC_JWK = (
    '{"use":"sig","kty":"EC","kid":"3500bbee-966c-4b7a-8fbc-c763ae2aec62","crv":"P-256",'
    '"x":"Fd4a9pj2gtDLnW3GX30S06qXHrkBrAsmg3aHb4kOCL4",'
    '"y":"_I4ZuddZtZ86kDBvGKcsOPbU0gWh13Kt6R2m6bfWAK4"}'
)
THUMBPRINT = "eb9793f9b542e25e13959591a41391329f2eb05a0d8f9b12eb071b4d90d91c51"
KID_NEW = "0190f3a2-7c2e-7000-8000-000000000001"


def test_gobl_sample_key_parses_with_its_thumbprint_and_id() -> None:
    key = PrivateKey.from_jwk(PRIVATE_JWK)
    assert key.id == KID
    assert key.thumbprint() == THUMBPRINT
    public = key.public()
    assert public.id == KID
    assert public.thumbprint() == THUMBPRINT
    assert public == PublicKey.from_jwk(PUBLIC_JWK)


def test_gobl_sample_key_writes_back_the_same_jwk() -> None:
    assert json.dumps(PrivateKey.from_jwk(PRIVATE_JWK).to_jwk(), separators=(",", ":")) == (
        PRIVATE_JWK
    )
    assert json.dumps(PublicKey.from_jwk(PUBLIC_JWK).to_jwk(), separators=(",", ":")) == (
        PUBLIC_JWK
    )


def test_generated_key_round_trips_in_gobls_shape() -> None:
    key = PrivateKey.generate(KID_NEW)
    jwk = key.to_jwk()
    assert list(jwk) == ["use", "kty", "kid", "crv", "alg", "x", "y", "d"]
    assert (jwk["kid"], jwk["alg"], jwk["use"]) == (KID_NEW, "ES256", "sig")
    assert all(len(jwk[m]) == 43 and "=" not in jwk[m] for m in ("x", "y", "d"))
    assert PrivateKey.from_jwk(jwk) == key
    assert PrivateKey.from_jwk(json.dumps(jwk)) == key
    public = key.public().to_jwk()
    assert "d" not in public
    assert PublicKey.from_jwk(public) == key.public()
    assert key.public().thumbprint() == key.thumbprint()


def test_two_generated_keys_differ() -> None:
    assert PrivateKey.generate(KID_NEW).thumbprint() != PrivateKey.generate(KID_NEW).thumbprint()


def test_repr_never_shows_the_private_scalar() -> None:
    key = PrivateKey.from_jwk(PRIVATE_JWK)
    assert json.loads(PRIVATE_JWK)["d"] not in repr(key)


def _jwk(**changes: Any) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(PRIVATE_JWK)
    for name, value in changes.items():
        if value is None:
            jwk.pop(name, None)
        else:
            jwk[name] = value
    return jwk


@pytest.mark.parametrize(
    "jwk",
    [
        _jwk(kid=None),
        _jwk(kid=""),
        _jwk(kty="RSA"),
        _jwk(crv="P-384"),
        _jwk(alg="RS256"),
        _jwk(use="enc"),
        _jwk(x="Fd4a9pj2gtDLnW3GX30S06qXHrkBrAsmg3aHb4kOCL"),
        _jwk(x="Fd4a9pj2gtDLnW3GX30S06qXHrkBrAsmg3aHb4kOCL4="),
        _jwk(y="AI4ZuddZtZ86kDBvGKcsOPbU0gWh13Kt6R2m6bfWAK4"),
        _jwk(d=None),
        _jwk(d="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE"),
        _jwk(d="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        "not json",
        "[]",
    ],
)
def test_invalid_private_jwk_is_refused(jwk: Any) -> None:
    with pytest.raises(KeyInvalid):
        PrivateKey.from_jwk(jwk)


def test_public_key_refuses_private_material() -> None:
    with pytest.raises(KeyInvalid):
        PublicKey.from_jwk(PRIVATE_JWK)


def test_window_round_trips_as_gobl_timestamps_with_sorted_members() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = datetime(2027, 1, 1, 12, 30, 5, 123999, tzinfo=UTC)
    public = PublicKey.from_jwk(PUBLIC_JWK).with_window(start, end)
    jwk = public.to_jwk()
    assert jwk["valid_from"] == "2026-01-01T00:00:00.000Z"
    assert jwk["valid_until"] == "2027-01-01T12:30:05.123Z"
    assert list(jwk) == sorted(jwk)
    again = PublicKey.from_jwk(jwk)
    assert again.valid_from == start
    assert again.valid_until == end.replace(microsecond=123000)


def test_plain_public_jwk_has_no_window_members() -> None:
    assert "valid_from" not in PublicKey.from_jwk(PUBLIC_JWK).to_jwk()


def test_window_timestamps_accept_offsets_and_nanoseconds() -> None:
    jwk = {**json.loads(PUBLIC_JWK), "valid_from": "2026-01-01T01:00:00.123456789+01:00"}
    assert PublicKey.from_jwk(jwk).valid_from == datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize("value", [12345, "2026-01-01", "2026-13-01T00:00:00Z", "yesterday"])
def test_bad_window_timestamp_is_refused(value: Any) -> None:
    with pytest.raises(KeyInvalid):
        PublicKey.from_jwk({**json.loads(PUBLIC_JWK), "valid_from": value})


def test_naive_window_is_refused() -> None:
    with pytest.raises(KeyInvalid):
        PublicKey.from_jwk(PUBLIC_JWK).with_window(valid_from=datetime(2026, 1, 1))  # noqa: DTZ001


def _ts(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp())


def test_allows_checks_both_bounds_inclusively() -> None:
    # gobl dsig/key_internal_test.go TestPublicKeyAllows
    key = PublicKey.from_jwk(PUBLIC_JWK).with_window(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    key.allows(_ts(2026, 6, 1))
    key.allows(_ts(2026, 1, 1))
    key.allows(_ts(2027, 1, 1))
    key.allows(None)
    with pytest.raises(KeyNotValidAt):
        key.allows(_ts(2025, 12, 31))
    with pytest.raises(KeyNotValidAt):
        key.allows(_ts(2027, 1, 1) + 1)
    PublicKey.from_jwk(PUBLIC_JWK).allows(_ts(2026, 6, 1))


def test_window_in_another_zone_compares_as_the_same_instant() -> None:
    madrid = timezone(timedelta(hours=1))
    key = PublicKey.from_jwk(PUBLIC_JWK).with_window(datetime(2026, 1, 1, 1, tzinfo=madrid))
    key.allows(_ts(2026, 1, 1))
    with pytest.raises(KeyNotValidAt):
        key.allows(_ts(2026, 1, 1) - 1)
