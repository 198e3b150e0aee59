"""Secrets generated per installation, so no secret Ransel uses has a published default.

Settings that configuration leaves empty (``sender_secret``, ``engine_api_token``,
``telegram_webhook_secret``; with ``emulators`` on also the emulated Telegram and Twilio
credentials) are filled from ``<data_dir>/secrets.json``. The file is written at first start
with values from :mod:`secrets` (256 bits each), created with mode 0600 and never rewritten;
processes starting at the same moment agree because the file is created exclusively and a
loser reads the winner's file. Values set by configuration always win and are never stored.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

FILE_NAME = "secrets.json"


def _generate() -> dict[str, str]:
    return {
        "sender_secret": secrets.token_urlsafe(32),
        "engine_api_token": secrets.token_urlsafe(32),
        # Telegram allows A-Z, a-z, 0-9, _ and - in a webhook secret_token (1-256 characters).
        "telegram_webhook_secret": secrets.token_urlsafe(32),
        # Credentials of the local emulators only (make demo); shaped like the real ones.
        "emulator_telegram_bot_token": f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(27)}",
        "emulator_twilio_account_sid": "AC" + secrets.token_hex(16),
        "emulator_twilio_auth_token": secrets.token_hex(16),
        "emulator_oidc_client_secret": secrets.token_urlsafe(32),
    }


def path_for(settings: Settings) -> Path:
    return Path(settings.data_dir) / FILE_NAME


def installation_secrets(data_dir: Path) -> dict[str, str]:
    """This installation's generated secrets; created (0600) on first call."""
    path = Path(data_dir) / FILE_NAME
    for _ in range(50):
        with contextlib.suppress(FileNotFoundError):
            stored = _read(path)
            if stored is not None:
                missing = {k: v for k, v in _generate().items() if k not in stored}
                if not missing:
                    return stored
                # A file from an older Ransel: add the new keys (owner-only rewrite).
                merged = {**missing, **stored}
                _write_atomically(path, merged)
                return merged
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            time.sleep(0.02)  # another process is writing it; read theirs
            continue
        values = _generate()
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(values, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        return values
    raise RuntimeError(f"{path} exists but cannot be read as Ransel's secrets")


def _read(path: Path) -> dict[str, str] | None:
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        return None  # being written right now
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, 0o600)  # someone widened it: secrets stay owner-only
    data = json.loads(text)
    return {str(k): str(v) for k, v in data.items()}


def _write_atomically(path: Path, values: dict[str, str]) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(values, handle, indent=1)
    tmp.replace(path)


GENERATED = ("sender_secret", "engine_api_token", "telegram_webhook_secret")
EMULATED = ("telegram_bot_token", "twilio_account_sid", "twilio_auth_token")


def complete(settings: Settings) -> Settings:
    """``settings`` with every empty generated secret filled from this installation's file."""
    wanted = [name for name in GENERATED if not getattr(settings, name)]
    if settings.emulators:
        wanted += [name for name in EMULATED if not getattr(settings, name)]
    if not wanted:
        return settings
    stored = installation_secrets(settings.data_dir)
    update = {name: stored[name] if name in GENERATED else stored[f"emulator_{name}"] for name in wanted}
    return settings.model_copy(update=update)
