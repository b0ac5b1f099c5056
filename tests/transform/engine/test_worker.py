"""The worker end to end on both databases: steps, conditions, rescue, retries, resume, cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from facturo.platform.uow import UnitOfWork
from facturo.transform.engine.worker import Worker
from facturo.transform.events import JobFinished


def test_a_job_runs_every_step_and_ends_ok(harness: Any, worker: Worker) -> None:
    h = harness
    wf = h.workflow([h.step("test.noop"), h.step("test.skip"), h.step("test.noop")])
    job_id = h.submit(wf, {"a": "1"})
    assert h.job(job_id)["intents"] == []
    assert h.drain(worker) == 1
    doc = h.job(job_id)
    assert doc["status"] == "OK"
    assert "completed_at" in doc
    assert h.events_of(doc) == [["RUN", "OK"], ["RUN", "SKIP"], ["RUN", "OK"]]
    assert [i["provider"] for i in doc["intents"]] == ["test.noop", "test.skip", "test.noop"]
    assert all(i["completed"] for i in doc["intents"])
    assert [e["index"] for e in doc["intents"][0]["events"]] == [0, 1]
    assert doc["faults"] == []
    assert doc["args"] == {"a": "1"}


def test_a_ko_with_a_matching_condition_is_handled(harness: Any, worker: Worker) -> None:
    h = harness
    handler = h.step("test.noop")
    wf = h.workflow(
        [
            h.step(
                "test.ko",
                config={"code": "4107"},
                next=[{"status": "KO", "code": "4107", "steps": [handler]}],
            ),
            h.step("test.noop"),
        ]
    )
    job_id = h.submit(wf)
    h.drain(worker)
    doc = h.job(job_id)
    assert doc["status"] == "OK"
    assert h.events_of(doc) == [["RUN", "KO"], ["RUN", "OK"], ["RUN", "OK"]]
    assert doc["intents"][1]["step_id"] == handler["id"]
    assert [(f["code"], f["provider"]) for f in doc["faults"]] == [("4107", "test.ko")]


def test_an_unhandled_ko_runs_rescue_and_the_job_ends_ko(harness: Any, worker: Worker) -> None:
    h = harness
    rescue = h.step("test.noop")
    wf = h.workflow(
        [h.step("test.ko", config={"code": "nope"}), h.step("test.noop")], rescue=[rescue]
    )
    job_id = h.submit(wf)
    h.drain(worker)
    doc = h.job(job_id)
    assert doc["status"] == "KO"
    assert [i["step_id"] for i in doc["intents"]][1] == rescue["id"]
    assert h.events_of(doc) == [["RUN", "KO"], ["RUN", "OK"]]
    assert [f["code"] for f in doc["faults"]] == ["nope"]


def test_errors_are_retried_on_the_policy_schedule(harness: Any, worker: Worker) -> None:
    h = harness
    wf = h.workflow([h.step("test.flaky", config={"fail": 2, "code": "busy"})])
    job_id = h.submit(wf)
    start = h.clock.now
    h.drain(worker)
    assert _run_at(h, job_id) == start + timedelta(seconds=2)
    assert h.job(job_id)["status"] == "ERR"
    h.clock.advance(1)
    assert h.drain(worker) == 0  # not due yet: never faster than the policy
    h.clock.advance(1)
    h.drain(worker)
    assert _run_at(h, job_id) == start + timedelta(seconds=2 + 4)
    h.clock.advance(4)
    h.drain(worker)
    doc = h.job(job_id)
    assert doc["status"] == "OK"
    assert h.events_of(doc) == [["RUN", "ERR", "RUN", "ERR", "RUN", "OK"]]
    assert doc["intents"][0]["events"][1]["code"] == "busy"
    assert doc["args"]["attempts"] == "3"


def test_retries_are_bounded_and_end_in_a_ko(harness: Any, worker: Worker) -> None:
    h = harness
    wf = h.workflow([h.step("test.flaky", config={"fail": 99})])
    job_id = h.submit(wf)
    for _ in range(10):
        h.drain(worker)
        h.clock.advance(60)
    doc = h.job(job_id)
    assert doc["status"] == "KO"
    assert h.events_of(doc) == [["RUN", "ERR"] * 4 + ["KO"]]
    assert doc["intents"][0]["events"][-1]["code"] == "retry.attempts"
    assert [f["code"] for f in doc["faults"]] == ["retry.attempts"]


def test_queued_honours_retry_in(harness: Any, worker: Worker) -> None:
    h = harness
    wf = h.workflow([h.step("test.flaky", config={"fail": 1, "retry_in": 30})])
    job_id = h.submit(wf)
    start = h.clock.now
    h.drain(worker)
    assert _run_at(h, job_id) == start + timedelta(seconds=30)
    assert h.job(job_id)["status"] == "QUEUED"
    h.clock.advance(30)
    h.drain(worker)
    assert h.events_of(h.job(job_id)) == [["RUN", "QUEUED", "RUN", "OK"]]


def test_a_provider_that_raises_is_an_err_and_retried(harness: Any, worker: Worker) -> None:
    h = harness
    wf = h.workflow([h.step("test.raises", config={"fail": 1})])
    job_id = h.submit(wf)
    h.drain(worker)
    doc = h.job(job_id)
    assert doc["status"] == "ERR"
    assert doc["intents"][0]["events"][1]["code"] == "exception"
    assert "boom" in doc["intents"][0]["events"][1]["message"]
    h.clock.advance(2)
    h.drain(worker)
    assert h.job(job_id)["status"] == "OK"


def test_a_step_over_its_timeout_is_ko_timeout_matched_by_timeout(
    harness: Any, worker: Worker
) -> None:
    h = harness
    wf = h.workflow(
        [h.step("test.slow", next=[{"status": "TIMEOUT", "steps": [h.step("test.noop")]}])]
    )
    job_id = h.submit(wf)
    h.drain(worker)
    doc = h.job(job_id)
    assert h.events_of(doc) == [["RUN", "KO"], ["RUN", "OK"]]
    assert doc["intents"][0]["events"][1]["code"] == "timeout"
    assert doc["status"] == "OK"


def test_finished_hooks_run_in_the_final_transaction(harness: Any, worker: Worker) -> None:
    h = harness
    seen: list[JobFinished] = []

    def hook(uow: UnitOfWork, event: JobFinished) -> None:
        assert uow.session.in_transaction()
        seen.append(event)

    h.runtime.job_finished_hooks.append(hook)
    wf = h.workflow([h.step("test.ko", config={"code": "x"})])
    job_id = h.submit(wf, {"n": "1"}, key="k-1")
    h.drain(worker)
    assert [(e.job_id, e.status, e.key, dict(e.args)) for e in seen] == [
        (job_id, "KO", "k-1", {"n": "1"})
    ]
    assert [f.code for f in seen[0].faults] == ["x"]


def test_cancel_ends_a_waiting_job_ko_cancelled(harness: Any, worker: Worker) -> None:
    from facturo.transform import jobs

    h = harness
    wf = h.workflow([h.step("test.flaky", config={"fail": 5, "retry_in": 3600})])
    job_id = h.submit(wf)
    h.drain(worker)
    with h.runtime.uow() as uow:
        jobs.cancel(h.runtime, uow, workspace_id=h.workspace.id, job_id=job_id)
    h.clock.advance(1)
    h.drain(worker)
    doc = h.job(job_id)
    assert doc["status"] == "KO"
    assert "completed_at" in doc
    assert [f["code"] for f in doc["faults"]] == ["cancelled"]


def _run_at(h: Any, job_id: Any) -> Any:
    from facturo.transform.tables import JobRow

    with h.runtime.uow() as uow:
        row = uow.session.get(JobRow, (h.workspace.id, job_id))
        return row.run_at


def test_a_job_runs_the_version_it_started_with(harness: Any, worker: Worker) -> None:
    from facturo.transform import workflow_store

    h = harness
    wf = h.workflow([h.step("test.noop")])
    job_id = h.submit(wf)
    with h.runtime.uow() as uow:
        workflow_store.update_workflow(
            uow,
            workspace_id=h.workspace.id,
            workflow_id=wf,
            changes={"steps": [h.step("test.ko", config={"code": "x"})]},
            registry=h.runtime.registry,
            author=workflow_store.Author("test", "test"),
        )
    later = h.submit(wf)
    h.drain(worker)
    assert [i["provider"] for i in h.job(job_id)["intents"]] == ["test.noop"]
    assert h.job(job_id)["status"] == "OK"
    assert [i["provider"] for i in h.job(later)["intents"]] == ["test.ko"]
    assert h.job(later)["status"] == "KO"


def test_a_workflow_whose_action_left_the_registry_knocks_out(harness: Any, worker: Worker) -> None:
    from facturo.transform.steps.base import Registry

    h = harness
    job_id = h.submit(h.workflow([h.step("test.noop"), h.step("test.skip")]))
    h.runtime.registry = Registry({"test.noop": h.runtime.registry["test.noop"]})
    h.drain(worker)
    doc = h.job(job_id)
    assert doc["status"] == "KO"
    assert h.events_of(doc) == [["RUN", "OK"], ["KO"]]
    assert [f["code"] for f in doc["faults"]] == ["step.action.unavailable"]


def test_async_providers_run_on_the_worker_loop_and_time_out(harness: Any, worker: Worker) -> None:
    h = harness
    job_id = h.submit(h.workflow([h.step("test.async"), h.step("test.async.slow")]))
    h.drain(worker)
    doc = h.job(job_id)
    assert doc["args"]["async"] == "yes"
    assert h.events_of(doc) == [["RUN", "OK"], ["RUN", "KO"]]
    assert doc["intents"][1]["events"][1]["code"] == "timeout"
    assert doc["status"] == "KO"
