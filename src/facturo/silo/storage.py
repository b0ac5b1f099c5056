"""Where file bytes live: content-addressed by SHA-256, on a local disk or an S3-compatible store.

The Silo keeps file records in the database and the bytes here, under their hash: the same
bytes uploaded twice are stored once, a stored object never changes, and a reader can check
what it got. Bytes are written before the record that points at them is committed, so a
failure in between leaves at most an unreferenced object, never a record without its bytes.

``FACTURO_STORAGE_URL`` picks the store: empty for ``<data_dir>/files`` (the embedded default),
``file:///path`` for another directory, or ``s3://bucket/prefix?endpoint=http://host:9000&region=…``
for S3 or a compatible server (credentials from the usual AWS environment variables or files,
through boto3, which is the ``s3`` extra).
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from facturo.errors import Unavailable
from facturo.platform.settings import Settings


class StoredObjectMissing(Unavailable):
    """The file's bytes are not in the store; the store may be down or was not restored."""


class Storage(Protocol):
    """The seam between the Silo and its byte store."""

    def put(self, data: bytes) -> str:
        """Store ``data``; return its SHA-256 (lowercase hex), its address."""
        ...

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``; :class:`StoredObjectMissing` if none are."""
        ...

    def exists(self, digest: str) -> bool: ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalStorage:
    """A directory: ``<root>/<ab>/<cd>/<sha256>``, written atomically (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        path = self._path(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self._path(digest).read_bytes()
        except FileNotFoundError:
            raise StoredObjectMissing() from None

    def exists(self, digest: str) -> bool:
        return self._path(digest).exists()


class S3Storage:
    """An S3 bucket (or a compatible server) under an optional key prefix."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None, **options: Any) -> None:
        if client is None:
            import boto3  # type: ignore[import-untyped]  # the `s3` extra, for S3 users only

            client = boto3.client("s3", **options)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _key(self, digest: str) -> str:
        return f"{self.prefix}/{digest}" if self.prefix else digest

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        if not self.exists(digest):
            self.client.put_object(Bucket=self.bucket, Key=self._key(digest), Body=data)
        return digest

    def get(self, digest: str) -> bytes:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(digest))["Body"]
        except self.client.exceptions.NoSuchKey:
            raise StoredObjectMissing() from None
        data: bytes = body.read()
        return data

    def exists(self, digest: str) -> bool:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(digest))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def from_url(url: str, default_dir: Path) -> Storage:
    """The store a ``FACTURO_STORAGE_URL`` names (see the module docstring)."""
    if not url:
        return LocalStorage(default_dir)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        options: dict[str, Any] = {}
        if "endpoint" in query:
            options["endpoint_url"] = query["endpoint"]
        if "region" in query:
            options["region_name"] = query["region"]
        return S3Storage(parts.netloc, unquote(parts.path), **options)
    raise ValueError(f"unknown storage URL scheme {parts.scheme!r}: use file:// or s3://")


@functools.lru_cache(maxsize=8)
def _cached(url: str, default_dir: Path) -> Storage:
    return from_url(url, default_dir)


def for_settings(settings: Settings) -> Storage:
    """The process's store for these settings, built once (an S3 client is not cheap)."""
    return _cached(settings.storage_url, settings.files_dir.resolve())
