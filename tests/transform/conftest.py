"""Fixtures for the Transform tests: the workflow files and the registry Facturo will provide.

The workflow files are read from ``shared/data/invopop/workflows`` beside the repository
(docs.invopop.com @ bb7fec8 and older commits; see that folder's README): the 112 current
Console-exported templates and the historical ones (``provider`` steps, ``NA`` statuses, legacy
"go to", ``stop``).
"""

from __future__ import annotations

import pytest

# The actions Facturo will provide first (ids as the ES VERI*FACTU templates and the catalogue
# spell them), plus its own GOBL steps, which Invopop's catalogue does not list.
FACTURO_ACTIONS = (
    "silo.state",
    "silo.close",
    "silo.folder",
    "silo.if",
    "silo.modify",
    "sequence.enumerate",
    "gobl.build",
    "gobl.validate",
    "verifactu.generate",
    "verifactu.send",
    "verifactu.cancel",
    "verifactu.register",
    "verifactu.wait.upload",
    "verifactu.wait.approval",
    "verifactu.unregister",
    "gov-es.lookup.verify",
    "pdf",
    "email.send",
    "email.notify",
    "webhook",
    "transform.job.create",
    "cron.subscribe",
    "cron.unsubscribe",
)


@pytest.fixture
def registry() -> dict[str, None]:
    """Facturo's action ids with no config model (config checks have their own tests)."""
    return dict.fromkeys(FACTURO_ACTIONS)


# -- The job engine's test providers and fixtures (tests/transform/engine, jobs, workflows) ------
#
# Providers are stateless: how often a step fails comes from its config and ``ctx.attempt``;
# whatever a step does outside its transaction is recorded in a :class:`Recorder` the test hands
# to the runtime's resources, keyed by the idempotency key.

import asyncio  # noqa: E402
import random  # noqa: E402
import threading  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

from pydantic import BaseModel  # noqa: E402

from facturo.platform.models import Workspace  # noqa: E402
from facturo.platform.runtime import Runtime  # noqa: E402
from facturo.transform import jobs, workflow_store  # noqa: E402
from facturo.transform.engine.retry import Jitter, RetryPolicy  # noqa: E402
from facturo.transform.engine.worker import Worker  # noqa: E402
from facturo.transform.steps.base import (  # noqa: E402
    Effect,
    Registry,
    StepContext,
    StepResult,
    provider,
)


class Crash(BaseException):
    """Stands for the process dying in the middle of a step (not an ``Exception``)."""


@dataclass
class Recorder:
    """Effects that happened outside the database, by idempotency key, and step overlaps."""

    effects: Counter[str] = field(default_factory=Counter)
    crash_once: set[str] = field(default_factory=set)
    active: Counter[str] = field(default_factory=Counter)
    overlaps: int = 0
    barrier: threading.Barrier | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, key: str) -> None:
        with self.lock:
            self.effects[key] += 1


class FailConfig(BaseModel):
    fail: int = 0
    code: str = ""
    retry_in: float | None = None


class CodeConfig(BaseModel):
    code: str = ""
    message: str = ""


FAST_RETRY = RetryPolicy(max_attempts=4, base=2.0, cap=60.0, jitter=Jitter.NONE)


@provider("test.noop")
def noop(ctx: StepContext, config: Any) -> StepResult:
    return StepResult.ok()


@provider("test.flaky", config=FailConfig, retry=FAST_RETRY)
def flaky(ctx: StepContext, config: FailConfig) -> StepResult:
    """ERR (or QUEUED with ``retry_in``) on the first ``fail`` attempts, then OK."""
    if ctx.attempt <= config.fail:
        if config.retry_in is not None:
            return StepResult.queued(config.retry_in, config.code)
        return StepResult.err(config.code, f"attempt {ctx.attempt} failed")
    return StepResult.ok(args={"attempts": str(ctx.attempt)})


@provider("test.raises", config=FailConfig, retry=FAST_RETRY)
def raises(ctx: StepContext, config: FailConfig) -> StepResult:
    if ctx.attempt <= config.fail:
        raise RuntimeError("boom")
    return StepResult.ok()


@provider("test.ko", config=CodeConfig)
def knock_out(ctx: StepContext, config: CodeConfig) -> StepResult:
    return StepResult.ko(config.code, config.message or f"refused {config.code}")


@provider("test.skip")
def skip(ctx: StepContext, config: Any) -> StepResult:
    return StepResult.skip("nothing", "nothing to do")


@provider("test.slow", timeout=0.05)
def slow(ctx: StepContext, config: Any) -> StepResult:
    threading.Event().wait(0.2)
    return StepResult.ok()


@provider("test.async")
async def run_async(ctx: StepContext, config: Any) -> StepResult:
    await asyncio.sleep(0)
    return StepResult.ok(args={"async": "yes"})


@provider("test.async.slow", timeout=0.05)
async def run_async_slow(ctx: StepContext, config: Any) -> StepResult:
    await asyncio.sleep(5)
    return StepResult.ok()


def _effect(ctx: StepContext) -> StepResult:
    recorder = ctx.resources.get(Recorder)
    recorder.record(ctx.idempotency_key)
    if ctx.idempotency_key in recorder.crash_once:
        recorder.crash_once.discard(ctx.idempotency_key)
        raise Crash()
    return StepResult.ok(args={"resumed": str(ctx.resumed).lower()})


