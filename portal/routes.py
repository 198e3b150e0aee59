"""Every page of the portal: each module's ``routes(runtime)``, mounted in this order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.runtime import Runtime
from portal import (
    account,
    admin,
    family,
    oidc,
    owner,
    profile,
    signin,
    teacher,
    teacher_assignments,
    teacher_broadcasts,
    teacher_inbox,
)
from portal.web import PORTAL_DIR, STATIC

PAGE_PROVIDERS: list[Callable[[Runtime], list[BaseRoute]]] = [
    signin.routes,
    oidc.routes,
    account.routes,
    family.routes,
    teacher.routes,
    teacher_broadcasts.routes,
    teacher_assignments.routes,
    teacher_inbox.routes,
    admin.routes,
    owner.routes,
    profile.routes,
]


def routes(runtime: Runtime) -> list[BaseRoute]:
    found: list[BaseRoute] = [Mount(STATIC, app=StaticFiles(directory=Path(PORTAL_DIR) / "static"), name="portal")]
    for provider in PAGE_PROVIDERS:
        found.extend(provider(runtime))
    return found
