"""No published secrets, channels only when configured, the action server on loopback."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot import engine as engine_mod
from bot.config import load_settings
from bot.runtime import Runtime
from ransel.app import create_app

# What earlier versions shipped as defaults; a fresh installation must accept none of them.
OLD_DEMO_TWILIO_TOKEN = "ransel-demo-auth-token"
OLD_DEMO_SENDER_SECRET = "ransel-dev-secret-change-me"
OLD_DEMO_WEBHOOK_SECRET = "ransel-demo-webhook-secret"


def _client(settings) -> TestClient:  # noqa: ANN001
    return TestClient(create_app(Runtime(settings)))


def _signed_sms(settings, token: str) -> tuple[str, dict[str, str], dict[str, str]]:  # noqa: ANN001
    url = settings.public_base_url.rstrip("/") + "/sms/inbound"
    form = {"MessageSid": "SM" + "1" * 32, "From": "+4791234567", "To": "+4759440000", "Body": "hei",
            "AccountSid": "AC00000000000000000000000000000000"}
    return url, form, {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, form)}


def test_each_installation_generates_its_own_secrets_and_keeps_them_owner_only(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path / "a")
    again = load_settings(data_dir=tmp_path / "a")
    other = load_settings(data_dir=tmp_path / "b")
    for name in ("sender_secret", "engine_api_token", "telegram_webhook_secret"):
        value = getattr(first, name)
        assert len(value) >= 40 and value == getattr(again, name) != getattr(other, name)
    assert first.sender_secret not in (OLD_DEMO_SENDER_SECRET,)
    assert first.telegram_webhook_secret != OLD_DEMO_WEBHOOK_SECRET
    assert len({first.sender_secret, first.engine_api_token, first.telegram_webhook_secret}) == 3
    mode = stat.S_IMODE((tmp_path / "a" / "secrets.json").stat().st_mode)
    assert mode == 0o600
    # No channel credentials without configuration or the emulators.
    assert (first.telegram_bot_token, first.twilio_account_sid, first.twilio_auth_token) == ("", "", "")


def test_configured_secrets_win_and_are_not_stored(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, sender_secret="set-by-the-operator-" + "x" * 30)
    assert settings.sender_secret.startswith("set-by-the-operator-")
    assert "set-by-the-operator" not in (tmp_path / "secrets.json").read_text()


def test_secrets_file_widened_by_someone_is_made_owner_only_again(tmp_path: Path) -> None:
    load_settings(data_dir=tmp_path)
    os.chmod(tmp_path / "secrets.json", 0o644)
    load_settings(data_dir=tmp_path)
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600


def test_unconfigured_channels_have_no_routes(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    with _client(settings) as client:
        url, form, headers = _signed_sms(settings, OLD_DEMO_TWILIO_TOKEN)
        assert client.post("/sms/inbound", data=form, headers=headers).status_code == 404
        assert client.post("/voice/inbound", data=form, headers=headers).status_code == 404
        assert client.post("/telegram/webhook", json={"update_id": 1},
                           headers={"X-Telegram-Bot-Api-Secret-Token": OLD_DEMO_WEBHOOK_SECRET}).status_code == 404
        assert client.get("/health").status_code == 200  # the app itself runs


def test_the_old_demo_twilio_token_is_refused_on_a_fresh_installation_with_emulators(
        tmp_path: Path, sqlite_url: str) -> None:
    settings = load_settings(data_dir=tmp_path, database_url=sqlite_url, emulators=True)
    assert settings.twilio_configured and settings.twilio_auth_token != OLD_DEMO_TWILIO_TOKEN
    with _client(settings) as client:
        _, form, old = _signed_sms(settings, OLD_DEMO_TWILIO_TOKEN)
        assert client.post("/sms/inbound", data=form, headers=old).status_code == 403
        _, form, good = _signed_sms(settings, settings.twilio_auth_token)
        assert client.post("/sms/inbound", data=form, headers=good).status_code == 200


def test_telegram_webhook_refuses_the_old_demo_secret(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, telegram_bot_token="7000009:configured")
    with _client(settings) as client:
        response = client.post("/telegram/webhook", json={"update_id": 1},
                               headers={"X-Telegram-Bot-Api-Secret-Token": OLD_DEMO_WEBHOOK_SECRET})
        assert response.status_code == 403


def _non_loopback_address() -> str | None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.123", 9))  # no packet is sent for UDP connect
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_action_server_listens_on_loopback_only_and_allows_no_cross_origin_calls(tmp_path: Path) -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    settings = engine_mod.with_free_ports(load_settings(data_dir=tmp_path))
    port = engine_mod._port_of(settings.action_server_url)[1]
    proc = engine_mod.start_actions(settings, run_dir=tmp_path / "actions")
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://{address}:{port}/health", timeout=3.0)
        preflight = httpx.options(f"http://127.0.0.1:{port}/webhook", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in {k.lower() for k in preflight.headers}
    finally:
        engine_mod.stop(proc)
