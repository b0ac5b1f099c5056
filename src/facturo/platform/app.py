"""The ASGI app: one FastAPI app mounting every context's router.

``create_app`` takes a ready ``Runtime`` so tests can point it at any database; ``serve`` builds
the runtime from settings. Middleware order (outermost first): request context (id, log,
metrics), then the body limit, so a 413 is still logged and counted.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from facturo import __version__
from facturo.mail import sink_api as mail_sink_api
from facturo.platform import api, problems
from facturo.platform.metrics import Metrics
from facturo.platform.middleware import BodyLimit, RequestContext
from facturo.platform.runtime import Runtime
from facturo.sequence import api as sequence_api
from facturo.silo import api as silo_api
from facturo.transform import api as transform_api
from facturo.transform.playbooks import api as playbooks_api
from facturo.transform.webhooks import api as webhooks_api
from facturo.verifactu import registrations_api


def settle_heap() -> None:
    """Put what start-up made (modules, tables, GOBL's schemas and rules) out of the cyclic
    collector's reach (``gc.freeze``).

    Those objects live as long as the process, yet every full collection walked them all again:
    with a request allocating as much as a GOBL build does, collections took over a tenth of a
    PUT's time. Objects made later are collected as before.
    """
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    settle_heap()
    yield


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        title="Facturo",
        version=__version__,
        description="Self-hosted e-invoicing: GOBL document store (Silo), workflows "
        "(Transform) and VERI*FACTU, speaking Invopop's API contract.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.metrics = Metrics()
    problems.install(app)
    # The Silo first: routes are tried in order, and its entries are the busiest paths. No
    # other router shares its prefix, so the order changes no match.
    silo_api.mount(app)
    for router in (api.health, api.utils, api.platform):
        app.include_router(router)
    app.include_router(transform_api.router)
    app.include_router(playbooks_api.router)
    app.include_router(sequence_api.router)
    app.include_router(webhooks_api.router)
    app.include_router(mail_sink_api.router)
    app.include_router(registrations_api.router)
    app.add_middleware(BodyLimit, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(RequestContext, metrics=app.state.metrics)
    return app
