"""Turning a ``logo_url`` into image bytes without ever touching the network.

The renderer takes bytes only. A ``data:`` URI is decoded here; a local file is read only when
the caller names the directory it trusts (a CLI rendering a file it was given), because a
workflow author must not be able to make the server read arbitrary paths. ``http(s)`` URLs are
refused: fetching is the caller's job, with its own timeouts and limits.
"""

from __future__ import annotations

import base64
import binascii
import io
from pathlib import Path
from typing import Final
from urllib.parse import unquote_to_bytes

from PIL import Image

from facturo.errors import Fault
from facturo.pdf.errors import InvalidLogo

#: Largest logo accepted, decoded (a logo is a few kilobytes; this bounds memory, not taste).
MAX_LOGO_BYTES: Final = 2 * 1024 * 1024

_SIGNATURES: Final = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


def load_logo(source: str, *, allowed_dir: Path | None = None, path: str = "$.logo_url") -> bytes:
    """The image bytes of a ``data:`` URI, or of a file under ``allowed_dir``.

    ``path`` names the field in the error (``$.config.logo_url``, ``$.args.pdf-logo-url``).
    """
    if source.startswith("data:"):
        data = _from_data_uri(source, path)
    elif allowed_dir is not None and "://" not in source:
        data = _from_file(Path(source), allowed_dir, path)
    else:
        raise InvalidLogo(faults=[Fault("pdf-logo-url", "use a data: URI", (path,))])
    check_image(data, path)
    return data


def check_image(data: bytes, path: str = "$.logo_url") -> None:
    """Refuse what is not a readable PNG, JPEG or GIF, or is too large (Pillow, fpdf2's reader)."""
    if len(data) > MAX_LOGO_BYTES:
        raise InvalidLogo(faults=[Fault("pdf-logo-size", "the logo is over 2 MiB", (path,))])
    if not data.startswith(_SIGNATURES):
        raise InvalidLogo(faults=[Fault("pdf-logo-type", "use a PNG, JPEG or GIF", (path,))])
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (OSError, ValueError, SyntaxError):  # what Pillow raises for broken files
        raise InvalidLogo(
            faults=[Fault("pdf-logo-type", "the image cannot be read", (path,))]
        ) from None


def _from_data_uri(source: str, path: str) -> bytes:
    header, comma, payload = source[5:].partition(",")
    if not comma:
        raise InvalidLogo(faults=[Fault("pdf-logo-url", "a data: URI needs a comma", (path,))])
    if header.endswith(";base64"):
        try:
            return base64.b64decode(payload, validate=True)
        except binascii.Error:
            raise InvalidLogo(
                faults=[Fault("pdf-logo-url", "the base64 data is broken", (path,))]
            ) from None
    return unquote_to_bytes(payload)


def _from_file(file: Path, allowed_dir: Path, path: str) -> bytes:
    root = allowed_dir.resolve()
    target = (root / file).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise InvalidLogo(faults=[Fault("pdf-logo-url", "no such logo file", (path,))])
    if target.stat().st_size > MAX_LOGO_BYTES:
        raise InvalidLogo(faults=[Fault("pdf-logo-size", "the logo is over 2 MiB", (path,))])
    return target.read_bytes()


__all__ = ["MAX_LOGO_BYTES", "check_image", "load_logo"]
