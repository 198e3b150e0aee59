"""The HTTP app: channel webhooks, the REST endpoint, web chat pages, APIs.

Each feature contributes a ``routes(runtime) -> list[BaseRoute]`` function; this module only
assembles them. Shared per-process objects (runtime, gateway) hang off ``app.state``.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.gateway import Gateway
from bot.runtime import Runtime, settle_heap
from bot.web import limits

log = logging.getLogger(__name__)

# Modules with a `routes(runtime)` function, mounted in this order.
ROUTE_PROVIDERS: list[str] = [
    "bot.learning.api",
    "bot.web.rest",
    "channels.telegram",
    "channels.sms",
    "channels.voice",
    "channels.webchat",
    "scheduler.api",
]


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(runtime: Runtime, gateway: Gateway | None = None) -> Starlette:
    gateway = gateway or Gateway(runtime.settings)
    routes: list[BaseRoute] = [Route("/health", health)]
    for module_name in ROUTE_PROVIDERS:
        provider: Callable[[Runtime], list[BaseRoute]] = importlib.import_module(module_name).routes
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
