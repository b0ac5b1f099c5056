"""Port of gobl dsig/signature.go and the header signing of head/header.go (7a4ad62).

An envelope signature is a compact JWS (RFC 7515) made with an ES256 key (spec ``gobl.md``
§3.2):

* protected header: ``{"alg":"ES256","kid":"<key uuid>"}``, members sorted as go-jose writes
  its header map;
* payload: not the whole header and not the document, but
  ``{"uuid", "dig", "iss"?, "aud"?, "iat", "scope"?}`` written by Go's ``json.Marshal``: struct
  order, compact, ``<``, ``>``, ``&``, U+2028 and U+2029 escaped as ``\\u003c`` and so on, so
  stamps, links and notes may change after signing without breaking the signature;
* signature: ECDSA P-256 over ``b64(header) + "." + b64(payload)`` with SHA-256, as the 64-byte
  ``R || S`` (RFC 7518 §3.4), everything base64url without padding.

Where Python differs from Go, and why:

* go-jose does the JOSE work in gobl; here it is ~60 lines over ``cryptography``, limited to
  what gobl writes: ES256 only, no ``jku``, no unencoded payloads, no ``crit`` extensions.
* ECDSA is randomised, so a token made here never equals one made by gobl byte for byte; the
  payload bytes do, which is what matters to a verifier.
* Control characters in payload strings are escaped as Go 1.22+ does (``\\b``, ``\\f`` short).
* ``verify_signature`` checks the key's validity window against the payload's ``iat`` (gobl
  ``PublicKey.Allows``) in the same call, and raises a typed error for each failure.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from facturo.gobl.dsig.digest import Digest
from facturo.gobl.dsig.errors import (
    KeyNotFound,
    KeyNotValidAt,
    SignatureError,
    SignatureMalformed,
    SignatureMismatch,
)
from facturo.gobl.dsig.key import ES256, PrivateKey, PublicKey

__all__ = ["sign_header", "signature_payload", "verify_signature"]

_SIZE: Final = 32  # bytes of R and of S for P-256
_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*")
# What Go's json.Marshal escapes in a string (HTML escaping on, the default).
_GO_ESCAPED: Final = re.compile('[\x00-\x1f"\\\\<>&\u2028\u2029]')
_GO_SHORT: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def signature_payload(
    uuid: str | UUID,
    dig: Digest | Mapping[str, Any],
    iat: int,
    iss: str | None = None,
    aud: str | None = None,
    scope: str | None = None,
) -> dict[str, Any]:
    """The claims gobl signs for an envelope header, in its struct order.

    ``uuid`` and ``dig`` are the header's; ``iat`` is the signing time in Unix seconds,
    passed in because this library reads no clock. ``iss``, ``aud`` (URIs) and ``scope``
    (a key) are left out when empty, as Go's ``omitempty`` does.
    """
    if isinstance(iat, bool) or not isinstance(iat, int):
        raise SignatureError("iat must be Unix seconds as an int")
    digest = dig if isinstance(dig, Digest) else Digest.from_json(dig)
    payload: dict[str, Any] = {"uuid": str(uuid), "dig": digest.to_json()}
    if iss:
        payload["iss"] = iss
    if aud:
        payload["aud"] = aud
    payload["iat"] = iat
    if scope:
        payload["scope"] = scope
    return payload


def sign_header(payload: Mapping[str, Any], key: PrivateKey) -> str:
    """Sign ``payload`` (see :func:`signature_payload`) with ``key``; return the compact JWS.

    The payload is written in its own member order, as Go marshals a struct.
    """
    if not isinstance(payload, Mapping):
        raise SignatureError("signature payload must be an object")
    header = '{"alg":"' + ES256 + '","kid":' + _go_json(key.kid) + "}"
    signing_input = _b64(header.encode("utf-8")) + "." + _b64(_go_marshal(payload))
    der = key.key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return signing_input + "." + _b64(r.to_bytes(_SIZE, "big") + s.to_bytes(_SIZE, "big"))


def verify_signature(token: str, keys: Sequence[PublicKey] | None) -> dict[str, Any]:
    """Check a compact JWS and return its decoded payload.

    With ``keys``, the key whose ``kid`` the header names must verify the signature, and the
    payload's ``iat`` must fall in that key's validity window. With ``None``, only the form
    is checked and the payload is returned **unverified** (gobl's ``UnsafePayload``): use it
    to read a signature whose key is not at hand, never to trust one. Comparing the payload's
    ``uuid`` and ``dig`` with the envelope header is the caller's step.

    Raises :class:`SignatureMalformed`, :class:`KeyNotFound`, :class:`SignatureMismatch` or
    :class:`KeyNotValidAt`.
    """
    if not isinstance(token, str):
        raise SignatureMalformed("signature must be a string")
    parts = token.split(".")
    if len(parts) != 3:
        raise SignatureMalformed("signature must have three dot-separated parts")
    header = _json_object(_unb64(parts[0], "header"), "header")
    if header.get("alg") != ES256:
        raise SignatureMalformed(f"signature alg must be {ES256}")
    if "crit" in header or "b64" in header:
        raise SignatureMalformed("signature uses JWS extensions gobl does not write")
    kid = header.get("kid")
    payload = _json_object(_unb64(parts[1], "payload"), "payload")
    raw = _unb64(parts[2], "signature")
    if len(raw) != 2 * _SIZE:
        raise SignatureMalformed("ES256 signature must be 64 bytes")
    iat = payload.get("iat")
    if iat is not None and (isinstance(iat, bool) or not isinstance(iat, int)):
        raise SignatureMalformed("payload iat must be Unix seconds")
    if keys is None:
        return payload

    candidates = [k for k in keys if k.kid == kid]
    if not candidates:
        raise KeyNotFound(f"no key with kid {kid!r}")
    der = encode_dss_signature(
        int.from_bytes(raw[:_SIZE], "big"), int.from_bytes(raw[_SIZE:], "big")
    )
    signing_input = (parts[0] + "." + parts[1]).encode("ascii")
    outside: KeyNotValidAt | None = None
    for candidate in candidates:
        try:
            candidate.key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        try:
            candidate.allows(iat)
        except KeyNotValidAt as exc:
            outside = exc
            continue
        return payload
    if outside is not None:
        raise outside
    raise SignatureMismatch(f"signature does not verify with key {kid!r}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(part: str, name: str) -> bytes:
    if not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise SignatureMalformed(f"signature {name} is not base64url without padding")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SignatureMalformed(f"signature {name} is not base64url") from exc


def _json_object(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise SignatureMalformed(f"signature {name} is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise SignatureMalformed(f"signature {name} must be a JSON object")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _go_marshal(value: Any) -> bytes:
    try:
        return _go_json(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SignatureError(f"signature payload text is not valid UTF-8: {exc.reason}") from exc


def _go_json(value: Any) -> str:
    """Go ``json.Marshal`` of plain values, mappings kept in their own (struct) order."""
    if isinstance(value, str):
        return '"' + _GO_ESCAPED.sub(_go_escape, value) + '"'
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Digest):
        value = value.to_json()
    if isinstance(value, Mapping):
        members = []
        for k, v in value.items():
            if not isinstance(k, str):
                raise SignatureError("signature payload keys must be strings")
            members.append(_go_json(k) + ":" + _go_json(v))
        return "{" + ",".join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_go_json(v) for v in value) + "]"
    raise SignatureError(f"{type(value).__name__} cannot be part of a signature payload")


def _go_escape(match: re.Match[str]) -> str:
    c = match.group()
    return _GO_SHORT.get(c) or f"\\u{ord(c):04x}"
