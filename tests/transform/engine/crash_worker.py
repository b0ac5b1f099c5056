"""A worker process for the crash harness (``test_crashes.py``): real workers, test providers.

It runs :func:`facturo.transform.engine.worker.run_process`, the body of ``facturo worker``, with a
registry of three providers, one per way of resuming. Effects outside the database are appended
to the file named by ``CRASH_EFFECTS`` (one idempotency key a line, fsynced), which stands for
the outside world: the harness checks it after killing these processes many times.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from facturo.platform.runtime import Runtime
from facturo.platform.settings import Settings
from facturo.transform.engine.worker import run_process
from facturo.transform.steps.base import Effect, Registry, StepContext, StepResult, provider

EFFECTS = Path(os.environ.get("CRASH_EFFECTS", "effects.log"))


def _pause() -> None:
    """A little work, so a kill lands inside steps as well as between them."""
    time.sleep(random.uniform(0, 0.004))


def _apply(key: str) -> None:
    with EFFECTS.open("a") as sink:
        sink.write(key + "\n")
        sink.flush()
        os.fsync(sink.fileno())


def _applied(key: str) -> bool:
    return EFFECTS.exists() and key in EFFECTS.read_text().split()


@provider("crash.pure")
def pure(ctx: StepContext, config: Any) -> StepResult:
    _pause()
    return StepResult.ok(args={f"step-{ctx.step_id[:8]}": "done"})


@provider("crash.idempotent", effect=Effect.IDEMPOTENT)
def idempotent(ctx: StepContext, config: Any) -> StepResult:
    _pause()
    _apply(ctx.idempotency_key)
    _pause()
    return StepResult.ok()


def _reconcile(ctx: StepContext, config: Any) -> StepResult | None:
    return StepResult.ok("reconciled") if _applied(ctx.idempotency_key) else None


@provider("crash.reconcile", effect=Effect.RECONCILE, reconcile=_reconcile)
def reconciled(ctx: StepContext, config: Any) -> StepResult:
    _pause()
    _apply(ctx.idempotency_key)
    _pause()
    return StepResult.ok()


REGISTRY = Registry.of(pure, idempotent, reconciled)

if __name__ == "__main__":
    runtime = Runtime.from_settings(Settings())
    runtime.registry = REGISTRY
    run_process(
        runtime,
        threads=int(sys.argv[1]) if len(sys.argv) > 1 else 2,
        ready=lambda: print("ready", flush=True),
    )
