"""Port of gobl dsig/key.go (7a4ad62): ES256 keys as JSON Web Keys.

gobl signs only with ECDSA P-256 (``ES256``) keys, held as JWKs (RFC 7517) whose ``kid`` is a
UUID; the public JWK may add a validity window, ``valid_from``/``valid_until``, as RFC 3339 UTC
timestamps with milliseconds (gobl ``cal.Timestamp``).

Where Python differs from Go, and why:

* ``generate`` takes the ``kid``: gobl draws a random UUID inside ``NewES256Key``, but this
  library reads no randomness or clock of its own (STYLE.md), so the caller passes the id.
  Only the key material comes from ``cryptography``'s generator.
* Keys are checked when read (gobl ``Validate`` runs later): a ``PrivateKey`` must carry
  ``d`` matching ``x``/``y``, and a ``PublicKey`` must not carry ``d``, so private material
  never lands in a key store by mistake.
* ``to_jwk`` returns members in go-jose's order (``use, kty, kid, crv, alg, x, y, d``); a
  public key with a window is written with sorted members, as gobl's map-based marshaller does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec

from facturo.gobl.dsig.errors import KeyInvalid, KeyNotValidAt

__all__ = ["ES256", "PrivateKey", "PublicKey", "format_timestamp", "parse_timestamp"]

ES256: Final = "ES256"
_USE: Final = "sig"
_CURVE: Final = "P-256"
_SIZE: Final = 32  # P-256 coordinates and scalar, bytes

_TIMESTAMP: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})"
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(value: Any, name: str) -> bytes:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", value):
        raise KeyInvalid(f"JWK member {name} must be base64url text without padding")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyInvalid(f"JWK member {name} is not base64url") from exc


def parse_timestamp(value: str) -> datetime:
    """Read an RFC 3339 timestamp (any offset, optional fraction) as an aware UTC datetime.

    Mirrors gobl ``cal.ParseTimestamp``; fractions beyond microseconds are truncated.
    """
    m = _TIMESTAMP.fullmatch(value)
    if m is None:
        raise KeyInvalid(f"invalid timestamp {value!r}: want RFC 3339")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
    zone = m.group(8)
    if zone in ("Z", "z"):
        tz = UTC
    else:
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        tz = timezone(-offset if zone[0] == "-" else offset)
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz).astimezone(UTC)
    except ValueError as exc:
        raise KeyInvalid(f"invalid timestamp {value!r}: {exc}") from exc


def format_timestamp(value: datetime) -> str:
    """``2026-01-01T00:00:00.000Z``: gobl ``cal.Timestamp`` form (UTC, milliseconds, truncated)."""
    utc = _aware(value).astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise KeyInvalid("key validity times must be timezone-aware")
    return value


def _jwk_mapping(data: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise KeyInvalid(f"JWK is not JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise KeyInvalid("JWK must be a JSON object")
    return data


def _common(
    jwk: Mapping[str, Any],
) -> tuple[str, str | None, str | None, ec.EllipticCurvePublicKey]:
    """Check the members every ES256 JWK has; return kid, alg, use and the public key."""
    if jwk.get("kty") != "EC":
        raise KeyInvalid("JWK kty must be EC")
    if jwk.get("crv") != _CURVE:
        raise KeyInvalid("JWK crv must be P-256")
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not kid:
        raise KeyInvalid("JWK kid is required")
    alg = jwk.get("alg")
    if alg is not None and alg != ES256:
        raise KeyInvalid("JWK alg must be ES256")
    use = jwk.get("use")
    if use is not None and use != _USE:
        raise KeyInvalid("JWK use must be sig")
    x, y = _unb64(jwk.get("x"), "x"), _unb64(jwk.get("y"), "y")
    if len(x) != _SIZE or len(y) != _SIZE:
        raise KeyInvalid("JWK x and y must be 32 bytes for P-256")
    try:
        public = ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
        ).public_key()
    except ValueError as exc:
        raise KeyInvalid("JWK point is not on the P-256 curve") from exc
    return kid, alg, use, public


def _public_members(
    kid: str, alg: str | None, use: str | None, key: ec.EllipticCurvePublicKey
) -> dict[str, str]:
    numbers = key.public_numbers()
    members: dict[str, str] = {}
    if use:
        members["use"] = use
    members["kty"] = "EC"
    members["kid"] = kid
    members["crv"] = _CURVE
    if alg:
        members["alg"] = alg
    members["x"] = _b64(numbers.x.to_bytes(_SIZE, "big"))
    members["y"] = _b64(numbers.y.to_bytes(_SIZE, "big"))
    return members


def _thumbprint(key: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638 SHA-256 thumbprint in hex, as gobl's ``Thumbprint``."""
    numbers = key.public_numbers()
    x = _b64(numbers.x.to_bytes(_SIZE, "big"))
    y = _b64(numbers.y.to_bytes(_SIZE, "big"))
    canonical = f'{{"crv":"{_CURVE}","kty":"EC","x":"{x}","y":"{y}"}}'
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True, eq=False)
class PublicKey:
    """An ES256 public JWK that verifies signatures; may be shared freely.

    ``valid_from``/``valid_until`` bound the signing time (``iat``) a signature made with
    this key may carry; ``None`` leaves that side open. A key whose ``valid_until`` is past
    is retired, yet its older signatures still verify.
    """

    kid: str
    key: ec.EllipticCurvePublicKey
    alg: str | None = ES256
    use: str | None = _USE
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def __post_init__(self) -> None:
        if not self.kid:
            raise KeyInvalid("key id is required")
        if not isinstance(self.key.curve, ec.SECP256R1):
            raise KeyInvalid("only P-256 keys are supported")
        for bound in (self.valid_from, self.valid_until):
            if bound is not None:
                _aware(bound)

    @property
    def id(self) -> str:
        """The key's UUID (JWK ``kid``), which signatures name in their header."""
        return self.kid

    @classmethod
    def from_jwk(cls, data: Mapping[str, Any] | str | bytes) -> PublicKey:
        """Read a public JWK (object or JSON text); a JWK carrying ``d`` is refused."""
        jwk = _jwk_mapping(data)
        if "d" in jwk:
            raise KeyInvalid("public key JWK must not carry the private d")
        kid, alg, use, public = _common(jwk)
        bounds: list[datetime | None] = []
        for name in ("valid_from", "valid_until"):
            value = jwk.get(name)
            if value is None or value == "":
                bounds.append(None)
            elif isinstance(value, str):
                bounds.append(parse_timestamp(value))
            else:
                raise KeyInvalid(f"JWK {name} must be an RFC 3339 timestamp")
        return cls(kid, public, alg, use, bounds[0], bounds[1])

    def to_jwk(self) -> dict[str, str]:
        """The JWK as gobl writes it; with a window, members are sorted as gobl's map is."""
        members = _public_members(self.kid, self.alg, self.use, self.key)
        if self.valid_from is None and self.valid_until is None:
            return members
        if self.valid_from is not None:
            members["valid_from"] = format_timestamp(self.valid_from)
        if self.valid_until is not None:
            members["valid_until"] = format_timestamp(self.valid_until)
        return dict(sorted(members.items()))

    def thumbprint(self) -> str:
        """RFC 7638 SHA-256 thumbprint (hex); equal for a private key and its public part."""
        return _thumbprint(self.key)

    def with_window(
        self, valid_from: datetime | None = None, valid_until: datetime | None = None
    ) -> PublicKey:
        """The same key with the given validity window (aware datetimes or ``None``)."""
        return PublicKey(self.kid, self.key, self.alg, self.use, valid_from, valid_until)

    def allows(self, iat: int | None) -> None:
        """Raise :class:`KeyNotValidAt` unless ``iat`` (Unix seconds) is inside the window.

        Both bounds are inclusive, as gobl's ``Allows`` (``Before``/``After``); a signature
        without ``iat`` is not checked.
        """
        if iat is None:
            return
        try:
            at = datetime.fromtimestamp(iat, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise KeyNotValidAt(f"signing time {iat} is not a representable time") from exc
        if self.valid_from is not None and at < self.valid_from:
            raise KeyNotValidAt(
                f"signing time {format_timestamp(at)} is before key's valid_from "
                f"{format_timestamp(self.valid_from)}"
            )
        if self.valid_until is not None and at > self.valid_until:
            raise KeyNotValidAt(
                f"signing time {format_timestamp(at)} is after key's valid_until "
                f"{format_timestamp(self.valid_until)}"
            )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublicKey):
            return NotImplemented
        return self.to_jwk() == other.to_jwk()

    def __hash__(self) -> int:
        return hash((self.kid, self.thumbprint()))

    def __repr__(self) -> str:
        return f"PublicKey(kid={self.kid!r}, thumbprint={self.thumbprint()[:16]}...)"


