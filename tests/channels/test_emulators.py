"""The emulators answer in the real services' shapes (what the client libraries parse)."""

import httpx

from channels.emulators._server import serve_in_thread
from channels.emulators.telegram import TelegramEmulator
from channels.emulators.twilio import TwilioEmulator


def test_bot_api_envelope_for_success_errors_and_flood_control() -> None:
    emulator = TelegramEmulator("1:t", chat_burst=1)
    emulator.user(7)
    with serve_in_thread(emulator.app) as url:
        assert httpx.get(f"{url}/bot1:t/getMe").json()["result"]["is_bot"] is True
        assert httpx.get(f"{url}/bot9:x/getMe").json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        missing = httpx.post(f"{url}/bot1:t/sendMessage", json={"chat_id": 8, "text": "hei"})
        assert missing.status_code == 400 and missing.json()["description"] == "Bad Request: chat not found"
        assert httpx.post(f"{url}/bot1:t/sendMessage", data={"chat_id": "7", "text": "hei"}).json()["ok"]
        flood = httpx.post(f"{url}/bot1:t/sendMessage", json={"chat_id": 7, "text": "igjen"})
        assert flood.status_code == 429 and flood.json()["parameters"]["retry_after"] >= 1
        assert httpx.post(f"{url}/bot1:t/noSuchMethod").json()["error_code"] == 404


def test_twilio_errors_carry_twilios_codes_and_429_has_retry_after() -> None:
    emulator = TwilioEmulator("AC1", "tok", burst=1, messages_per_second=0.5)
    emulator.configure_number("+4759440000")
    with serve_in_thread(emulator.app) as url:
        endpoint = f"{url}/2010-04-01/Accounts/AC1/Messages.json"
        auth = ("AC1", "tok")
        assert httpx.post(endpoint, data={"To": "+4791234567"}, auth=("AC1", "bad")).json()["code"] == 20003
        bad_to = httpx.post(endpoint, data={"To": "12345", "From": "+4759440000", "Body": "x"}, auth=auth)
        assert bad_to.status_code == 400 and bad_to.json()["code"] == 21211
        ok = httpx.post(endpoint, data={"To": "+4791234567", "From": "+4759440000", "Body": "Hei ø"}, auth=auth)
        assert ok.status_code == 201 and ok.json()["sid"].startswith("SM") and ok.json()["num_segments"] == "1"
        limited = httpx.post(endpoint, data={"To": "+4791234567", "From": "+4759440000", "Body": "x"}, auth=auth)
        assert limited.status_code == 429 and limited.json()["code"] == 20429 and limited.headers["Retry-After"] == "2"
