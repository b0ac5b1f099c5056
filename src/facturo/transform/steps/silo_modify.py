"""``silo.modify`` (Modify silo entry): change the entry's document, rebuild it, save it.

Config (spec §5.1, keys as the templates write them):

- ``merge_type`` ``application/merge-patch+json`` applies ``data`` (RFC 7396) and
  ``application/jq`` runs the ``jq`` program; ``scope`` says whether they see the envelope
  (default; ``data`` is ``{"doc": {…}}``, as in ``TPL:chargebee/cb-france``) or the document
  (``"scope": "doc"``, as every jq template has it). An empty ``merge_type`` changes no content.
- ``expr``: a guard in the workflow expression language; false → SKIP, nothing written.
- ``addons``: GOBL addon ids added to the document's ``$addons`` (``TPL:stripe/stripe-verifactu``);
  ``tags``: added to the document's ``$tags`` (the envelope's own tags are the Silo's).
- ``allow_invalid_json``: store the result even if GOBL rejects it (the entry becomes invalid);
  otherwise an invalid result is a KO with gobl's fault code and path, and nothing is written.
- ``sign``: sign the envelope afterwards with the signing key from ``ctx.resources``.

A signed envelope cannot change (spec §2.1), so a signed entry is a KO ``entry.signed``.

jq programs come from workflow authors and may loop or allocate without bound, and the jq
binding cannot be interrupted, so a program runs in a child process with a time limit, a memory
limit, and input and output capped in size. Config is checked when the workflow is saved: the
program compiles, the guard parses, and each ``merge_type`` has what it needs.

All writes go through the Silo service in ``ctx.uow``: the effect is PURE.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from enum import StrEnum
from typing import Any

import jq
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from facturo import gobl
from facturo.gobl.dsig import PrivateKey
from facturo.silo import service as silo_service
from facturo.silo.service import JSON_TYPE
from facturo.transform.steps.base import Effect, StepContext, StepResult, provider
from facturo.transform.steps.expr import ExprError, ExprSource, Scope, compile_expression, scoped
from facturo.transform.steps.gobl_build import gobl_ko, load_entry, step_source

ACTION = "silo.modify"
SIGNED = "entry.signed"
NOT_BOOL = "expr.not_bool"
NO_KEY = "sign.no_key"
JQ_FAILED = "jq.error"
JQ_TIMEOUT = "jq.timeout"
JQ_TOO_LARGE = "jq.too_large"
NOT_A_DOCUMENT = "modify.not_object"

JQ_TIMEOUT_SECONDS = 10.0
JQ_MEMORY_BYTES = 1 << 30
JQ_MAX_BYTES = 10 << 20  # input and output, as JSON text

# Runs in the child: only the standard library and jq, the address space capped first.
_JQ_RUNNER = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
import jq
out = jq.compile(sys.argv[1]).input_text(sys.stdin.read()).all()
sys.stdout.write(json.dumps(out))
"""


class MergeType(StrEnum):
    """How ``silo.modify`` changes the content."""

    JQ = "application/jq"  # run the ``jq`` program
    MERGE_PATCH = "application/merge-patch+json"  # apply ``data`` (RFC 7396)
    NONE = ""  # no content change: only addons, tags, sign


class ModifyConfig(BaseModel):
    """``silo.modify`` config, validated when the workflow is saved."""

    model_config = ConfigDict(extra="allow")

    merge_type: MergeType = MergeType.NONE
    jq: str = Field(default="", max_length=20_000, validate_default=True)
    data: dict[str, Any] | str | None = Field(default=None, validate_default=True)
    expr: ExprSource = ""
    scope: Scope = Scope.ENV
    addons: list[str] = Field(default_factory=list, max_length=50)
    tags: list[str] = Field(default_factory=list, max_length=50)
    sign: bool = False
    allow_invalid_json: bool = False

    @field_validator("jq")
    @classmethod
    def _jq_compiles(cls, program: str, info: ValidationInfo) -> str:
        wanted = info.data.get("merge_type") is MergeType.JQ
        if wanted and not program.strip():
            raise ValueError("a jq program is required with merge_type application/jq")
        if program.strip():
            if not wanted:
                raise ValueError("jq needs merge_type application/jq")
            try:
                jq.compile(program)
            except ValueError as exc:
                raise ValueError(f"invalid jq program: {_first_line(str(exc))}") from None
        return program

    @field_validator("data")
    @classmethod
    def _data_fits(
        cls, data: dict[str, Any] | str | None, info: ValidationInfo
    ) -> dict[str, Any] | str | None:
        wanted = info.data.get("merge_type") is MergeType.MERGE_PATCH
        if wanted and not isinstance(data, dict):
            raise ValueError("a JSON object is required with merge_type merge-patch+json")
        if isinstance(data, str) and data:
            raise ValueError("data must be a JSON object")
        if isinstance(data, dict) and data and not wanted:
            raise ValueError("data needs merge_type application/merge-patch+json")
        return data


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "failed"