@dataclass(frozen=True, slots=True, eq=False)
class PrivateKey:
    """An ES256 private JWK that signs; keep it secret, publish :meth:`public` instead."""

    kid: str
    key: ec.EllipticCurvePrivateKey
    alg: str | None = ES256
    use: str | None = _USE

    def __post_init__(self) -> None:
        if not self.kid:
            raise KeyInvalid("key id is required")
        if not isinstance(self.key.curve, ec.SECP256R1):
            raise KeyInvalid("only P-256 keys are supported")

    @property
    def id(self) -> str:
        """The key's UUID (JWK ``kid``), written into every signature's header."""
        return self.kid

    @classmethod
    def generate(cls, kid: str) -> PrivateKey:
        """A new P-256 key named ``kid`` (a UUID; gobl uses v7 for new keys)."""
        return cls(kid, ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_jwk(cls, data: Mapping[str, Any] | str | bytes) -> PrivateKey:
        """Read a private JWK (object or JSON text); ``d`` must match ``x`` and ``y``."""
        jwk = _jwk_mapping(data)
        kid, alg, use, public = _common(jwk)
        if "d" not in jwk:
            raise KeyInvalid("private key only contains public part")
        d = _unb64(jwk["d"], "d")
        if len(d) != _SIZE:
            raise KeyInvalid("JWK d must be 32 bytes for P-256")
        try:
            private = ec.derive_private_key(int.from_bytes(d, "big"), ec.SECP256R1())
        except ValueError as exc:
            raise KeyInvalid("JWK d is not a P-256 private scalar") from exc
        if private.public_key().public_numbers() != public.public_numbers():
            raise KeyInvalid("JWK d does not match x and y")
        return cls(kid, private, alg, use)

    def to_jwk(self) -> dict[str, str]:
        """The private JWK, ``d`` included, in go-jose's member order."""
        members = _public_members(self.kid, self.alg, self.use, self.key.public_key())
        members["d"] = _b64(self.key.private_numbers().private_value.to_bytes(_SIZE, "big"))
        return members

    def public(self) -> PublicKey:
        """The public counterpart, same ``kid``; add a window with ``with_window``."""
        return PublicKey(self.kid, self.key.public_key(), self.alg, self.use)

    def thumbprint(self) -> str:
        """RFC 7638 SHA-256 thumbprint (hex) of the public part."""
        return _thumbprint(self.key.public_key())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PrivateKey):
            return NotImplemented
        return self.to_jwk() == other.to_jwk()

    def __hash__(self) -> int:
        return hash((self.kid, self.thumbprint()))

    def __repr__(self) -> str:  # never show d
        return f"PrivateKey(kid={self.kid!r}, thumbprint={self.thumbprint()[:16]}...)"
