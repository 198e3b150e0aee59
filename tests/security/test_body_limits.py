"""Body limits hold before any endpoint reads a body: declared sizes are refused unread,
chunked bodies are cut off at the limit."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import load_settings
from bot.runtime import Runtime
from ransel.app import create_app

CHUNK = 64 * 1024


class Upload:
    """An ASGI ``receive`` that streams ``total`` bytes in chunks and counts what was pulled."""

    def __init__(self, total: int, prefix: bytes = b"") -> None:
        self.total, self.pulled, self.prefix = total, 0, prefix

    async def __call__(self) -> dict:
        if self.pulled >= self.total:
            await asyncio.sleep(3600)  # the client has nothing more; a disconnect would follow
        size = min(CHUNK, self.total - self.pulled)
        body = (self.prefix + b"\0" * size)[:size] if self.pulled == 0 else b"\0" * size
        self.pulled += size
        return {"type": "http.request", "body": body, "more_body": self.pulled < self.total}


def _run(app, path: str, headers: list[tuple[bytes, bytes]], upload: Upload,  # noqa: ANN001
         method: str | None = None) -> tuple[int, bytes]:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method or ("PUT" if path.endswith("/reminders") else "POST"),
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"127.0.0.1:8080"), *headers],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080)}
    asyncio.run(asyncio.wait_for(app(scope, upload, send), 30))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def _app(tmp_path: Path, sqlite_url: str):  # noqa: ANN202
    settings = load_settings(data_dir=tmp_path, database_url=sqlite_url, emulators=True)
    return create_app(Runtime(settings)), settings


def _signed_in_pupil(settings) -> str:  # noqa: ANN001
    """A web chat session cookie of a pupil, as the sign-in page would set it."""
    from bot.models import Person, PersonRole, Role
    from channels import contacts

    runtime = Runtime(settings)
    with runtime.transaction() as session:
        pupil = Person(sourced_id="p-1", username="pupil", given_name="Ola", family_name="Test", language="nb")
        pupil.roles.append(PersonRole(role=Role.PUPIL))
        session.add(pupil)
        session.flush()
        return contacts.issue_token(session, pupil, runtime.clock)


def test_a_10_mb_chunked_voice_upload_is_refused_at_the_limit(tmp_path: Path, sqlite_url: str) -> None:
    app, settings = _app(tmp_path, sqlite_url)
    cookie = f"ransel_web={_signed_in_pupil(settings)}".encode()
    upload = Upload(10 * 1024 * 1024, prefix=b'--x\r\nContent-Disposition: form-data; name="audio"; '
                    b'filename="a.webm"\r\nContent-Type: audio/webm\r\n\r\n')
    status, body = _run(app, "/chat/api/voice", [(b"content-type", b"multipart/form-data; boundary=x"),
                                                 (b"transfer-encoding", b"chunked"), (b"cookie", cookie),
                                                 (b"x-requested-with", b"ransel")], upload)
    assert status == 413 and b"too large" in body
    assert upload.pulled <= settings.speech_max_bytes + 64 * 1024 + CHUNK < upload.total


def test_a_100_mb_twilio_form_is_refused_without_reading_a_byte(tmp_path: Path, sqlite_url: str) -> None:
    app, _ = _app(tmp_path, sqlite_url)
    upload = Upload(100 * 1024 * 1024)
    status, _ = _run(app, "/sms/inbound", [(b"content-type", b"application/x-www-form-urlencoded"),
                                           (b"content-length", str(upload.total).encode())], upload)
    assert status == 413 and upload.pulled == 0


def test_a_chunked_twilio_form_without_a_length_is_cut_off(tmp_path: Path, sqlite_url: str) -> None:
    app, _ = _app(tmp_path, sqlite_url)
    upload = Upload(100 * 1024 * 1024)
    status, _ = _run(app, "/sms/inbound", [(b"content-type", b"application/x-www-form-urlencoded"),
                                           (b"transfer-encoding", b"chunked")], upload)
    assert status == 413 and upload.pulled <= 64 * 1024 + CHUNK


def test_the_sign_in_form_and_the_scheduler_api_have_limits(tmp_path: Path, sqlite_url: str) -> None:
    app, _ = _app(tmp_path, sqlite_url)
    for path in ("/chat/signin", "/api/broadcasts", "/api/schools/1/reminders", "/webhooks/rest/webhook"):
        upload = Upload(5 * 1024 * 1024)
        status, _ = _run(app, path, [(b"content-type", b"application/x-www-form-urlencoded"),
                                     (b"transfer-encoding", b"chunked")], upload)
        assert status == 413 or (status in (401, 404) and upload.pulled == 0), path
        assert upload.pulled <= 256 * 1024 + CHUNK, path


def test_scheduler_api_refuses_unknown_callers_before_reading_the_body(tmp_path: Path, sqlite_url: str) -> None:
    app, _ = _app(tmp_path, sqlite_url)
    for path in ("/api/broadcasts", "/api/schools/1/reminders"):
        upload = Upload(1024)
        status, _ = _run(app, path, [(b"content-length", b"1024"), (b"authorization", b"Bearer nope")], upload)
        assert status == 404 and upload.pulled == 0, path


def test_small_requests_pass(tmp_path: Path, sqlite_url: str) -> None:
    app, _ = _app(tmp_path, sqlite_url)
    from starlette.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1:8080") as client:
        import re

        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/chat").text)[1]
        refused = client.post("/chat/signin", data={"code": "WRONG123", "lang": "en", "csrf": token})
        assert refused.status_code == 400 and "too large" not in refused.text
