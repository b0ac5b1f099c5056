"""A ``facturo worker`` process with the benchmark's no-op provider registered.

Run as ``python -m engine.worker THREADS`` with ``benchmarks/`` on ``PYTHONPATH`` and the
database in ``FACTURO_DATABASE_URL``; prints ``ready`` once it handles signals, and stops cleanly
on SIGTERM, like the command (it runs the command's body,
:func:`facturo.transform.engine.worker.run_process`, with the LISTEN/NOTIFY wake-up).
"""

from __future__ import annotations

import sys

from engine.steps import REGISTRY
from facturo.platform.runtime import Runtime
from facturo.platform.settings import Settings
from facturo.transform.engine import wakeup
from facturo.transform.engine.worker import run_process

if __name__ == "__main__":
    runtime = Runtime.from_settings(Settings())
    runtime.registry = REGISTRY
    listener = wakeup.listen(runtime)  # as `facturo worker` does: woken by submits at once
    try:
        run_process(
            runtime,
            threads=int(sys.argv[1]) if len(sys.argv) > 1 else runtime.settings.worker_threads,
            ready=lambda: print("ready", flush=True),
        )
    finally:
        if listener is not None:
            listener.stop()
        runtime.close()
