"""The planner: (workflow, step log) → next decision, one row per behaviour of spec §3.7."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from facturo.transform.engine.plan import (
    Finish,
    FinishReason,
    JobOutcome,
    LogEntry,
    LogMismatch,
    Run,
    plan_next,
)
from facturo.transform.statuses import EventStatus
from facturo.transform.workflows.flow import DanglingGoTo, after_result
from facturo.transform.workflows.models import Workflow
from facturo.transform.workflows.paths import Flow, parse_pointer, pointer

HISTORICAL = (
    Path(__file__).resolve().parents[4] / "shared" / "data" / "invopop" / "workflows" / "historical"
)
CURRENT = (
    Path(__file__).resolve().parents[4] / "shared" / "data" / "invopop" / "workflows" / "current"
)


def _s(step_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": step_id, "provider": "silo.state", **extra}


def _load(path: Path) -> Workflow:
    return Workflow.model_validate(json.loads(path.read_text("utf-8")))


LINEAR = Workflow.model_validate(
    {"steps": [_s("a"), _s("b"), _s("c")], "rescue": [_s("r1"), _s("r2")]}
)
NO_RESCUE = Workflow.model_validate({"steps": [_s("a"), _s("b")]})
IF_ELSE = Workflow.model_validate(
    {
        "steps": [
            _s(
                "if",
                next=[
                    {"status": "NA", "code": "true", "steps": [_s("t1"), _s("t2")]},
                    {"status": "NA", "code": "false", "steps": [_s("f1")]},
                ],
            ),
            _s("z"),
        ],
        "rescue": [_s("r")],
    }
)
# An exception on an AEAT code (spec §3.9d) beside a plain exception; listed plain-first on
# purpose: the KO+code block is more specific and wins.
EXCEPTIONS = Workflow.model_validate(
    {
        "steps": [
            _s(
                "send",
                next=[
                    {"status": "KO", "steps": [_s("x")]},
                    {
                        "status": "KO",
                        "code": "4107",
                        "stop": True,
                        "steps": [_s("rej"), _s("hook")],
                    },
                    {"status": "SKIP", "steps": [_s("skipped")]},
                    {"status": "TIMEOUT", "steps": [_s("late")]},
                ],
            ),
            _s("pdf"),
        ],
        "rescue": [_s("r1", next=[{"status": "KO", "code": "soft"}]), _s("r2")],
    }
)
STOPS = Workflow.model_validate(
    {
        "steps": [
            _s("a", next=[{"status": "OK", "code": "done", "stop": True}]),
            _s("b", next=[{"status": "NA", "stop": True}]),
            _s("c"),
        ]
    }
)
# Blocks inside blocks, a stop deep inside, and a "go to" out of a nested block.
NESTED = Workflow.model_validate(
    {
        "steps": [
            _s(
                "lookup",
                next=[
                    {
                        "code": "found",
                        "steps": [
                            _s("m1"),
                            _s(
                                "inbox",
                                next=[
                                    {"code": "true", "steps": [_s("send")]},
                                    {"code": "false", "stop": True, "steps": [_s("notify")]},
                                    {"status": "KO", "step_id": "final"},
                                ],
                            ),
                            _s("m3"),
                        ],
                    },
                ],
            ),
            _s("after"),
            _s("final"),
        ]
    }
)
ANY_CODE = Workflow.model_validate(
    {
        "steps": [
            _s("v", next=[{"code": "true", "steps": [_s("yes")]}, {"code": "false"}]),
            _s("end"),
        ],
        "rescue": [_s("r")],
    }
)
LEGACY = _load(HISTORICAL / "es-verifactu-invoice-legacy-goto.json")
DK = _load(HISTORICAL / "dk-nemhandel-import-ok-code-stop.json")
VERIFACTU = _load(CURRENT / "es__verifactu-invoice.json")

OK, KO, SKIP = EventStatus.OK, EventStatus.KO, EventStatus.SKIP
ERR, QUEUED, RUN = EventStatus.ERR, EventStatus.QUEUED, EventStatus.RUN

Log = list[tuple[str, EventStatus] | tuple[str, EventStatus, str]]
Expected = str | tuple[str, str]  # a pointer to run, or (job status, reason)

CASES: list[tuple[str, Workflow, Log, Expected]] = [
    # the main flow
    ("start", LINEAR, [], "#/steps/0"),
    ("OK moves on", LINEAR, [("#/steps/0", OK)], "#/steps/1"),
    ("SKIP moves on", LINEAR, [("#/steps/0", OK), ("#/steps/1", SKIP)], "#/steps/2"),
    (
        "end of steps",
        LINEAR,
        [("#/steps/0", OK), ("#/steps/1", OK), ("#/steps/2", OK)],
        ("OK", "end"),
    ),
    (
        "ends OK after a final SKIP",
        NO_RESCUE,
        [("#/steps/0", OK), ("#/steps/1", SKIP)],
        ("OK", "end"),
    ),
    # KO, rescue, KO inside rescue
    ("unhandled KO runs rescue", LINEAR, [("#/steps/0", OK), ("#/steps/1", KO, "x")], "#/rescue/0"),
    ("rescue continues", LINEAR, [("#/steps/0", KO), ("#/rescue/0", OK)], "#/rescue/1"),
    (
        "rescue ends the job KO",
        LINEAR,
        [("#/steps/0", KO), ("#/rescue/0", OK), ("#/rescue/1", OK)],
        ("KO", "rescued"),
    ),
    (
        "KO inside rescue ends the job KO",
        LINEAR,
        [("#/steps/0", KO), ("#/rescue/0", KO)],
        ("KO", "rescue_failed"),
    ),
    ("KO without rescue ends the job KO", NO_RESCUE, [("#/steps/0", KO)], ("KO", "unhandled")),
    # conditions on code (silo.if true/false), Any status
    ("true branch", IF_ELSE, [("#/steps/0", OK, "true")], "#/steps/0/next/0/steps/0"),
    (
        "within a branch",
        IF_ELSE,
        [("#/steps/0", OK, "true"), ("#/steps/0/next/0/steps/0", OK)],
        "#/steps/0/next/0/steps/1",
    ),
    (
        "branch done, back to main",
        IF_ELSE,
        [
            ("#/steps/0", OK, "true"),
            ("#/steps/0/next/0/steps/0", OK),
            ("#/steps/0/next/0/steps/1", OK),
        ],
        "#/steps/1",
    ),
    ("false branch", IF_ELSE, [("#/steps/0", OK, "false")], "#/steps/0/next/1/steps/0"),
    ("no branch for another code", IF_ELSE, [("#/steps/0", OK, "maybe")], "#/steps/1"),
    ("Any matches a KO too", IF_ELSE, [("#/steps/0", KO, "true")], "#/steps/0/next/0/steps/0"),
    (
        "KO in a branch runs rescue",
        IF_ELSE,
        [("#/steps/0", OK, "false"), ("#/steps/0/next/1/steps/0", KO)],
        "#/rescue/0",
    ),
    ("no status, code only", ANY_CODE, [("#/steps/0", OK, "true")], "#/steps/0/next/0/steps/0"),
    ("empty block taken, carry on", ANY_CODE, [("#/steps/0", OK, "false")], "#/steps/1"),
    ("empty block handles a KO with its code", ANY_CODE, [("#/steps/0", KO, "false")], "#/steps/1"),
    ("KO with another code is unhandled", ANY_CODE, [("#/steps/0", KO, "oops")], "#/rescue/0"),
    # exceptions
    (
        "exception on code wins over plain exception",
        EXCEPTIONS,
        [("#/steps/0", KO, "4107")],
        "#/steps/0/next/1/steps/0",
    ),
    (
        "exception with stop ends OK once handled",
        EXCEPTIONS,
        [
            ("#/steps/0", KO, "4107"),
            ("#/steps/0/next/1/steps/0", OK),
            ("#/steps/0/next/1/steps/1", OK),
        ],
        ("OK", "stop"),
    ),
    ("plain exception", EXCEPTIONS, [("#/steps/0", KO, "1100")], "#/steps/0/next/0/steps/0"),
    (
        "plain exception then main flow",
        EXCEPTIONS,
        [("#/steps/0", KO, "1100"), ("#/steps/0/next/0/steps/0", OK)],
        "#/steps/1",
    ),
    ("OK takes no exception", EXCEPTIONS, [("#/steps/0", OK)], "#/steps/1"),
    ("SKIP condition", EXCEPTIONS, [("#/steps/0", SKIP)], "#/steps/0/next/2/steps/0"),
    (
        "TIMEOUT matches KO timeout",
        EXCEPTIONS,
        [("#/steps/0", KO, "timeout")],
        "#/steps/0/next/3/steps/0",
    ),
    (
        "handled KO in rescue carries on",
        EXCEPTIONS,
        [("#/steps/0", OK), ("#/steps/1", KO), ("#/rescue/0", KO, "soft")],
        "#/rescue/1",
    ),
    (
        "unhandled KO in rescue",
        EXCEPTIONS,
        [("#/steps/0", OK), ("#/steps/1", KO), ("#/rescue/0", KO, "hard")],
        ("KO", "rescue_failed"),
    ),
    # stop
    ("stop on OK plus code", STOPS, [("#/steps/0", OK, "done")], ("OK", "stop")),
    ("other code goes on", STOPS, [("#/steps/0", OK, "else")], "#/steps/1"),
    ("Any stop on OK", STOPS, [("#/steps/0", OK), ("#/steps/1", OK)], ("OK", "stop")),
    ("Any stop on a KO ends KO", STOPS, [("#/steps/0", OK), ("#/steps/1", KO)], ("KO", "stop")),
    # nested blocks, stop deep inside, go to out of a block
    ("nested: into the block", NESTED, [("#/steps/0", OK, "found")], "#/steps/0/next/0/steps/0"),
    (
        "nested: inner branch",
        NESTED,
        [
            ("#/steps/0", OK, "found"),
            ("#/steps/0/next/0/steps/0", OK),
            ("#/steps/0/next/0/steps/1", OK, "true"),
        ],
        "#/steps/0/next/0/steps/1/next/0/steps/0",
    ),
    (
        "nested: inner branch done, outer block goes on",
        NESTED,
        [
            ("#/steps/0", OK, "found"),
            ("#/steps/0/next/0/steps/0", OK),
            ("#/steps/0/next/0/steps/1", OK, "true"),
            ("#/steps/0/next/0/steps/1/next/0/steps/0", OK),
        ],
        "#/steps/0/next/0/steps/2",
    ),
    (
        "nested: outer block done, main goes on",
        NESTED,
        [
            ("#/steps/0", OK, "found"),
            ("#/steps/0/next/0/steps/0", OK),
            ("#/steps/0/next/0/steps/1", OK, "nothing"),
            ("#/steps/0/next/0/steps/2", OK),
        ],
        "#/steps/1",
    ),
    (
        "nested: stop deep inside ends the job",
        NESTED,
        [
            ("#/steps/0", OK, "found"),
            ("#/steps/0/next/0/steps/0", OK),
            ("#/steps/0/next/0/steps/1", OK, "false"),
            ("#/steps/0/next/0/steps/1/next/1/steps/0", OK),
        ],
        ("OK", "stop"),
    ),
    (
        "nested: go to out of a block",
        NESTED,
        [
            ("#/steps/0", OK, "found"),
            ("#/steps/0/next/0/steps/0", OK),
            ("#/steps/0/next/0/steps/1", KO),
        ],
        "#/steps/2",
    ),
    ("nested: not found skips the block", NESTED, [("#/steps/0", OK, "not-found")], "#/steps/1"),
    # the legacy go-to workflow (historical/es-verifactu-invoice-legacy-goto.json)
    (
        "legacy: happy path stops before the error step",
        LEGACY,
        [
            ("#/steps/0", OK),
            ("#/steps/1", OK),
            ("#/steps/2", OK),
            ("#/steps/3", OK),
            ("#/steps/4", OK),
            ("#/steps/5", OK),
        ],
        ("OK", "stop"),
    ),
    (
        "legacy: KO goes to the error step",
        LEGACY,
        [("#/steps/0", OK), ("#/steps/1", OK), ("#/steps/2", OK), ("#/steps/3", KO, "4107")],
        "#/steps/6",
    ),
    (
        "legacy: error step ends the job",
        LEGACY,
        [("#/steps/0", OK), ("#/steps/1", KO), ("#/steps/6", OK)],
        ("OK", "end"),
    ),
    ("legacy: KO of the first step is unhandled", LEGACY, [("#/steps/0", KO)], ("KO", "unhandled")),
    # OK + code + stop (historical/dk-nemhandel-import-ok-code-stop.json)
    ("dk: accepted", DK, [("#/steps/0", OK, "accepted")], "#/steps/0/next/0/steps/0"),
    (
        "dk: accepted stops",
        DK,
        [("#/steps/0", OK, "accepted"), ("#/steps/0/next/0/steps/0", OK)],
        ("OK", "stop"),
    ),
    (
        "dk: rejected stops",
        DK,
        [("#/steps/0", OK, "rejected"), ("#/steps/0/next/1/steps/0", OK)],
        ("OK", "stop"),
    ),
    ("dk: no code goes on", DK, [("#/steps/0", OK)], "#/steps/1"),
    ("dk: KO runs rescue", DK, [("#/steps/0", KO, "accepted")], "#/rescue/0"),
    # the current VERI*FACTU template, AEAT rejection
    (
        "verifactu: AEAT KO runs rescue",
        VERIFACTU,
        [
            ("#/steps/0", OK),
            ("#/steps/1", OK),
            ("#/steps/2", OK),
            ("#/steps/3", OK),
            ("#/steps/4", KO, "4107"),
        ],
        "#/rescue/0",
    ),
    (
        "verifactu: rescue done, job KO",
        VERIFACTU,
        [
            ("#/steps/0", OK),
            ("#/steps/1", OK),
            ("#/steps/2", OK),
            ("#/steps/3", OK),
            ("#/steps/4", KO, "4107"),
            ("#/rescue/0", OK),
        ],
        ("KO", "rescued"),
    ),
]


def _entries(log: Log) -> list[LogEntry]:
    entries = []
    for event in log:
        code = event[2] if len(event) == 3 else ""
        entries.append(LogEntry(parse_pointer(event[0]), event[1], code))
    return entries


@pytest.mark.parametrize(
    ("workflow", "log", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_plan(workflow: Workflow, log: Log, expected: Expected) -> None:
    decision = plan_next(workflow, _entries(log))
    if isinstance(expected, str):
        assert isinstance(decision, Run)
        assert pointer(decision.path) == expected
        assert decision.step is not None
        assert not decision.resumed
    else:
        assert isinstance(decision, Finish)
        assert (decision.status.value, decision.reason.value) == expected


def test_case_names_are_unique() -> None:
    assert len({c[0] for c in CASES}) == len(CASES)


def test_empty_workflow_finishes_at_once() -> None:
    decision = plan_next(Workflow.model_validate({"steps": []}), [])
    assert decision == Finish(JobOutcome.OK, FinishReason.END)


@pytest.mark.parametrize("marks", [[RUN], [RUN, ERR], [RUN, QUEUED, EventStatus.POKE, RUN]])
def test_err_and_queued_are_not_decisions_the_step_resumes(marks: list[EventStatus]) -> None:
    log = [LogEntry(("steps", 0), OK)] + [LogEntry(("steps", 1), m) for m in marks]
    decision = plan_next(LINEAR, log)
    assert isinstance(decision, Run)
    assert decision.path == ("steps", 1)
    assert decision.resumed


def test_a_final_result_after_retries_moves_on_fresh() -> None:
    log = [LogEntry(("steps", 0), s) for s in (RUN, ERR, RUN, OK)]
    decision = plan_next(LINEAR, log)
    assert isinstance(decision, Run)
    assert (decision.path, decision.resumed) == (("steps", 1), False)


def test_run_says_which_flow() -> None:
    decision = plan_next(LINEAR, [LogEntry(("steps", 0), KO)])
    assert isinstance(decision, Run)
    assert decision.flow is Flow.RESCUE
    assert decision.step.id == "r1"


def test_finish_lists_every_knocked_out_step() -> None:
    log = [
        LogEntry(("steps", 0), OK),
        LogEntry(("steps", 1), KO, "4107"),
        LogEntry(("steps", 6), OK),
    ]
    decision = plan_next(LEGACY, log)
    assert decision == Finish(
        JobOutcome.OK, FinishReason.END, ("steps", 6), knocked_out=(("steps", 1),)
    )


def test_replay_is_deterministic() -> None:
    log = _entries([("#/steps/0", OK, "found"), ("#/steps/0/next/0/steps/0", OK)])
    assert plan_next(NESTED, log) == plan_next(NESTED, list(log))


def test_event_for_another_step_is_a_mismatch() -> None:
    with pytest.raises(LogMismatch):
        plan_next(LINEAR, [LogEntry(("steps", 0), OK), LogEntry(("steps", 2), OK)])


def test_event_with_another_step_id_is_a_mismatch() -> None:
    with pytest.raises(LogMismatch):
        plan_next(LINEAR, [LogEntry(("steps", 0), OK, step_id="b")])
    decision = plan_next(LINEAR, [LogEntry(("steps", 0), OK, step_id="a")])
    assert isinstance(decision, Run)


def test_event_after_the_end_is_a_mismatch() -> None:
    log = [LogEntry(("steps", 0), KO), LogEntry(("steps", 1), OK)]
    with pytest.raises(LogMismatch):
        plan_next(NO_RESCUE, log)


def test_after_result_refuses_non_final_statuses() -> None:
    with pytest.raises(ValueError, match="not a final status"):
        after_result(LINEAR, ("steps", 0), ERR)


def test_dangling_go_to_at_run_time_is_an_error() -> None:
    workflow = Workflow.model_validate(
        {"steps": [_s("a", next=[{"status": "KO", "step_id": "gone"}])]}
    )
    with pytest.raises(DanglingGoTo):
        plan_next(workflow, [LogEntry(("steps", 0), KO)])
