"""``facturo gobl``: build, validate, sign and verify GOBL documents from the command line.

The edge where the pure library gets its parameters: UUIDv7 generation and the clock live
here, never inside ``facturo.gobl``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from facturo.gobl import ErrorKey, GoblError, build, correct, parse, validate
from facturo.gobl.dsig import (
    DsigError,
    PrivateKey,
    PublicKey,
    sign_header,
    signature_payload,
    verify_signature,
)

app = typer.Typer(help="Build, validate, sign and verify GOBL documents.", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON or YAML file")]
KeyOpt = Annotated[Path, typer.Option("--key", "-k", exists=True, help="JWK key file")]


def uuid7() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version, random bits."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 68) << 64
    value |= 0b10 << 62 | rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def _fail(err: GoblError | DsigError) -> None:
    body = (
        err.to_json() if isinstance(err, GoblError) else {"key": "signature", "message": str(err)}
    )
    typer.echo(json.dumps(body, ensure_ascii=False), err=True)
    raise typer.Exit(1)


def _out(data: Any) -> None:
    typer.echo(json.dumps(data, indent="\t", ensure_ascii=False))


def _build(file: Path) -> dict[str, Any]:
    env = build(parse(file.read_bytes()), uuid_factory=uuid7, now=datetime.now(UTC))
    return env.to_json()


@app.command("build")
def build_cmd(file: FileArg) -> None:
    """Calculate and validate a document or envelope; print the envelope."""
    try:
        _out(_build(file))
    except GoblError as err:
        _fail(err)


@app.command("validate")
def validate_cmd(file: FileArg) -> None:
    """Validate without calculating; faults go to stderr as JSON."""
    try:
        validate(parse(file.read_bytes()))
    except GoblError as err:
        _fail(err)
    typer.echo("valid")


@app.command("sign")
def sign_cmd(file: FileArg, key: KeyOpt) -> None:
    """Build the envelope, sign its header with an ES256 JWK, validate, print it."""
    try:
        env = _build(file)
        private = PrivateKey.from_jwk(key.read_text("utf-8"))
        payload = signature_payload(env["head"]["uuid"], env["head"]["dig"], int(time.time()))
        env["sigs"] = [sign_header(payload, private)]
        validate(env)
        _out(env)
    except (GoblError, DsigError) as err:
        _fail(err)


@app.command("verify")
def verify_cmd(file: FileArg, key: KeyOpt) -> None:
    """Check every signature against the header and the public key."""
    try:
        env = parse(file.read_bytes())
        public = PublicKey.from_jwk(key.read_text("utf-8"))
        sigs = env.get("sigs") or []
        if not sigs:
            typer.echo(json.dumps({"key": "signature", "message": "no signatures"}), err=True)
            raise typer.Exit(1)
        head = env.get("head") or {}
        for token in sigs:
            claims = verify_signature(token, [public])
            if claims.get("uuid") != head.get("uuid") or claims.get("dig") != head.get("dig"):
                typer.echo(json.dumps({"key": "signature", "message": "header mismatch"}), err=True)
                raise typer.Exit(1)
        validate(env)
    except (GoblError, DsigError) as err:
        _fail(err)
    typer.echo("verified")


def _stamps(file: Path | None) -> list[Any]:
    """Stamps from a JSON/YAML file: a list, or an envelope whose header carries them."""
    if file is None:
        return []
    text = file.read_text("utf-8")
    if text.lstrip().startswith("["):
        try:
            data: Any = json.loads(text)
        except ValueError as exc:
            raise GoblError(ErrorKey.INPUT, f"stamps: {exc}") from exc
    else:
        data = parse(text)
    if isinstance(data, dict):
        data = (data.get("head") or {}).get("stamps") or data.get("stamps") or []
    return list(data) if isinstance(data, list) else [data]


def _ext(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected key=value, got {pair!r}", param_hint="--ext")
        out[key.strip()] = value.strip()
    return out


@app.command("correct")
def correct_cmd(
    file: FileArg,
    type_: Annotated[
        str, typer.Option("--type", "-t", help="credit-note, corrective or debit-note")
    ],
    reason: Annotated[str | None, typer.Option(help="why the invoice is corrected")] = None,
    series: Annotated[str | None, typer.Option(help="series of the new invoice")] = None,
    issue_date: Annotated[
        str | None, typer.Option("--date", help="issue date (YYYY-MM-DD); default today")
    ] = None,
    stamps: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="stamps of the original (JSON/YAML)"),
    ] = None,
    ext: Annotated[
        list[str] | None, typer.Option("--ext", help="extension code key=value (repeatable)")
    ] = None,
    copy_tax: Annotated[
        bool, typer.Option("--copy-tax", help="copy the original's tax totals")
    ] = False,
) -> None:
    """Build a credit note, corrective or debit note from an invoice; print the envelope."""
    options: dict[str, Any] = {"type": type_, "ext": _ext(ext or [])}
    for name, value in (("reason", reason), ("series", series), ("issue_date", issue_date)):
        if value is not None:
            options[name] = value
    if copy_tax:
        options["copy_tax"] = True
    try:
        options["stamps"] = _stamps(stamps)
        env = correct(parse(file.read_bytes()), options, uuid_factory=uuid7, now=datetime.now(UTC))
        _out(env.to_json())
    except GoblError as err:
        _fail(err)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
