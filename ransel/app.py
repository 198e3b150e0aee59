"""The HTTP app: channel webhooks, the REST endpoint, web chat pages, APIs.

Each feature contributes a ``routes(runtime) -> list[BaseRoute]`` function; this module only
assembles them (it is part of the composition root: it may import every package). Shared per-process objects (runtime, gateway) hang off ``app.state``.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

import channels.sms
import channels.telegram
import channels.voice
import channels.webchat
import portal.routes
import scheduler.api
from bot.gateway import Gateway
from bot.learning import api as learning_api
from bot.runtime import Runtime, settle_heap
from bot.web import limits, rest

log = logging.getLogger(__name__)

# The features' `routes(runtime)` functions, mounted in this order.
ROUTE_PROVIDERS: list[Callable[[Runtime], list[BaseRoute]]] = [
    learning_api.routes,
    rest.routes,
    channels.telegram.routes,
    channels.sms.routes,
    channels.voice.routes,
    channels.webchat.routes,
    scheduler.api.routes,
    portal.routes.routes,
]


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(runtime: Runtime, gateway: Gateway | None = None) -> Starlette:
    gateway = gateway or Gateway(runtime.settings)
    routes: list[BaseRoute] = [Route("/health", health)]
    for provider in ROUTE_PROVIDERS:
        routes.extend(provider(runtime))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        settle_heap()  # every route module is imported by now
        try:
            yield
        finally:
            gc.unfreeze()  # an app stopped inside a longer-lived process (tests) gives it all back
            await gateway.aclose()

    # Body limits before any endpoint reads a body (bot/web/limits.py).
    limit_for = limits.limits(runtime.settings.speech_max_bytes)
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(limits.BodyLimit, limit_for=limit_for)])
    app.state.runtime = runtime
    app.state.gateway = gateway
    return app