class JqFailed(Exception):
    """The jq program failed; ``code`` is the step's KO code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def run_jq(
    program: str,
    value: Any,
    *,
    timeout: float = JQ_TIMEOUT_SECONDS,
    memory: int = JQ_MEMORY_BYTES,
) -> Any:
    """Run ``program`` on ``value`` in a bounded child process; the single result it yields."""
    data = json.dumps(value)
    if len(data) > JQ_MAX_BYTES:
        raise JqFailed(JQ_TOO_LARGE, f"the input is larger than {JQ_MAX_BYTES} bytes")
    try:
        # A fixed interpreter and script; the program travels as an argument, never as code.
        done = subprocess.run(
            [sys.executable, "-I", "-c", _JQ_RUNNER, program, str(memory)],
            input=data,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise JqFailed(JQ_TIMEOUT, f"the jq program ran over {timeout:g}s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        if "MemoryError" in done.stderr or "cannot allocate memory" in done.stderr:
            raise JqFailed(JQ_TOO_LARGE, "the jq program ran out of memory")
        raise JqFailed(JQ_FAILED, reason.removeprefix("ValueError: "))
    if len(done.stdout) > JQ_MAX_BYTES:
        raise JqFailed(JQ_TOO_LARGE, f"the output is larger than {JQ_MAX_BYTES} bytes")
    results = json.loads(done.stdout)
    if len(results) != 1:
        raise JqFailed(JQ_FAILED, f"the jq program gave {len(results)} results, not 1")
    return results[0]


def _merged(existing: Any, extra: list[str]) -> list[Any]:
    current = list(existing) if isinstance(existing, list) else []
    return current + [item for item in extra if item not in current]


def modified(envelope: dict[str, Any], config: ModifyConfig) -> dict[str, Any]:
    """The envelope after the config's changes (raises :class:`JqFailed` for jq failures)."""
    out = copy.deepcopy(envelope)
    target = scoped(out, config.scope)
    if config.merge_type is MergeType.MERGE_PATCH and isinstance(config.data, dict):
        target = silo_service.merge_patch(target, config.data)
    elif config.merge_type is MergeType.JQ:
        target = run_jq(config.jq, target)
    if not isinstance(target, dict):
        raise JqFailed(NOT_A_DOCUMENT, "the modification did not give a JSON object")
    out = {**out, "doc": target} if config.scope is Scope.DOC else target
    doc = out.get("doc")
    if not isinstance(doc, dict):
        raise JqFailed(NOT_A_DOCUMENT, "the envelope has no document after the modification")
    if config.addons:
        doc["$addons"] = _merged(doc.get("$addons"), config.addons)
    if config.tags:
        doc["$tags"] = _merged(doc.get("$tags"), config.tags)
    return out


@provider(ACTION, config=ModifyConfig, effect=Effect.PURE)
def modify(ctx: StepContext, config: ModifyConfig) -> StepResult:
    """OK when saved; SKIP when the guard is false; KO with a code otherwise."""
    entry = load_entry(ctx)
    if isinstance(entry, StepResult):
        return entry
    if config.expr.strip():
        try:
            guard = compile_expression(config.expr).evaluate(scoped(entry.data, config.scope))
        except ExprError as exc:
            return StepResult.ko(exc.code, exc.detail)
        if not isinstance(guard, bool):
            return StepResult.ko(NOT_BOOL, "the guard did not evaluate to true or false")
        if not guard:
            return StepResult.skip(message="the guard expression is false")
    if entry.signed:
        return StepResult.ko(SIGNED, "the envelope is signed and cannot be modified")
    key: PrivateKey | None = None
    if config.sign:
        key = ctx.resources.find(PrivateKey)
        if key is None:
            return StepResult.ko(NO_KEY, "no signing key is configured for steps")
    try:
        envelope = modified(entry.data, config)
    except JqFailed as exc:
        return StepResult.ko(exc.code, exc.message)
    try:
        with ctx.uow.session.begin_nested():
            silo_service.update_data(
                ctx.uow,
                workspace_id=entry.workspace_id,
                entry_id=entry.id,
                data=envelope,
                content_type=JSON_TYPE,
                source=step_source(ctx),
                allow_invalid=config.allow_invalid_json,
                now=ctx.now,
            )
            if key is not None:
                silo_service.sign_entry(
                    ctx.uow,
                    workspace_id=entry.workspace_id,
                    entry_id=entry.id,
                    key=key,
                    source=step_source(ctx),
                    now=ctx.now,
                )
    except gobl.GoblError as exc:
        return gobl_ko(exc, ACTION)
    return StepResult.ok()
