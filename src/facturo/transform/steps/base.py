"""The step provider contract: what the engine hands a step, and what a step hands back.

A provider is a value (STYLE.md "Step providers", procrastinate ``Blueprint.task``): the
:func:`provider` decorator wraps a function into a :class:`Provider` holding its action id, its
config model (validated when a workflow is **saved**, never when a job runs), how it resumes after
a crash (:class:`Effect`), its retry policy and its timeout. Registration is an explicit list
(``steps/__init__.py`` builds ``REGISTRY`` with :meth:`Registry.of`), never an import side effect.

The engine runs a step inside one unit of work (``ctx.uow``): whatever the step writes through the
other contexts' services (a Silo state, a sequence number, a VERI*FACTU record) commits in the same
transaction as the step's checkpoint, or not at all. External effects (an AEAT submission, an
e-mail, a webhook) cannot be inside that transaction, so the provider's ``effect`` says what the
engine does when it finds a step that was started but never checkpointed:

- ``PURE``: nothing outside the transaction happened; run again.
- ``IDEMPOTENT``: run again with the same ``ctx.idempotency_key`` (``job_id:step_id``); the
  provider or its peer removes the duplicate (webhook ids, an existing record returned as is).
- ``RECONCILE``: call ``reconcile(ctx, config)`` first; it answers the step's result if the effect
  already happened (AEAT has the record) or ``None`` to run the step again.

Results follow the provider protocol (spec §3.4, ``GO:gateway/tasks.proto``): OK, SKIP and KO move
the workflow on (KO with a ``code`` that conditions can match, e.g. AEAT's ``4107``); ERR ("try
again") and QUEUED ("more time", with ``retry_in``) are retried by the engine under the step's
:class:`~facturo.transform.engine.retry.RetryPolicy`.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

from pydantic import BaseModel

from facturo.errors import Conflict, Fault
from facturo.platform.uow import UnitOfWork
from facturo.transform.engine.retry import RetryPolicy
from facturo.transform.statuses import EventStatus

__all__ = [
    "Effect",
    "JobInfo",
    "Provider",
    "ProviderAlreadyRegistered",
    "Registry",
    "Resources",
    "StepContext",
    "StepResult",
    "provider",
]

ConfigT = TypeVar("ConfigT", bound=BaseModel)
T = TypeVar("T")


class Effect(StrEnum):
    """How a step resumes after a crash between its start and its checkpoint."""

    PURE = "pure"  # only writes inside ctx.uow: run again
    IDEMPOTENT = "idempotent"  # external effect deduplicated by ctx.idempotency_key: run again
    RECONCILE = "reconcile"  # ask the outside world first (reconcile), then maybe run again


@dataclass(frozen=True, slots=True)
class StepResult:
    """What a step answers (spec §3.4).

    ``faults`` are recorded on the job even when the status is OK (AEAT's "AceptadoConErrores",
    seed 002). A KO records one fault from ``code``/``message``/``paths`` besides these.
    ``args`` are merged into the job's args (strings only, as the contract types them).
    ``silo_entry_id`` switches the job to another entry for the rest of the workflow.
    """

    status: EventStatus
    code: str = ""
    message: str = ""
    args: Mapping[str, str] = field(default_factory=dict)
    retry_in: float | None = None
    faults: tuple[Fault, ...] = ()
    paths: tuple[str, ...] = ()
    silo_entry_id: UUID | None = None
    ref: str = ""

    def __post_init__(self) -> None:
        if self.status not in _RESULT_STATUSES:
            raise ValueError(f"a step cannot answer {self.status}")
        for key, value in self.args.items():
            if not isinstance(value, str):
                raise TypeError(f"arg {key!r} must be a string, not {type(value).__name__}")

    @classmethod
    def ok(cls, code: str = "", message: str = "", **kw: Any) -> StepResult:
        return cls(EventStatus.OK, code, message, **kw)

    @classmethod
    def ko(cls, code: str = "", message: str = "", **kw: Any) -> StepResult:
        return cls(EventStatus.KO, code, message, **kw)

    @classmethod
    def skip(cls, code: str = "", message: str = "", **kw: Any) -> StepResult:
        return cls(EventStatus.SKIP, code, message, **kw)

    @classmethod
    def err(cls, code: str = "", message: str = "", **kw: Any) -> StepResult:
        return cls(EventStatus.ERR, code, message, **kw)

    @classmethod
    def queued(cls, retry_in: float, code: str = "", message: str = "", **kw: Any) -> StepResult:
        return cls(EventStatus.QUEUED, code, message, retry_in=retry_in, **kw)


_RESULT_STATUSES = frozenset(
    {EventStatus.OK, EventStatus.KO, EventStatus.SKIP, EventStatus.ERR, EventStatus.QUEUED}
)


@dataclass(frozen=True, slots=True)
class JobInfo:
    """The job a step runs for, as the step may read it (never the engine's rows)."""

    id: UUID
    workspace_id: UUID
    workflow_id: UUID
    key: str | None
    args: Mapping[str, str]
    silo_entry_id: UUID | None
    tags: tuple[str, ...] = ()
    faults: tuple[Fault, ...] = ()


class Resources:
    """Long-lived services a step may use (an HTTP client, the mail sender, the file store).

    Keyed by type so each context registers its own without a shared class to edit; the runtime
    fills it at start-up, tests fill it with real instances on loopback.
    """

    def __init__(self, *items: object) -> None:
        self._items: dict[type, object] = {}
        for item in items:
            self.add(item)

    def add(self, item: object, as_type: type | None = None) -> None:
        self._items[as_type or type(item)] = item

    def get(self, kind: type[T]) -> T:
        try:
            return cast(T, self._items[kind])
        except KeyError:
            raise LookupError(f"no {kind.__name__} is configured for steps") from None

    def find(self, kind: type[T]) -> T | None:
        return cast(T | None, self._items.get(kind))


@dataclass
class StepContext:
    """Everything a running step may use. Built by the worker for each attempt.

    ``uow`` is the step's open transaction; do not commit it: the engine commits it together with
    the checkpoint. ``now`` is the attempt's start time (UTC), the one clock a step should read.
    """

    job: JobInfo
    step_id: str
    step_name: str
    action: str
    pointer: str
    attempt: int
    resumed: bool
    uow: UnitOfWork
    now: datetime
    resources: Resources
    log: logging.LoggerAdapter[logging.Logger]

    @property
    def idempotency_key(self) -> str:
        """Stable across attempts and crashes of this step in this job (STYLE.md)."""
        return f"{self.job.id}:{self.step_id}"

    def arg(self, name: str, default: str | None = None) -> str | None:
        """A job arg; job args win over step config (spec §5.3), so steps read them first."""
        return self.job.args.get(name, default)


RunFn = Callable[[StepContext, Any], StepResult | Awaitable[StepResult]]
ReconcileFn = Callable[[StepContext, Any], StepResult | Awaitable[StepResult | None] | None]
ConcurrencyFn = Callable[[StepContext, Any], str | None]


@dataclass(frozen=True, slots=True)
class Provider(Generic[ConfigT]):
    """One action a workflow step can name.

    ``concurrency`` returns a key (e.g. ``verifactu:B12345678``) under which the engine runs at
    most one step at a time across all workers, or ``None`` for no limit. ``timeout`` (seconds)
    ends an attempt that overruns as KO ``timeout`` (spec §3.7.5).
    """

    id: str
    run: RunFn
    config: type[ConfigT] | None = None
    effect: Effect = Effect.PURE
    retry: RetryPolicy | None = None
    timeout: float | None = None
    reconcile: ReconcileFn | None = None
    concurrency: ConcurrencyFn | None = None

    def __post_init__(self) -> None:
        if self.effect is Effect.RECONCILE and self.reconcile is None:
            raise ValueError(f"{self.id}: a RECONCILE provider needs a reconcile function")

    def parse_config(self, raw: Mapping[str, Any] | None) -> Any:
        """The step's config as the model (already checked when the workflow was saved)."""
        if self.config is None:
            return None
        return self.config.model_validate(dict(raw or {}))

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.run)


