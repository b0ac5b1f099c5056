"""Job args given as data URIs are stored in the workspace's spool; the job keeps ``spool:<key>``.

Contract §3.2: an arg value "may be a data URI that includes ``name``", e.g.
``data:text/plain;name=example.txt;base64,ZGF0YQ==``; it is uploaded to the spool and readable
only with that workspace's tokens. The job's args then hold ``spool:<key>``, the form Invopop's
Go client follows to download it (``GO:invopop/download.go``), so args stay short strings.

Submitting decodes and checks every data URI of the request (syntax, base64, media type, size)
before anything is stored (:func:`decode_data_uris`), so one bad arg stores nothing and its error
names the arg (``#/args/<name>``); the spool rows are then added in the job's own transaction
(:func:`spool_args`). A step reads the bytes back with :func:`read_spooled`.

Any value that starts with ``data:`` is taken for a data URI, as the contract's clients send
nothing else that way.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, unquote_to_bytes

from facturo.errors import Fault, Invalid, TooLarge
from facturo.platform.uow import UnitOfWork
from facturo.silo import service as silo
from facturo.silo import spool as silo_spool
from facturo.silo.service_files import check_mime
from facturo.silo.storage import Storage
from facturo.transform.errors import InvalidJob

if TYPE_CHECKING:
    from facturo.transform.steps.base import StepContext

DATA_PREFIX = "data:"
SPOOL_PREFIX = "spool:"

_DATA_URI = re.compile(r"^data:(?P<mime>[^;,]*)(?P<params>(?:;[^;,]*)*),(?P<data>.*)$", re.S)


class ArgTooLarge(TooLarge):
    """A data-URI arg is larger than this server accepts (FACTURO_MAX_FILE_BYTES)."""


@dataclass(frozen=True, slots=True)
class DataUri:
    """A decoded data URI: its file name (the ``name`` parameter), media type and bytes."""

    name: str
    mime: str
    data: bytes


@dataclass(frozen=True, slots=True)
class SpooledArg:
    """The file a ``spool:<key>`` arg names, with its bytes."""

    key: str
    name: str
    mime: str
    data: bytes


def arg_pointer(name: str) -> str:
    """The JSON Pointer of arg ``name`` (RFC 6901; arg names may hold ``.`` or ``/``)."""
    return "#/args/" + name.replace("~", "~0").replace("/", "~1")


def parse_data_uri(value: str, *, max_bytes: int) -> DataUri:
    """Decode an RFC 2397 data URI (``data:<type>[;name=<file>][;base64],<data>``).

    Raises ``ValueError`` for bad syntax or base64 and ``OverflowError`` when the bytes cannot fit
    under ``max_bytes`` (checked on the encoded length first, so nothing huge is decoded).
    """
    match = _DATA_URI.match(value)
    if match is None:
        raise ValueError("not a data URI")
    name = ""
    base64_encoded = False
    for param in match["params"].split(";")[1:]:
        label, _, raw = param.partition("=")
        label = label.strip().lower()
        if label == "base64" and not raw:
            base64_encoded = True
        elif label == "name":
            name = unquote(raw.strip().strip('"'))
    payload = match["data"]
    if base64_encoded:
        if len(payload) // 4 * 3 > max_bytes + 2:
            raise OverflowError("too large")
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("not valid base64") from exc
    else:
        data = unquote_to_bytes(payload)
    if len(data) > max_bytes:
        raise OverflowError("too large")
    return DataUri(name=name, mime=match["mime"].strip() or "text/plain", data=data)


def decode_data_uris(args: Mapping[str, str], *, max_bytes: int) -> dict[str, DataUri]:
    """Every data-URI arg decoded, by arg name; raise naming each bad arg, storing nothing."""
    decoded: dict[str, DataUri] = {}
    faults: list[Fault] = []
    oversized: list[Fault] = []
    for name, value in args.items():
        if not value.startswith(DATA_PREFIX):
            continue
        pointer = arg_pointer(name)
        try:
            uri = parse_data_uri(value, max_bytes=max_bytes)
            check_mime(uri.mime, pointer)
        except OverflowError:
            oversized.append(Fault("too_large", f"is over {max_bytes} bytes", (pointer,)))
            continue
        except Invalid:
            faults.append(
                Fault("data_uri.type", "the data URI's media type is not valid", (pointer,))
            )
            continue
        except ValueError:
            faults.append(
                Fault(
                    "data_uri",
                    "must be a data URI: data:<type>[;name=<file>];base64,<data>",
                    (pointer,),
                )
            )
            continue
        decoded[name] = uri
    if faults:
        raise InvalidJob("Data-URI args must be valid data URIs.", faults=faults + oversized)
    if oversized:
        raise ArgTooLarge(faults=oversized)
    return decoded


def spool_args(
    uow: UnitOfWork,
    storage: Storage,
    *,
    workspace_id: uuid.UUID,
    args: Mapping[str, str],
    decoded: Mapping[str, DataUri],
    max_bytes: int,
) -> dict[str, str]:
    """``args`` with each decoded data URI spooled and replaced by ``spool:<key>``; no commit."""
    out = dict(args)
    for name, uri in decoded.items():
        spooled = silo.put_spool(
            uow,
            storage,
            workspace_id=workspace_id,
            name=uri.name or name,
            mime=uri.mime,
            data=uri.data,
            max_bytes=max_bytes,
        )
        out[name] = SPOOL_PREFIX + spooled.key
    return out


def spool_key(value: str | None) -> str | None:
    """The spool key a ``spool:<key>`` arg value names, else None."""
    if value is None or not value.startswith(SPOOL_PREFIX):
        return None
    return value[len(SPOOL_PREFIX) :] or None


def read_spooled(ctx: StepContext, name: str) -> SpooledArg | None:
    """The spooled file job arg ``name`` names, with its bytes; None for a plain or absent arg.

    For steps: a job submitted with a data-URI arg holds ``spool:<key>`` instead. Reads in the
    step's unit of work and the step resources' file store; raises the Silo's ``SpoolNotFound``
    (a NotFound) if the file was deleted from the spool meanwhile.
    """
    key = spool_key(ctx.arg(name))
    if key is None:
        return None
    storage = ctx.resources.get(Storage)  # type: ignore[type-abstract]
    found, data = silo_spool.get_spool(ctx.uow, storage, workspace_id=ctx.job.workspace_id, key=key)
    return SpooledArg(key=found.key, name=found.name, mime=found.mime, data=data)
