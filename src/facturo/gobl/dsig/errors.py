"""Errors of digests, keys and signatures (gobl ``dsig/errors.go``, made into types).

gobl's ``dsig`` reports four strings (``cannot sign with public key``, ``key is not valid``,
``key mismatch``, ``verification failed``); here each condition is a class, so callers and
tests switch on the type and never on text::

    facturo.errors.Invalid
    └── DsigError                the digest, key or signature layer refused something
        ├── DigestError          the document cannot be digested, or a digest is malformed
        ├── KeyInvalid           a JWK is not an EC P-256 key with an id (gobl ErrKeyInvalid)
        └── SignatureError       a signature cannot be made, read or trusted
            ├── SignatureMalformed   not a compact ES256 JWS with a JSON object payload
            ├── KeyNotFound          no given key carries the signature's ``kid``
            ├── SignatureMismatch    the key's signature does not hold (gobl ErrKeyMismatch)
            └── KeyNotValidAt        ``iat`` is outside the key's valid_from/valid_until

The module imports nothing but ``facturo.errors``, so ``facturo.gobl.errors`` (the keyed
``GoblError``) can map these to its ``digest`` and ``signature`` keys without an import cycle.
"""

from __future__ import annotations

from facturo.errors import Invalid

__all__ = [
    "DigestError",
    "DsigError",
    "KeyInvalid",
    "KeyNotFound",
    "KeyNotValidAt",
    "SignatureError",
    "SignatureMalformed",
    "SignatureMismatch",
]


class DsigError(Invalid):
    """The digest, key or signature was refused."""


class DigestError(DsigError):
    """The document cannot be digested, or the digest is not ``{"alg": ..., "val": ...}``."""


class KeyInvalid(DsigError):
    """The key is not an EC P-256 (ES256) JSON Web Key with a ``kid``; check the JWK."""


class SignatureError(DsigError):
    """The signature cannot be made, read or trusted."""


class SignatureMalformed(SignatureError):
    """The signature is not a compact ES256 JWS whose payload is a JSON object."""


class KeyNotFound(SignatureError):
    """None of the given public keys has the signature's ``kid``; add the signer's key."""


class SignatureMismatch(SignatureError):
    """The signature does not verify with the key named by its ``kid``."""


class KeyNotValidAt(SignatureError):
    """The signature's ``iat`` falls outside the key's ``valid_from``/``valid_until`` window."""
