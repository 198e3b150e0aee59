"""The twilio library pointed at the configured API (Twilio or the emulator), and webhook
signature checks.

twilio-python has no base-URL setting; its documented extension point is a custom HTTP
client (twilio.com/docs/libraries/python/custom-http-clients-python). Ours rewrites the
API host to ``settings.twilio_api_url`` when that is not Twilio's own, and keeps each
response's ``Retry-After``, which :class:`~twilio.base.exceptions.TwilioRestException` drops.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.config import Settings

TWILIO_API = "https://api.twilio.com"
SIGNATURE_HEADER = "X-Twilio-Signature"

# Set by a caller around one request: the client writes the response headers into it.
last_headers: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("last_headers", default=None)


class _RoutedHttpClient(AsyncTwilioHttpClient):
    def __init__(self, api_url: str) -> None:
        super().__init__(timeout=30)
        self._api_url = api_url.rstrip("/")

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API) and self._api_url != TWILIO_API:
            url = self._api_url + url[len(TWILIO_API):]
        response = await super().request(method, url, *args, **kwargs)
        holder = last_headers.get()
        if holder is not None:
            holder.clear()
            holder.update({k.lower(): v for k, v in (response.headers or {}).items()})
        return response


def make_client(settings: Settings) -> Client:
    """An async-capable Client; create it inside the event loop that will use it."""
    return Client(settings.twilio_account_sid, settings.twilio_auth_token,
                  http_client=_RoutedHttpClient(settings.twilio_api_url))


async def close_client(client: Client) -> None:
    await client.http_client.close()


def public_url(settings: Settings, request: Request) -> str:
    """The URL Twilio called, which the signature covers: our public base URL, not whatever
    host a proxy in front of us forwarded to."""
    url = settings.public_base_url.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


async def verified_form(settings: Settings, request: Request) -> Mapping[str, str] | None:
    """The webhook's form parameters when ``X-Twilio-Signature`` is Twilio's, else None."""
    form = await request.form()
    params = {key: value for key, value in form.items() if isinstance(value, str)}
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return None
    if not RequestValidator(settings.twilio_auth_token).validate(public_url(settings, request), params, signature):
        return None
    return params
