"""Digests, keys and signatures of GOBL envelopes (port of gobl ``dsig``, 7a4ad62).

``digest_document`` gives an envelope's ``head.dig``; ``sign_header`` and ``verify_signature``
make and check the compact JWS strings of ``sigs``, over ``signature_payload``. Keys are ES256
JSON Web Keys. Pure: no clock, no randomness beyond new key material, no I/O.
"""

from facturo.gobl.dsig.digest import Digest, digest_document
from facturo.gobl.dsig.errors import (
    DigestError,
    DsigError,
    KeyInvalid,
    KeyNotFound,
    KeyNotValidAt,
    SignatureError,
    SignatureMalformed,
    SignatureMismatch,
)
from facturo.gobl.dsig.key import PrivateKey, PublicKey
from facturo.gobl.dsig.signature import sign_header, signature_payload, verify_signature

__all__ = [
    "Digest",
    "DigestError",
    "DsigError",
    "KeyInvalid",
    "KeyNotFound",
    "KeyNotValidAt",
    "PrivateKey",
    "PublicKey",
    "SignatureError",
    "SignatureMalformed",
    "SignatureMismatch",
    "digest_document",
    "sign_header",
    "signature_payload",
    "verify_signature",
]