def provider(
    action: str,
    *,
    config: type[BaseModel] | None = None,
    effect: Effect = Effect.PURE,
    retry: RetryPolicy | None = None,
    timeout: float | None = None,
    reconcile: ReconcileFn | None = None,
    concurrency: ConcurrencyFn | None = None,
) -> Callable[[RunFn], Provider[Any]]:
    """Declare ``run`` as the provider of ``action``; the function becomes a :class:`Provider`."""

    def wrap(run: RunFn) -> Provider[Any]:
        return Provider(
            id=action,
            run=run,
            config=config,
            effect=effect,
            retry=retry,
            timeout=timeout,
            reconcile=reconcile,
            concurrency=concurrency,
        )

    return wrap


class ProviderAlreadyRegistered(Conflict):
    """Two providers claim one action id; rename one or drop it from the registry list."""


class Registry(Mapping[str, Provider[Any]]):
    """The providers a server offers, by action id. Built whole or not at all."""

    def __init__(self, providers: Mapping[str, Provider[Any]]) -> None:
        self._providers = dict(providers)

    @classmethod
    def of(cls, *providers: Provider[Any]) -> Registry:
        collected: dict[str, Provider[Any]] = {}
        for item in providers:
            if item.id in collected:
                raise ProviderAlreadyRegistered(f"action {item.id!r} is registered twice")
            collected[item.id] = item
        return cls(collected)

    def with_(self, *providers: Provider[Any]) -> Registry:
        """A new registry with these providers added (tests add their own test providers)."""
        return Registry.of(*self._providers.values(), *providers)

    def __getitem__(self, action: str) -> Provider[Any]:
        return self._providers[action]

    def __iter__(self) -> Iterator[str]:
        return iter(self._providers)

    def __len__(self) -> int:
        return len(self._providers)
