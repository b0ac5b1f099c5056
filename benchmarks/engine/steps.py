"""The benchmark's workload: a workflow of five no-op steps, run by a ``PURE`` test provider.

``PURE`` is the cheapest way a step resumes (its RUN and OK events, the job row and the step's
own writes in one transaction, shared with the job's other ``PURE`` steps and its claim: one
commit a job), so the benchmark measures the engine's own cost: claim, plan, checkpoint,
complete.
"""

from __future__ import annotations

import uuid
from typing import Any

from facturo.transform.steps.base import Registry, StepContext, StepResult, provider

ACTION = "bench.noop"
STEPS = 5


@provider(ACTION)
def noop(ctx: StepContext, config: Any) -> StepResult:
    return StepResult.ok()


REGISTRY = Registry.of(noop)


def workflow_document() -> dict[str, Any]:
    """The workflow as saved through the workflow service: five steps of the no-op action."""
    steps = [{"id": str(uuid.uuid4()), "name": f"noop {n}", "action": ACTION} for n in range(STEPS)]
    return {"name": "bench: five no-op steps", "steps": steps}
