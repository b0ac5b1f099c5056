"""Transform: workflow definitions, jobs and the durable engine (Invopop ``/transform/v1``).

The pure core lives in ``workflows`` (the definition model, its validation and execution
semantics), ``engine.plan`` and ``engine.retry``; they do no I/O, so the API, the worker and the
tests share one reading of the contract (``shared/spec/invopop-api.md`` §3).
"""
