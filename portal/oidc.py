"""Sign-in with OpenID Connect (Feide for staff and pupils, ID-porten for guardians).

Not built yet: no provider is configured, so the sign-in page offers link codes only.
The OpenID Connect flow (authorization code + PKCE, authlib) replaces this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.routing import BaseRoute

from bot.runtime import Runtime


@dataclass(frozen=True)
class Provider:
    name: str  # in URLs: /sign-in/oidc/{name}
    label: str  # on the button, e.g. "Feide"


def providers(runtime: Runtime) -> list[Provider]:
    return []


def routes(runtime: Runtime) -> list[BaseRoute]:
    return []