@provider("test.effect", effect=Effect.IDEMPOTENT)
def effect(ctx: StepContext, config: Any) -> StepResult:
    """An outside effect deduplicated by key: the recorder counts every run."""
    return _effect(ctx)


def _reconcile(ctx: StepContext, config: Any) -> StepResult | None:
    recorder = ctx.resources.get(Recorder)
    if recorder.effects[ctx.idempotency_key]:
        return StepResult.ok("reconciled")
    return None


@provider("test.reconcile", effect=Effect.RECONCILE, reconcile=_reconcile)
def reconciled(ctx: StepContext, config: Any) -> StepResult:
    return _effect(ctx)


def _issuer(ctx: StepContext, config: Any) -> str | None:
    return ctx.arg("issuer")


@provider("test.keyed", concurrency=_issuer)
def keyed(ctx: StepContext, config: Any) -> StepResult:
    """Counts overlapping runs per key; with a barrier, waits for a second step to run too."""
    recorder = ctx.resources.get(Recorder)
    key = ctx.arg("issuer") or ""
    with recorder.lock:
        recorder.active[key] += 1
        if recorder.active[key] > 1:
            recorder.overlaps += 1
    try:
        if recorder.barrier is not None:
            recorder.barrier.wait()
        else:  # hold the key a moment, so a second run of it would overlap
            threading.Event().wait(0.01)
    finally:
        with recorder.lock:
            recorder.active[key] -= 1
    recorder.record(ctx.idempotency_key)
    return StepResult.ok()


ENGINE_PROVIDERS = (
    noop,
    flaky,
    raises,
    knock_out,
    skip,
    slow,
    effect,
    reconciled,
    keyed,
    run_async,
    run_async_slow,
)


class Clock:
    """A clock the test moves; starts a little after the real now, so submitted jobs are due."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def engine(runtime: Runtime, recorder: Recorder) -> Runtime:
    """The runtime with the test providers registered and the recorder as a resource."""
    runtime.registry = Registry.of(*ENGINE_PROVIDERS)
    runtime.resources.add(recorder)
    return runtime


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(engine: Runtime, clock: Clock) -> Iterator[Worker]:
    w = Worker(engine, name="worker-a", clock=clock, rng=random.Random(7))
    yield w
    w.close()


def step(action: str, *, config: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A workflow step with a fresh id."""
    out: dict[str, Any] = {"id": str(uuid.uuid4()), "name": action, "action": action}
    if config is not None:
        out["config"] = config
    out.update(extra)
    return out


def make_workflow(
    runtime: Runtime, workspace: Workspace, steps: list[dict[str, Any]], **extra: Any
) -> uuid.UUID:
    workflow_id = uuid.uuid4()
    with runtime.uow() as uow:
        workflow_store.create_workflow(
            uow,
            workspace_id=workspace.id,
            workflow_id=workflow_id,
            document={"name": "test", "steps": steps, **extra},
            registry=runtime.registry,
            author=workflow_store.Author("test", "test"),
        )
    return workflow_id


def submit_job(
    runtime: Runtime,
    workspace: Workspace,
    workflow_id: uuid.UUID,
    args: dict[str, str] | None = None,
    key: str | None = None,
) -> uuid.UUID:
    with runtime.uow() as uow:
        return jobs.submit(
            runtime,
            uow,
            workspace_id=workspace.id,
            job_id=None,
            workflow_id=workflow_id,
            silo_entry_id=None,
            data=None,
            key=key,
            args=args or {"run": "1"},
            tags=[],
            src_id="test",
        )


def job_doc(runtime: Runtime, workspace: Workspace, job_id: uuid.UUID) -> dict[str, Any]:
    with runtime.uow() as uow:
        return jobs.get(uow, workspace_id=workspace.id, job_id=job_id)


def drain(worker: Worker) -> int:
    """Run due jobs until none is due; the number of claims made."""
    claims = 0
    while worker.run_once():
        claims += 1
    return claims


def events_of(document: dict[str, Any]) -> list[list[str]]:
    return [[e["status"] for e in intent["events"]] for intent in document["intents"]]


@dataclass
class Harness:
    """The helpers above bound to one runtime and workspace (test modules cannot import them)."""

    runtime: Runtime
    workspace: Workspace
    recorder: Recorder
    clock: Clock

    crash = Crash
    step = staticmethod(step)
    drain = staticmethod(drain)
    events_of = staticmethod(events_of)

    def workflow(self, steps: list[dict[str, Any]], **extra: Any) -> uuid.UUID:
        return make_workflow(self.runtime, self.workspace, steps, **extra)

    def submit(
        self, workflow_id: uuid.UUID, args: dict[str, str] | None = None, key: str | None = None
    ) -> uuid.UUID:
        return submit_job(self.runtime, self.workspace, workflow_id, args, key)

    def job(self, job_id: uuid.UUID) -> dict[str, Any]:
        return job_doc(self.runtime, self.workspace, job_id)

    def worker(self, name: str) -> Worker:
        return Worker(self.runtime, name=name, clock=self.clock, rng=random.Random(7))


@pytest.fixture
def harness(engine: Runtime, workspace: Workspace, recorder: Recorder, clock: Clock) -> Harness:
    return Harness(engine, workspace, recorder, clock)
